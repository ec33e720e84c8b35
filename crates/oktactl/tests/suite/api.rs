//! `oktactl api`: round trips with DPoP, Bearer and SSWS tokens, paging, `--include`, Okta
//! errors and rate limits, all through the real binary.

use serde_json::Value;

use super::harness::{DPOP_APP, EC_APP, Run, TestEnv};

/// The three ways to hold a token: a DPoP-bound one, a Bearer one, an SSWS API token.
#[derive(Debug, Clone, Copy)]
pub enum Login {
    Dpop,
    Bearer,
    Ssws,
}

pub const ALL_LOGINS: [Login; 3] = [Login::Dpop, Login::Bearer, Login::Ssws];

/// Connects the CLI with `login`.
pub async fn connect(env: &TestEnv, login: Login) {
    let run = match login {
        Login::Dpop => env.connect_jwk(DPOP_APP, &[]).await,
        Login::Bearer => env.connect_jwk(EC_APP, &[]).await,
        Login::Ssws => {
            let token = format!("@{}", env.demo.api_token_file.display());
            env.run(&["connect", "--tenant", &env.base_url, "--api-token", &token])
                .await
        }
    };
    run.assert_ok();
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", run.stdout))
}

#[tokio::test]
async fn api_gets_a_user_with_every_token_type() {
    for login in ALL_LOGINS {
        let env = TestEnv::start().await;
        connect(&env, login).await;
        let run = env.run(&["api", "/api/v1/users/alice@example.com"]).await;
        run.assert_ok();
        let user = json(&run);
        assert_eq!(user["profile"]["login"], "alice@example.com", "{login:?}");
        assert!(
            run.stdout.contains("\n  \"id\""),
            "pretty-printed: {}",
            run.stdout
        );
        assert!(run.stderr.is_empty(), "{login:?}: {}", run.stderr);
    }
}

#[tokio::test]
async fn paginate_merges_every_page_into_one_array_with_every_token_type() {
    for login in ALL_LOGINS {
        let env = TestEnv::start().await;
        connect(&env, login).await;
        // `connect --api-token` checks the token with one listing call.
        let before = env.controls.request_count("/api/v1/users");
        let run = env
            .run(&["api", "--paginate", "/api/v1/users?limit=2"])
            .await;
        run.assert_ok();
        let users = json(&run);
        let logins: Vec<&str> = users
            .as_array()
            .expect("one array")
            .iter()
            .map(|u| u["profile"]["login"].as_str().unwrap())
            .collect();
        assert_eq!(
            logins,
            [
                "alice@example.com",
                "bob@example.com",
                "carol@example.com",
                "dave@example.com",
                "erin@example.com"
            ],
            "{login:?}"
        );
        assert_eq!(
            env.controls.request_count("/api/v1/users") - before,
            3,
            "{login:?}"
        );
    }
}

