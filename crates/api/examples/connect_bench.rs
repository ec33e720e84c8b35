//! Measures one `connect` against the local sandbox, 50 runs each, and reports medians with a
//! ratio to a baseline measured in the same run: one plain HTTP round trip to the sandbox
//! (`GET /.well-known/oauth-authorization-server`) with the same client.
//!
//! ```sh
//! cargo run --release -p oktactl-api --example connect_bench [-- RUNS]
//! ```
//!
//! When `target/release/oktactl` exists it also times the whole CLI process
//! (`oktactl connect` and `oktactl token` with a cached token).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use oktactl_api::OktaClient;
use oktactl_auth::{ClientId, ConnectRequest, Credential, DpopMode, HttpClient, Scopes, Tenant};
use oktactl_jose::SigningKey;
use oktactl_sandbox::{Sandbox, write_demo};

// Multi-threaded: the sandbox must keep serving while the CLI processes are awaited.
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir()?;
    let demo = write_demo(dir.path())?;
    let addr: SocketAddr = "127.0.0.1:0".parse()?;
    let sandbox = Sandbox::start(demo.config.clone(), addr).await?;
    let base = sandbox.base_url();
    let http = HttpClient::new(Duration::from_secs(10))?;
    let key_of = |id: &str| dir.path().join(format!("{id}.jwk.json"));

    let mut rows: Vec<(String, Duration)> = Vec::new();
    let metadata_url = format!("{base}/.well-known/oauth-authorization-server");
    let baseline = median(runs, || async {
        http.inner()
            .get(&metadata_url)
            .send()
            .await?
            .bytes()
            .await?;
        Ok(())
    })
    .await?;
    rows.push(("baseline: one HTTP round trip".into(), baseline));

    for (label, id, mode) in [
        (
            "connect, EC P-256 JWK, Bearer (1 token request)",
            "0oasandboxbearerec01",
            DpopMode::Auto,
        ),
        (
            "connect, RSA JWK, DPoP detected (3 token requests)",
            "0oasandboxdpoprsa001",
            DpopMode::Auto,
        ),
        (
            "connect, RSA JWK, --dpop (2 token requests)",
            "0oasandboxdpoprsa001",
            DpopMode::On,
        ),
    ] {
        let jwk = std::fs::read_to_string(key_of(id))?;
        let time = median(runs, || async {
            let tenant = Tenant::parse(&base)?;
            let request = ConnectRequest {
                client_id: ClientId::parse(id, &tenant)?,
                tenant,
                scopes: Scopes::parse(&["okta.users.read"])?,
                credential: Credential::PrivateKey(Box::new(SigningKey::from_jwk_json(&jwk)?)),
                dpop: mode,
            };
            oktactl_auth::connect(&http, "bench", request).await?;
            Ok(())
        })
        .await?;
        rows.push((label.into(), time));
    }

    let tenant = Tenant::parse(&base)?;
    let jwk = std::fs::read_to_string(key_of("0oasandboxdpoprsa001"))?;
    let request = ConnectRequest {
        client_id: ClientId::parse("0oasandboxdpoprsa001", &tenant)?,
        tenant,
        scopes: Scopes::parse(&["okta.users.read"])?,
        credential: Credential::PrivateKey(Box::new(SigningKey::from_jwk_json(&jwk)?)),
        dpop: DpopMode::Auto,
    };
    let session = oktactl_auth::connect(&http, "bench", request).await?;
    let okta = std::sync::Arc::new(tokio::sync::Mutex::new(OktaClient::new(
        http.clone(),
        session,
    )));
    let lookup = median(runs, || {
        let okta = okta.clone();
        async move {
            okta.lock().await.user("alice@example.com").await?;
            Ok(())
        }
    })
    .await?;
    rows.push(("user lookup with a DPoP proof (library)".into(), lookup));

    let binary = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/oktactl");
    if binary.exists() {
        let config = tempfile::tempdir()?;
        let key = key_of("0oasandboxdpoprsa001");
        let connect_args = [
            "connect",
            "--tenant",
            &base,
            "--client-id",
            "0oasandboxdpoprsa001",
            "--jwk",
        ];
        let jwk_arg = format!("@{}", key.display());
        let process = median_blocking(runs, || {
            run_cli(
                &binary,
                config.path(),
                &[&connect_args[..], &[&jwk_arg]].concat(),
            )
        })?;
        rows.push(("process: oktactl connect (DPoP detected)".into(), process));
        let token = median_blocking(runs, || run_cli(&binary, config.path(), &["token"]))?;
        rows.push(("process: oktactl token (cached)".into(), token));
    } else {
        eprintln!("(build with `cargo build --release -p oktactl` to time the CLI process too)");
    }

    println!("| measurement ({runs} runs, median) | time | × baseline |");
    println!("|---|---:|---:|");
    for (label, time) in &rows {
        println!(
            "| {label} | {:.2} ms | {:.1} |",
            ms(*time),
            ms(*time) / ms(baseline)
        );
    }
    sandbox.shutdown().await;
    Ok(())
}

type BoxResult = Result<(), Box<dyn std::error::Error>>;

async fn median<F, Fut>(runs: usize, mut op: F) -> Result<Duration, Box<dyn std::error::Error>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = BoxResult>,
{
    op().await?; // warm-up: connection pool, lazy statics
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        op().await?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn median_blocking(
    runs: usize,
    mut op: impl FnMut() -> BoxResult,
) -> Result<Duration, Box<dyn std::error::Error>> {
    op()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        op()?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn run_cli(binary: &Path, config: &Path, args: &[&str]) -> BoxResult {
    let output = Command::new(binary)
        .args(args)
        .env("OKTACTL_CONFIG_DIR", config)
        .env("OKTACTL_TOKEN_STORE", "file")
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "oktactl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
