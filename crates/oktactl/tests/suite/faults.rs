//! Faults injected by the sandbox: bounded retries, exit codes, messages, and a store that a
//! failed renewal never corrupts (issue 5).

use std::time::Duration;

use oktactl_sandbox::Fault;

use super::harness::{EC_APP, TestEnv};

const TOKEN_PATH: &str = "/oauth2/v1/token";

#[tokio::test]
async fn server_errors_are_retried_twice_then_reported() {
    let env = TestEnv::start().await;
    env.controls.inject_fault(TOKEN_PATH, Fault::Status(503), 2);
    env.connect_jwk(EC_APP, &[]).await.assert_ok();
    assert_eq!(
        env.controls.request_count(TOKEN_PATH),
        3,
        "two retries, then success"
    );

    env.controls.inject_fault(TOKEN_PATH, Fault::Status(503), 3);
    let run = env.connect_jwk(EC_APP, &[]).await;
    run.assert_fails(1, "E0000009: Internal Server Error (503 from");
    assert_eq!(
        env.controls.request_count(TOKEN_PATH),
        6,
        "at most two retries"
    );

    env.controls.inject_fault(TOKEN_PATH, Fault::Status(502), 3);
    env.connect_jwk(EC_APP, &[])
        .await
        .assert_fails(1, "HTTP 502 (text/html");
}

#[tokio::test]
async fn a_500_is_not_retried() {
    let env = TestEnv::start().await;
    env.controls.inject_fault(TOKEN_PATH, Fault::Status(500), 1);
    env.connect_jwk(EC_APP, &[])
        .await
        .assert_fails(1, "E0000009");
    assert_eq!(env.controls.request_count(TOKEN_PATH), 1);
}

#[tokio::test]
async fn a_slow_server_times_out_with_exit_3() {
    let env = TestEnv::start().await;
    env.controls
        .inject_fault(TOKEN_PATH, Fault::Delay(Duration::from_secs(3)), 1);
    env.connect_jwk(EC_APP, &["--timeout", "1"])
        .await
        .assert_fails(
            3,
            &format!(
                "timed out after 1 s waiting for {}{TOKEN_PATH}",
                env.base_url
            ),
        );
}

#[tokio::test]
async fn a_connection_dropped_mid_body_exits_3() {
    let env = TestEnv::start().await;
    env.controls.inject_fault(TOKEN_PATH, Fault::DropMidBody, 1);
    env.connect_jwk(EC_APP, &[]).await.assert_fails(
        3,
        &format!("the connection to {}{TOKEN_PATH} broke", env.base_url),
    );
}

#[tokio::test]
async fn invalid_json_is_reported_without_the_body() {
    let env = TestEnv::start().await;
    env.controls.inject_fault(TOKEN_PATH, Fault::InvalidJson, 1);
    let run = env.connect_jwk(EC_APP, &[]).await;
    run.assert_fails(1, "the token response is not valid JSON");
    assert!(
        !run.stderr.contains("eyJ"),
        "no body echoed: {}",
        run.stderr
    );
}

#[tokio::test]
async fn rate_limits_wait_for_a_near_reset_and_report_a_far_one() {
    let env = TestEnv::start().await;
    // A reset already in the past: wait the minimum (1 s) and retry.
    env.controls
        .inject_fault(TOKEN_PATH, Fault::RateLimited { reset_in_secs: -30 }, 1);
    env.connect_jwk(EC_APP, &[]).await.assert_ok();
    assert_eq!(env.controls.request_count(TOKEN_PATH), 2);
    // A reset an hour away is not waited for.
    env.controls.inject_fault(
        TOKEN_PATH,
        Fault::RateLimited {
            reset_in_secs: 3600,
        },
        1,
    );
    let started = std::time::Instant::now();
    let run = env.connect_jwk(EC_APP, &[]).await;
    run.assert_fails(1, "E0000047: API call exceeded rate limit");
    assert!(run.stderr.contains("resets in 3601 s"), "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "did not wait for the reset"
    );
}

#[tokio::test]
async fn failed_renewals_never_corrupt_the_stored_profile() {
    let env = TestEnv::start_with(|config| {
        for app in &mut config.apps {
            app.access_token_lifetime_seconds = Some(30);
        }
    })
    .await;
    env.connect_jwk(EC_APP, &[]).await.assert_ok();
    let before =
        std::fs::read_to_string(env.config_dir.path().join("profiles/default.json")).unwrap();
    let faults = [
        (Fault::Status(503), 3, 1),
        (Fault::DropMidBody, 1, 3),
        (Fault::InvalidJson, 1, 1),
        (Fault::Delay(Duration::from_secs(3)), 1, 3),
    ];
    for (fault, times, code) in faults {
        env.controls.inject_fault(TOKEN_PATH, fault.clone(), times);
        let run = env.run(&["token", "--timeout", "1"]).await;
        assert_eq!(run.code, code, "{fault:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{fault:?}: no token printed");
        let after =
            std::fs::read_to_string(env.config_dir.path().join("profiles/default.json")).unwrap();
        assert_eq!(before, after, "{fault:?}: profile unchanged");
        env.controls.clear_faults();
    }
    let run = env.run(&["token"]).await;
    run.assert_ok();
    assert!(run.stdout.starts_with("eyJ"));
}
