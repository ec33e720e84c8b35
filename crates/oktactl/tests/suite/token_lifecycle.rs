//! `token` reuse and re-mint, `status`, `disconnect` with and without the server.

use super::harness::{DPOP_APP, EC_APP, TestEnv};

const TOKEN_PATH: &str = "/oauth2/v1/token";

#[tokio::test]
async fn a_valid_token_is_reused_without_any_request() {
    let env = TestEnv::start().await;
    env.connect_jwk(EC_APP, &[]).await.assert_ok();
    let first = env.run(&["token"]).await;
    first.assert_ok();
    let second = env.run(&["token"]).await;
    second.assert_ok();
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(
        env.controls.request_count(TOKEN_PATH),
        1,
        "no new token request"
    );
    assert!(
        first.stderr.is_empty(),
        "token prints nothing else: {}",
        first.stderr
    );
    assert_eq!(first.stdout.lines().count(), 1);
}

#[tokio::test]
async fn token_remints_when_expiring_within_60s() {
    let env = TestEnv::start_with(|config| {
        for app in &mut config.apps {
            app.access_token_lifetime_seconds = Some(45);
        }
    })
    .await;
    env.connect_jwk(EC_APP, &[]).await.assert_ok();
    let first = env.run(&["token"]).await;
    first.assert_ok();
    let second = env.run(&["token"]).await;
    second.assert_ok();
    assert_ne!(
        first.stdout, second.stdout,
        "a fresh token each time it is within 60 s of expiry"
    );
    assert_eq!(env.controls.request_count(TOKEN_PATH), 3);
}

#[tokio::test]
async fn status_shows_everything_but_the_token() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &[]).await.assert_ok();
    let token = env.run(&["token"]).await.stdout;
    let status = env.run(&["status"]).await;
    status.assert_ok();
    for needle in [
        "tenant:",
        &env.base_url,
        "client id:",
        DPOP_APP,
        "flow:",
        "private_key_jwt",
        "scopes:",
        "okta.users.manage",
        "token type:",
        "DPoP",
        "expires:",
        " min (",
    ] {
        assert!(
            status.stdout.contains(needle),
            "{needle}: {}",
            status.stdout
        );
    }
    assert!(!status.stdout.contains(token.trim()));
}

#[tokio::test]
async fn disconnect_revokes_and_forgets() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &[]).await.assert_ok();
    let run = env.run(&["disconnect"]).await;
    run.assert_ok();
    assert!(run.stderr.contains("Revoked"), "{}", run.stderr);
    assert_eq!(env.controls.revoked_tokens(), 1);
    env.run(&["status"]).await.assert_fails(4, "not connected");
    env.run(&["token"])
        .await
        .assert_fails(4, "run `oktactl connect` first");
    env.run(&["disconnect"])
        .await
        .assert_fails(4, "not connected");
}

#[tokio::test]
async fn disconnect_succeeds_offline_with_a_warning() {
    let mut env = TestEnv::start().await;
    env.connect_jwk(EC_APP, &[]).await.assert_ok();
    env.stop_sandbox().await;
    let run = env.run(&["disconnect", "--timeout", "5"]).await;
    run.assert_ok();
    assert!(
        run.stderr.contains("warning: could not revoke"),
        "{}",
        run.stderr
    );
    env.run(&["status"]).await.assert_fails(4, "not connected");
}

#[tokio::test]
async fn remint_fails_cleanly_when_the_server_is_gone() {
    let mut env = TestEnv::start_with(|config| {
        for app in &mut config.apps {
            app.access_token_lifetime_seconds = Some(10);
        }
    })
    .await;
    env.connect_jwk(EC_APP, &[]).await.assert_ok();
    let url = env.base_url.clone();
    env.stop_sandbox().await;
    let run = env.run(&["token", "--timeout", "5"]).await;
    run.assert_fails(3, &format!("cannot reach {url}/oauth2/v1/token"));
    assert!(run.stdout.is_empty());
    // The stored profile is still intact.
    env.run(&["status"]).await.assert_ok();
}

#[tokio::test]
async fn concurrent_token_processes_renewing_one_profile_all_succeed() {
    let env = TestEnv::start_with(|config| {
        for app in &mut config.apps {
            app.access_token_lifetime_seconds = Some(45); // always within 60 s: every run renews
        }
    })
    .await;
    env.connect_jwk(DPOP_APP, &[]).await.assert_ok();
    for round in 0..3 {
        // Four processes started together race for the same profile.
        let token = ["token"];
        let (a, b, c, d) = tokio::join!(
            env.run(&token),
            env.run(&token),
            env.run(&token),
            env.run(&token)
        );
        for run in [&a, &b, &c, &d] {
            run.assert_ok();
            let claims = super::harness::jwt_claims(run.stdout.trim());
            assert!(
                claims["cnf"]["jkt"].is_string(),
                "round {round}: a DPoP-bound token"
            );
        }
        // The store is intact after every round: status parses, token still works.
        let status = env.run(&["status", "--json"]).await;
        status.assert_ok();
        let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
        assert_eq!(status["token_type"], "DPoP");
    }
}
