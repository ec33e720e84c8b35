//! Corporate networks: a private CA (`--ca-file`, `SSL_CERT_FILE`) and `HTTPS_PROXY`, against
//! the sandbox serving HTTPS with a CA it made, through a CONNECT proxy written here.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oktactl_sandbox::{Sandbox, write_demo};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::harness::{DPOP_APP, Run, run_binary};

struct HttpsEnv {
    sandbox: Sandbox,
    ca_file: PathBuf,
    key_file: PathBuf,
    config_dir: TempDir,
    home: TempDir,
    _files: TempDir,
}

impl HttpsEnv {
    async fn start() -> HttpsEnv {
        let files = TempDir::new().unwrap();
        let demo = write_demo(&files.path().join("sandbox")).unwrap();
        let (sandbox, tls) = Sandbox::start_https(
            demo.config.clone(),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        )
        .await
        .unwrap();
        let ca_file = tls.write_ca(files.path()).unwrap();
        let key_file = files
            .path()
            .join("sandbox")
            .join(format!("{DPOP_APP}.jwk.json"));
        HttpsEnv {
            sandbox,
            ca_file,
            key_file,
            config_dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
            _files: files,
        }
    }

    async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_binary(args, None, env, self.config_dir.path(), self.home.path()).await
    }

    fn connect_args(&self) -> Vec<String> {
        vec![
            "connect".into(),
            "--tenant".into(),
            self.sandbox.base_url(),
            "--client-id".into(),
            DPOP_APP.into(),
            "--jwk".into(),
            format!("@{}", self.key_file.display()),
            "--scopes".into(),
            "okta.users.read".into(),
        ]
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn an_untrusted_certificate_fails_with_one_line_naming_the_host_and_the_fix() {
    let env = HttpsEnv::start().await;
    let args = env.connect_args();
    let run = env.run(&strs(&args), &[]).await;
    run.assert_fails(3, "TLS certificate of localhost is not trusted");
    assert!(run.stderr.contains("--ca-file"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert_eq!(env.sandbox.controls().tokens_issued(), 0);
}

#[tokio::test]
async fn a_private_ca_is_trusted_with_ca_file_or_ssl_cert_file() {
    let env = HttpsEnv::start().await;
    let ca = env.ca_file.display().to_string();
    let mut args = env.connect_args();
    args.extend(["--ca-file".to_string(), ca.clone()]);
    env.run(&strs(&args), &[]).await.assert_ok();
    let doctor = env.run(&["doctor", "--ca-file", &ca], &[]).await;
    doctor.assert_ok();
    assert!(
        doctor.stdout.contains(&format!("platform CA roots + {ca}")),
        "{}",
        doctor.stdout
    );
    // SSL_CERT_FILE works the same way, e.g. for `status`-free commands that call the API.
    let args = env.connect_args();
    env.run(&strs(&args), &[("SSL_CERT_FILE", &ca)])
        .await
        .assert_ok();
    assert_eq!(env.sandbox.controls().tokens_issued(), 3);
}

#[tokio::test]
async fn a_bad_ca_file_is_bad_input() {
    let env = HttpsEnv::start().await;
    let bogus = env.home.path().join("bogus.pem");
    std::fs::write(&bogus, "not a certificate").unwrap();
    let mut args = env.connect_args();
    args.extend(["--ca-file".to_string(), bogus.display().to_string()]);
    env.run(&strs(&args), &[]).await.assert_fails(2, "holds no");
}

/// A CONNECT proxy for the test: tunnels to loopback only, counts tunnels, bounded to 64
/// connections, each tunnel ends after 30 s.
async fn connect_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let tunnels = Arc::new(AtomicUsize::new(0));
    let counter = tunnels.clone();
    tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let _ =
                    tokio::time::timeout(Duration::from_secs(30), tunnel(client, counter)).await;
            });
        }
    });
    (url, tunnels)
}

async fn tunnel(mut client: TcpStream, counter: Arc<AtomicUsize>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let target = text
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("")
        .to_string();
    let port = target.rsplit_once(':').map(|(_, p)| p).unwrap_or("");
    if !(target.starts_with("localhost:") || target.starts_with("127.0.0.1:")) {
        client
            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    }
    let mut upstream = TcpStream::connect(format!("127.0.0.1:{port}")).await?;
    counter.fetch_add(1, Ordering::SeqCst);
    client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

#[tokio::test]
async fn https_proxy_is_honoured_and_no_proxy_bypasses_it() {
    let env = HttpsEnv::start().await;
    let (proxy_url, tunnels) = connect_proxy().await;
    let ca = env.ca_file.display().to_string();
    let mut args = env.connect_args();
    args.extend(["--ca-file".to_string(), ca.clone()]);
    env.run(&strs(&args), &[("HTTPS_PROXY", &proxy_url)])
        .await
        .assert_ok();
    assert!(
        tunnels.load(Ordering::SeqCst) >= 1,
        "the token request went through the proxy"
    );
    let doctor = env
        .run(
            &["doctor", "--ca-file", &ca],
            &[("HTTPS_PROXY", &proxy_url)],
        )
        .await;
    doctor.assert_ok();
    assert!(
        doctor.stdout.contains(&format!("via proxy {proxy_url}")),
        "{}",
        doctor.stdout
    );
    let before = tunnels.load(Ordering::SeqCst);
    env.run(
        &strs(&args),
        &[("HTTPS_PROXY", &proxy_url), ("NO_PROXY", "localhost")],
    )
    .await
    .assert_ok();
    assert_eq!(
        tunnels.load(Ordering::SeqCst),
        before,
        "NO_PROXY=localhost goes direct"
    );
    // A proxy that is down is a network error naming the URL (exit 3).
    env.run(&strs(&args), &[("HTTPS_PROXY", "http://127.0.0.1:9")])
        .await
        .assert_fails(3, "cannot reach https://localhost:");
}
