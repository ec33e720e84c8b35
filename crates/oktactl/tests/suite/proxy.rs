//! `oktactl proxy` and `oktactl exec`: other tools (curl, a shell script) use the connection
//! through the proxy, over real HTTP against the sandbox.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::harness::{DPOP_APP, EC_APP, TestEnv};

/// A running `oktactl proxy` and what it printed.
pub struct RunningProxy {
    child: Child,
    pub url: String,
    pub key: String,
}

impl RunningProxy {
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

/// Starts `oktactl proxy <extra…>` for the env's config dir and reads its `{url, key}` line.
pub async fn start_proxy(env: &TestEnv, extra: &[&str]) -> RunningProxy {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oktactl"))
        .arg("proxy")
        .args(extra)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.home.path())
        .env("OKTACTL_CONFIG_DIR", env.config_dir.path())
        .env("OKTACTL_TOKEN_STORE", "file")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn oktactl proxy");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("proxy printed its line within 30 s")
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    RunningProxy {
        child,
        url: json["url"].as_str().unwrap().to_string(),
        key: json["key"].as_str().unwrap().to_string(),
    }
}

/// What curl got: status, headers (lowercased names), body.
#[derive(Debug)]
pub struct Curl {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Curl {
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// `curl -s -i [-H Authorization: Bearer key] url`, bounded by 60 s.
pub async fn curl(url: &str, key: Option<&str>) -> Curl {
    let mut command = Command::new("curl");
    command.args(["-s", "-i", "--max-time", "50"]);
    if let Some(key) = key {
        command.args(["-H", &format!("Authorization: Bearer {key}")]);
    }
    command.arg(url).kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("curl finished within 60 s")
        .expect("curl is installed (.ci/run installs it)");
    let text = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Curl {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The `rel="next"` target of a `Link` header list.
fn next_link(links: &[&str]) -> Option<String> {
    links
        .iter()
        .find(|l| l.contains("rel=\"next\""))
        .and_then(|l| {
            l.split('<')
                .nth(1)
                .and_then(|s| s.split('>').next())
                .map(str::to_string)
        })
}

#[tokio::test]
async fn curl_pages_users_through_the_proxy_with_a_dpop_only_app() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    let proxy = start_proxy(&env, &[]).await;
    let first = curl(
        &format!("{}/api/v1/users?limit=2", proxy.url),
        Some(&proxy.key),
    )
    .await;
    // The sandbox refuses a DPoP token without a proof whose `ath` matches: 200 shows the proxy
    // sent one, and that it did not forward the client's own Authorization (the proxy key).
    assert_eq!(first.status, 200, "{first:?}");
    let users: serde_json::Value = serde_json::from_str(&first.body).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2);
    assert!(
        first.header("x-rate-limit-remaining").len() == 1,
        "{first:?}"
    );
    let next = next_link(&first.header("link")).expect("a next link");
    assert!(
        next.starts_with(&format!("{}/api/v1/users?", proxy.url)),
        "the next link points at the proxy: {next}"
    );
    assert!(
        !first
            .header("link")
            .iter()
            .any(|l| l.contains(&env.base_url)),
        "no link leads around the proxy: {:?}",
        first.header("link")
    );
    let second = curl(&next, Some(&proxy.key)).await;
    assert_eq!(second.status, 200, "{second:?}");
    assert!(second.body.contains("@example.com"));
    assert_eq!(env.controls.request_count("/api/v1/users"), 2);
    // A user by login: `@` in the path must match the proof's `htu` byte for byte.
    let one = curl(
        &format!("{}/api/v1/users/alice@example.com", proxy.url),
        Some(&proxy.key),
    )
    .await;
    assert_eq!(one.status, 200, "{one:?}");
    proxy.stop().await;
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_refused_with_401_and_nothing_is_forwarded() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    let proxy = start_proxy(&env, &[]).await;
    let url = format!("{}/api/v1/users?limit=1", proxy.url);
    let missing = curl(&url, None).await;
    assert_eq!(missing.status, 401, "{missing:?}");
    assert!(missing.body.contains("OKTACTL_PROXY_KEY"), "{missing:?}");
    let wrong = curl(&url, Some("not-the-key")).await;
    assert_eq!(wrong.status, 401, "{wrong:?}");
    let almost = curl(&url, Some(&proxy.key[..proxy.key.len() - 1])).await;
    assert_eq!(almost.status, 401, "{almost:?}");
    assert_eq!(
        env.controls.request_count("/api/v1/users"),
        0,
        "refused requests never reach the tenant"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn a_429_is_retried_after_its_reset_then_passed_back_with_its_headers() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    let proxy = start_proxy(&env, &["--retries-429", "1"]).await;
    env.controls.force_429_next(2);
    let started = Instant::now();
    let answer = curl(
        &format!("{}/api/v1/users?limit=1", proxy.url),
        Some(&proxy.key),
    )
    .await;
    assert_eq!(answer.status, 429, "{answer:?}");
    assert!(answer.body.contains("E0000047"), "{answer:?}");
    assert_eq!(answer.header("x-rate-limit-remaining"), vec!["0"]);
    assert_eq!(answer.header("x-rate-limit-reset").len(), 1);
    assert_eq!(
        env.controls.request_count("/api/v1/users"),
        2,
        "one try and one retry"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the retry waited for the reset"
    );
    // With the limit over, the next request goes through.
    let after = curl(
        &format!("{}/api/v1/users?limit=1", proxy.url),
        Some(&proxy.key),
    )
    .await;
    assert_eq!(after.status, 200, "{after:?}");
    proxy.stop().await;
}

fn write_script(dir: &Path, body: &str) -> String {
    let path = dir.join("script.sh");
    std::fs::write(&path, format!("#!/bin/sh\nset -u\n{body}\n")).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn exec_runs_a_script_that_uses_the_proxy_and_passes_its_exit_code() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    let script = write_script(
        env.home.path(),
        r#"curl -s -H "Authorization: Bearer $OKTACTL_PROXY_KEY" "$OKTACTL_PROXY_URL/api/v1/users?limit=5" | grep -o "alice@example.com" | head -n 1
echo
echo "token:${OKTA_ACCESS_TOKEN:-none}"
exit 3"#,
    );
    let run = env.run(&["exec", "--", "sh", &script]).await;
    assert_eq!(run.code, 3, "the child's exit code; stderr: {}", run.stderr);
    assert!(run.stdout.contains("alice@example.com"), "{}", run.stdout);
    assert!(
        run.stdout.contains("token:none"),
        "a DPoP token is not handed out: {}",
        run.stdout
    );
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
}

#[tokio::test]
async fn exec_hands_bearer_tokens_to_the_child_and_fails_cleanly_for_a_missing_program() {
    let env = TestEnv::start().await;
    env.connect_jwk(EC_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    let script = write_script(
        env.home.path(),
        r#"curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $OKTA_ACCESS_TOKEN" "$OKTACTL_PROXY_URL/api/v1/users?limit=1"
echo
curl -s -H "Authorization: Bearer $OKTACTL_PROXY_KEY" "$OKTACTL_PROXY_URL/api/v1/users?limit=1" | head -c 50"#,
    );
    let run = env.run(&["exec", "--", "sh", &script]).await;
    run.assert_ok();
    assert!(
        run.stdout.starts_with("401"),
        "the access token is not the proxy key: {}",
        run.stdout
    );
    assert!(run.stdout.contains("00usandbox"), "{}", run.stdout);
    let token = env.run(&["token"]).await;
    token.assert_ok();
    env.run(&["exec", "--", "definitely-not-a-program-oktactl"])
        .await
        .assert_fails(2, "cannot run 'definitely-not-a-program-oktactl'");
}

#[tokio::test]
async fn exec_works_with_an_ssws_api_token() {
    let env = TestEnv::start().await;
    let token_arg = format!("@{}", env.demo.api_token_file.display());
    env.run(&[
        "connect",
        "--tenant",
        &env.base_url,
        "--api-token",
        &token_arg,
    ])
    .await
    .assert_ok();
    let script = write_script(
        env.home.path(),
        r#"curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $OKTACTL_PROXY_KEY" "$OKTACTL_PROXY_URL/api/v1/users?limit=1"
echo
test -n "$OKTA_ACCESS_TOKEN" && echo "has token""#,
    );
    let run = env.run(&["exec", "--", "sh", &script]).await;
    run.assert_ok();
    assert_eq!(run.stdout, "200\nhas token\n");
}
