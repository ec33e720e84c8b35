//! `oktactl demo`, the README's main command.

use super::harness::run_binary;

#[tokio::test]
async fn demo_runs_the_whole_story_and_exits_0() {
    let config = tempfile::TempDir::new().unwrap();
    let home = tempfile::TempDir::new().unwrap();
    let run = run_binary(&["demo"], None, &[], config.path(), home.path()).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for needle in [
        "Sandbox running at http://127.0.0.1:",
        "connected: DPoP token",
        "token type:",
        "alice@example.com",
        "revoked",
        "Demo finished",
    ] {
        assert!(run.stdout.contains(needle), "{needle}: {}", run.stdout);
    }
    // The demo never touches the user's store.
    assert!(
        std::fs::read_dir(config.path()).unwrap().next().is_none(),
        "config dir stays empty"
    );
}
