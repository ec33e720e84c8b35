//! `oktactl doctor` against sandbox set-ups broken on purpose: each failure is one ✗ line with
//! its fix, and the exit code is 1.

use super::harness::{DPOP_APP, EC_APP, Run, TestEnv};

#[track_caller]
fn assert_line(run: &Run, mark_and_name: &str, needle: &str) {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with(mark_and_name))
        .unwrap_or_else(|| panic!("no line starting {mark_and_name:?}:\n{}", run.stdout));
    assert!(line.contains(needle), "{line:?} should contain {needle:?}");
}

#[tokio::test]
async fn doctor_passes_every_check_on_a_healthy_dpop_setup() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    let run = env.run(&["doctor"]).await;
    run.assert_ok();
    println!("{}", run.stdout);
    assert!(!run.stdout.contains('✗'), "{}", run.stdout);
    assert_line(&run, "✓ tenant reachable", "direct, no proxy set");
    assert_line(&run, "✓ client key", "RS256");
    assert_line(&run, "✓ DPoP", "requires DPoP");
    assert_line(&run, "✓ scopes", "okta.users.read");
    assert_line(&run, "✓ API call", "HTTP 200");
    let json = env.run(&["doctor", "--json"]).await;
    json.assert_ok();
    let value: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(value["ok"], true);
    assert!(value["checks"].as_array().unwrap().len() >= 7);
}

#[tokio::test]
async fn doctor_flags_a_skewed_clock_with_the_fix() {
    let env = TestEnv::start().await;
    env.connect_jwk(EC_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    // The server runs 10 minutes behind: the local clock looks 600 s ahead.
    env.controls.set_clock_skew(-600);
    let run = env.run(&["doctor"]).await;
    println!("{}", run.stdout);
    assert_eq!(run.code, 1, "{run:?}");
    assert_line(&run, "✗ clock", "ahead of the server's");
    assert!(
        run.stdout.contains("fix: synchronise the clock"),
        "{}",
        run.stdout
    );
    let json = env.run(&["doctor", "--json"]).await;
    assert_eq!(json.code, 1);
    let value: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(value["ok"], false);
}

#[tokio::test]
async fn doctor_names_the_missing_scope_when_the_api_answers_403() {
    // The app is granted only okta.groups.read; listing users needs okta.users.read.
    let env = TestEnv::start_with(|config| {
        for app in &mut config.apps {
            if app.client_id == DPOP_APP {
                app.granted_scopes = vec!["okta.groups.read".into()];
            }
        }
    })
    .await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.groups.read"])
        .await
        .assert_ok();
    let run = env.run(&["doctor"]).await;
    println!("{}", run.stdout);
    assert_eq!(run.code, 1, "{run:?}");
    assert_line(&run, "✓ scopes", "okta.groups.read");
    assert_line(&run, "✗ API call", "403");
    assert!(
        run.stdout.contains("fix: grant okta.users.read to app"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn doctor_says_the_key_does_not_match_the_app() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    // Swap the stored client key for another app's key: the assertion no longer verifies.
    let secrets_path = env.config_dir.path().join("profiles/default.secrets.json");
    let mut secrets: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&secrets_path).unwrap()).unwrap();
    let other_key = std::fs::read_to_string(env.key_file(EC_APP)).unwrap();
    secrets["client_credential"]["value"] = serde_json::Value::String(other_key);
    std::fs::write(&secrets_path, secrets.to_string()).unwrap();
    let run = env.run(&["doctor"]).await;
    println!("{}", run.stdout);
    assert_eq!(run.code, 1, "{run:?}");
    assert_line(&run, "✓ client key", "ES256");
    assert_line(&run, "✗ token request", "invalid_client");
    assert!(
        run.stdout
            .contains("fix: the key does not match a public key registered for app"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn doctor_without_a_connection_says_how_to_connect() {
    let env = TestEnv::start().await;
    let run = env.run(&["doctor"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_line(&run, "✗ profile", "not connected");
    assert!(
        run.stdout.contains("fix: run `oktactl connect"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn doctor_reports_an_unreachable_tenant_with_the_route() {
    let mut env = TestEnv::start().await;
    env.connect_jwk(EC_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    env.stop_sandbox().await;
    let run = env.run(&["doctor"]).await;
    println!("{}", run.stdout);
    assert_eq!(run.code, 1, "{run:?}");
    assert_line(&run, "✗ tenant reachable", "cannot reach");
}
