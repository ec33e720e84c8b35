//! Profiles and shell comfort: `profiles`, switching a profile to another app, completions and
//! the man page.

use super::harness::{DPOP_APP, EC_APP, TestEnv};

#[tokio::test]
async fn profiles_lists_each_connection_without_tokens() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    env.connect_jwk(EC_APP, &["--profile", "ec", "--scopes", "okta.users.read"])
        .await
        .assert_ok();
    let table = env.run(&["profiles"]).await;
    table.assert_ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", table.stdout);
    assert!(lines[0].starts_with("PROFILE"));
    assert!(table.stdout.contains(DPOP_APP) && table.stdout.contains(EC_APP));
    assert!(table.stdout.contains("DPoP") && table.stdout.contains("Bearer"));
    let json = env.run(&["profiles", "--json"]).await;
    json.assert_ok();
    let list: Vec<serde_json::Value> = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(list.len(), 2);
    let names: Vec<&str> = list
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"default") && names.contains(&"ec"),
        "{names:?}"
    );
    assert!(list.iter().all(|p| p["tenant"] == env.base_url.as_str()));
    let token = env.run(&["token"]).await;
    assert!(!json.stdout.contains(token.stdout.trim()));
    assert!(!table.stdout.contains(token.stdout.trim()));
}

#[tokio::test]
async fn connecting_a_profile_to_another_app_replaces_it_and_says_so() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    let run = env
        .connect_jwk(EC_APP, &["--scopes", "okta.users.read"])
        .await;
    run.assert_ok();
    assert!(
        run.stderr.contains(&format!(
            "note: profile 'default' held {} as {DPOP_APP}",
            env.base_url
        )),
        "{}",
        run.stderr
    );
    let status = env.run(&["status", "--json"]).await;
    let value: serde_json::Value = serde_json::from_str(status.stdout.trim()).unwrap();
    assert_eq!(value["client_id"], EC_APP);
    assert_eq!(value["token_type"], "Bearer");
    // Reconnecting the same app says nothing.
    let again = env
        .connect_jwk(EC_APP, &["--scopes", "okta.users.read"])
        .await;
    again.assert_ok();
    assert!(!again.stderr.contains("note:"), "{}", again.stderr);
}

#[tokio::test]
async fn completions_and_man_page_come_from_the_flag_definitions() {
    let env = TestEnv::start().await;
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = env.run(&["completions", shell]).await;
        run.assert_ok();
        assert!(run.stdout.contains("oktactl"), "{shell}");
        assert!(run.stdout.contains("doctor"), "{shell}: subcommands listed");
    }
    let bash = env.run(&["completions", "bash"]).await;
    assert!(bash.stdout.contains("--ca-file"));
    env.run(&["completions", "tcsh"])
        .await
        .assert_fails(2, "invalid value 'tcsh'");
    let man = env.run(&["man"]).await;
    man.assert_ok();
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH oktactl"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(man.stdout.contains("proxy") && man.stdout.contains("\\-\\-timeout"));
}
