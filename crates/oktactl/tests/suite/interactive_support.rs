//! Helpers shared by the interactive sign-in tests (`interactive.rs`) and the real-browser
//! test (`browser.rs`, its own test binary): a running `oktactl connect` whose stderr is read
//! line by line, and a client that plays the browser.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Stdio;
use std::time::Duration;

use oktactl_sandbox::{NATIVE_CLIENT_ID, SandboxConfig};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr};

use crate::suite::harness::{Run, TestEnv};

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Registers `redirect` with the native app.
pub fn with_redirect(redirect: &str) -> impl FnOnce(&mut SandboxConfig) + use<> {
    let redirect = redirect.to_string();
    move |config: &mut SandboxConfig| {
        let app = config
            .apps
            .iter_mut()
            .find(|a| a.client_id == NATIVE_CLIENT_ID)
            .unwrap();
        app.redirect_uris.push(redirect);
    }
}

/// A running `oktactl connect` whose stderr is read line by line.
pub struct Pending {
    pub child: Child,
    pub stderr: BufReader<ChildStderr>,
    pub seen: String,
}

impl Pending {
    /// Reads stderr until a line contains `needle`; returns that line (bounded by 30 s).
    pub async fn line_with(&mut self, needle: &str) -> String {
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let mut line = String::new();
                let n = self.stderr.read_line(&mut line).await.unwrap();
                assert!(
                    n > 0,
                    "oktactl ended before printing {needle:?}: {}",
                    self.seen
                );
                self.seen.push_str(&line);
                if line.contains(needle) {
                    return line;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} within 30 s: {}", self.seen))
    }

    /// The sign-in URL the CLI printed.
    pub async fn authorize_url(&mut self) -> String {
        let line = self.line_with("/oauth2/v1/authorize?").await;
        line.trim().to_string()
    }

    /// Waits for the exit (bounded by 60 s) and collects the rest of stderr.
    pub async fn finish(mut self) -> Run {
        let mut rest = String::new();
        let status = tokio::time::timeout(Duration::from_secs(60), async {
            use tokio::io::AsyncReadExt;
            self.stderr.read_to_string(&mut rest).await.unwrap();
            self.child.wait().await.unwrap()
        })
        .await
        .expect("oktactl finished within 60 s");
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            use tokio::io::AsyncReadExt;
            out.read_to_string(&mut stdout).await.unwrap();
        }
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: format!("{}{rest}", self.seen),
        }
    }
}

/// Starts `oktactl connect --no-browser` against the native app with `extra` arguments.
pub fn spawn_connect(env: &TestEnv, extra: &[&str]) -> Pending {
    let mut args = vec!["--no-browser"];
    args.extend_from_slice(extra);
    spawn_connect_with_env(env, &args, &[])
}

/// Starts `oktactl connect` against the native app with `extra` arguments and extra
/// environment variables (the environment is otherwise empty: no display).
pub fn spawn_connect_with_env(env: &TestEnv, extra: &[&str], vars: &[(&str, &str)]) -> Pending {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_oktactl"));
    command
        .args([
            "connect",
            "--tenant",
            &env.base_url,
            "--client-id",
            NATIVE_CLIENT_ID,
        ])
        .args(extra)
        .env_clear()
        .envs(vars.iter().copied())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.home.path())
        .env("XDG_CONFIG_HOME", env.home.path().join(".config"))
        .env("OKTACTL_CONFIG_DIR", env.config_dir.path())
        .env("OKTACTL_TOKEN_STORE", "file")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("spawn oktactl");
    let stderr = BufReader::new(child.stderr.take().unwrap());
    Pending {
        child,
        stderr,
        seen: String::new(),
    }
}

/// A client that behaves like a browser that does not follow redirects by itself.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// The hidden fields of the sign-in form, read back from the authorize URL's query.
fn query_pairs(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Submits the sandbox sign-in form for `url` with `action`; returns the `Location`.
pub async fn submit_sign_in(url: &str, username: &str, password: &str, action: &str) -> String {
    let client = browser();
    let page = client.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200, "sign-in page");
    let html = page.text().await.unwrap();
    assert!(html.contains("oktactl (native app)"), "app name shown");
    let post_url = url.split('?').next().unwrap().to_string();
    let mut form = query_pairs(url);
    form.push(("username".into(), username.into()));
    form.push(("password".into(), password.into()));
    form.push(("action".into(), action.into()));
    let answer = client.post(&post_url).form(&form).send().await.unwrap();
    assert_eq!(answer.status(), 303, "sign-in redirects");
    answer
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

/// Follows the redirect to the CLI's listener; returns (status, page).
pub async fn deliver(location: &str) -> (u16, String) {
    let answer = browser().get(location).send().await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}