#[tokio::test]
async fn without_paginate_only_the_first_page_is_printed() {
    let env = TestEnv::start().await;
    connect(&env, Login::Bearer).await;
    let run = env.run(&["api", "/api/v1/users?limit=2"]).await;
    run.assert_ok();
    assert_eq!(json(&run).as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn include_prints_status_line_and_headers_first() {
    let env = TestEnv::start().await;
    connect(&env, Login::Dpop).await;
    let run = env
        .run(&["api", "--include", "/api/v1/users/bob@example.com"])
        .await;
    run.assert_ok();
    let (head, body) = run
        .stdout
        .split_once("\n\n")
        .expect("blank line after headers");
    assert!(head.starts_with("HTTP/1.1 200 OK\n"), "{head}");
    for header in [
        "x-rate-limit-limit: ",
        "x-rate-limit-remaining: ",
        "x-okta-request-id: ",
    ] {
        assert!(head.contains(header), "{header} in {head}");
    }
    let user: Value = serde_json::from_str(body).unwrap();
    assert_eq!(user["profile"]["login"], "bob@example.com");
}

#[tokio::test]
async fn not_found_prints_the_okta_body_and_one_error_line() {
    for login in ALL_LOGINS {
        let env = TestEnv::start().await;
        connect(&env, login).await;
        let run = env.run(&["api", "/api/v1/users/nobody@example.com"]).await;
        run.assert_fails(
            1,
            "error: E0000007: Not found: Resource not found: nobody@example.com",
        );
        let body = json(&run);
        assert_eq!(body["errorCode"], "E0000007", "{login:?}");
        assert!(
            body["errorSummary"]
                .as_str()
                .unwrap()
                .starts_with("Not found")
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

#[tokio::test]
async fn include_with_an_error_shows_the_404_status() {
    let env = TestEnv::start().await;
    connect(&env, Login::Bearer).await;
    let run = env
        .run(&["api", "-i", "/api/v1/users/nobody@example.com"])
        .await;
    run.assert_fails(1, "error: E0000007: ");
    assert!(
        run.stdout.starts_with("HTTP/1.1 404 Not Found\n"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn paths_of_other_hosts_and_bad_input_exit_2() {
    let env = TestEnv::start().await;
    connect(&env, Login::Bearer).await;
    let run = env.run(&["api", "https://evil.example/api/v1/users"]).await;
    run.assert_fails(2, "absolute URLs must point at the connected tenant");
    assert!(run.stdout.is_empty());
    assert_eq!(env.controls.request_count("/api/v1/users"), 0);

    let run = env
        .run(&["api", "--data", "{not json", "/api/v1/users"])
        .await;
    run.assert_fails(2, "--data is not valid JSON");

    let run = env.run(&["api", "-X", "FROB", "/api/v1/users"]).await;
    run.assert_fails(2, "unknown HTTP method 'FROB'");

    let run = env
        .run(&["api", "-X", "POST", "--paginate", "/api/v1/users"])
        .await;
    run.assert_fails(2, "--paginate works with GET only");
}

#[tokio::test]
async fn api_without_a_connection_exits_4() {
    let env = TestEnv::start().await;
    let run = env.run(&["api", "/api/v1/users"]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
}

#[tokio::test]
async fn data_from_stdin_is_sent_and_the_refusal_printed() {
    // The sandbox has no POST on a user: 405 E0000022 shows that the body and method went out
    // and that the refusal is printed like any other.
    let env = TestEnv::start().await;
    connect(&env, Login::Dpop).await;
    let run = env
        .run_stdin(
            &["api", "--data", "-", "/api/v1/users/alice@example.com"],
            r#"{"profile":{"nickName":"al"}}"#,
        )
        .await;
    run.assert_fails(1, "error: E0000022: ");
    assert_eq!(json(&run)["errorCode"], "E0000022");
}

#[tokio::test]
async fn paginate_stops_at_a_next_link_to_another_host() {
    let env = TestEnv::start().await;
    connect(&env, Login::Bearer).await;
    env.controls
        .set_next_link_base(Some("http://127.0.0.2:9".into()));
    let run = env
        .run(&["api", "--paginate", "/api/v1/users?limit=2"])
        .await;
    run.assert_fails(
        1,
        "not following a next-page link to another host: http://127.0.0.2:9/",
    );
    assert_eq!(env.controls.request_count("/api/v1/users"), 1);
}

#[tokio::test]
async fn paginate_waits_out_the_rate_limit_and_still_gets_every_user() {
    let env = TestEnv::start().await;
    connect(&env, Login::Bearer).await;
    env.controls.set_rate_limit("users-list", 2, 1);
    let run = env
        .run(&["api", "--paginate", "/api/v1/users?limit=1"])
        .await;
    run.assert_ok();
    assert_eq!(json(&run).as_array().unwrap().len(), 5);
    assert!(
        env.controls.throttled_count() <= 1,
        "throttled before the limit: {} 429s",
        env.controls.throttled_count()
    );
}

#[tokio::test]
async fn a_429_is_waited_out_announced_and_retried_with_okta_headers() {
    let env = TestEnv::start().await;
    connect(&env, Login::Dpop).await;
    env.controls.set_rate_limit("users-id", 1, 3);
    // Start right after a window begins so both runs fall into it.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    tokio::time::sleep(std::time::Duration::from_millis(3000 - now % 3000 + 50)).await;
    env.run(&["api", "/api/v1/users/alice@example.com"])
        .await
        .assert_ok();
    let run = env.run(&["api", "/api/v1/users/bob@example.com"]).await;
    run.assert_ok();
    assert_eq!(json(&run)["profile"]["login"], "bob@example.com");
    assert!(
        run.stderr
            .starts_with("note: rate limit exceeded (429); retry 1 in "),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    let retries = env.controls.retry_headers();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(retries[0].retry_count.as_deref(), Some("1"));
    assert!(retries[0].retry_for.is_some());
    assert_eq!(env.controls.throttled_count(), 1);
}
