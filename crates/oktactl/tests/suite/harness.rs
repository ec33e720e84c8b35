//! Runs the real `oktactl` binary against a sandbox started in this process. Each test gets its
//! own config dir (file store forced) and an empty HOME, so nothing leaks between tests or from
//! the developer's machine.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use oktactl_sandbox::{Controls, DemoSetup, Sandbox, SandboxConfig, write_demo};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

pub const DPOP_APP: &str = "0oasandboxdpoprsa001";
pub const EC_APP: &str = "0oasandboxbearerec01";
pub const SECRET_APP: &str = "0oasandboxsecret0001";

/// A sandbox plus a private config dir and HOME for the CLI.
pub struct TestEnv {
    pub sandbox: Option<Sandbox>,
    pub base_url: String,
    pub demo: DemoSetup,
    pub controls: Controls,
    pub config_dir: TempDir,
    pub home: TempDir,
    _files: TempDir,
}

/// What one CLI run gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success; stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        self
    }

    #[track_caller]
    pub fn assert_fails(&self, code: i32, needle: &str) -> &Self {
        assert_eq!(self.code, code, "exit code; stderr: {}", self.stderr);
        assert!(
            self.stderr.contains(needle),
            "stderr should contain {needle:?}: {}",
            self.stderr
        );
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(lines.len(), 1, "exactly one error line: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

impl TestEnv {
    pub async fn start() -> TestEnv {
        Self::start_with(|_| {}).await
    }

    /// Starts a sandbox whose demo config `adjust` may change first.
    pub async fn start_with(adjust: impl FnOnce(&mut SandboxConfig)) -> TestEnv {
        let files = TempDir::new().unwrap();
        let mut demo = write_demo(&files.path().join("sandbox")).unwrap();
        adjust(&mut demo.config);
        let sandbox = Sandbox::start(
            demo.config.clone(),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        )
        .await
        .unwrap();
        TestEnv {
            base_url: sandbox.base_url(),
            controls: sandbox.controls(),
            sandbox: Some(sandbox),
            demo,
            config_dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
            _files: files,
        }
    }

    pub fn key_file(&self, client_id: &str) -> PathBuf {
        self.client(client_id).key_file.clone().unwrap()
    }

    pub fn pem_file(&self, client_id: &str) -> PathBuf {
        self.client(client_id).pem_file.clone().unwrap()
    }

    pub fn secret_file(&self, client_id: &str) -> PathBuf {
        self.client(client_id).secret_file.clone().unwrap()
    }

    fn client(&self, client_id: &str) -> &oktactl_sandbox::DemoClient {
        self.demo
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
            .unwrap()
    }

    /// `connect --tenant <sandbox> --client-id <id> --jwk @<key file> <extra…>`.
    pub async fn connect_jwk(&self, client_id: &str, extra: &[&str]) -> Run {
        let jwk = format!("@{}", self.key_file(client_id).display());
        let mut args = vec![
            "connect",
            "--tenant",
            &self.base_url,
            "--client-id",
            client_id,
            "--jwk",
            &jwk,
        ];
        args.extend_from_slice(extra);
        self.run(&args).await
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_full(args, None, &[]).await
    }

    pub async fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_full(args, Some(stdin), &[]).await
    }

    /// Runs the binary with `args`, optional stdin and extra environment, bounded by 60 s.
    pub async fn run_full(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
        run_binary(args, stdin, env, self.config_dir.path(), self.home.path()).await
    }

    pub async fn stop_sandbox(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            sandbox.shutdown().await;
        }
    }
}

/// The `oktactl` command with the same isolated environment as [`run_binary`], for tests that
/// drive the child themselves (e.g. send it SIGINT).
pub fn command(args: &[&str], config_dir: &Path, home: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_oktactl"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("OKTACTL_CONFIG_DIR", config_dir)
        .env("OKTACTL_TOKEN_STORE", "file")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

pub async fn run_binary(
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
    config_dir: &Path,
    home: &Path,
) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_oktactl"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("OKTACTL_CONFIG_DIR", config_dir)
        .env("OKTACTL_TOKEN_STORE", "file")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("spawn oktactl");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).await.unwrap();
        drop(pipe);
    }
    let output: Output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("oktactl finished within 60 s")
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Decodes a JWT's claims without verifying (the sandbox verified it).
pub fn jwt_claims(token: &str) -> serde_json::Value {
    let (_, claims): (oktactl_wire::JwsHeader, serde_json::Value) =
        oktactl_jose::decode_unverified(token).unwrap();
    claims
}
