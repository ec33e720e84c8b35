//! Measures user lookups per second through one shared [`OktaClient`] at concurrency 1, 4 and
//! 16, against a local sandbox whose rate limits are lifted, for a Bearer (EC) and a DPoP (RSA)
//! token. Every lookup is `GET /api/v1/users/{login}` through the full request path (rate
//! limiter, fresh DPoP proof per request).
//!
//! ```sh
//! cargo run --release -p oktactl-api --example lookup_bench [-- LOOKUPS_PER_LEVEL]
//! ```
//!
//! Then it repeats concurrency 16 with the sandbox limited to 50 lookups per second, to show the
//! throttling: lookups/s stays near the limit and few or no 429s are answered.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use oktactl_api::OktaClient;
use oktactl_auth::{ClientId, ConnectRequest, Credential, DpopMode, HttpClient, Scopes, Tenant};
use oktactl_jose::SigningKey;
use oktactl_sandbox::{Controls, Sandbox, write_demo};

const LOGINS: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(800);
    let dir = tempfile::tempdir()?;
    let demo = write_demo(dir.path())?;
    let addr: SocketAddr = "127.0.0.1:0".parse()?;
    let sandbox = Sandbox::start(demo.config.clone(), addr).await?;
    let controls = sandbox.controls();
    controls.set_rate_limit("*", u32::MAX, 60);
    let http = HttpClient::new(Duration::from_secs(10))?;
    let tenant = Tenant::parse(&sandbox.base_url())?;

    println!("| token | concurrency | lookups | time | lookups/s |");
    println!("|---|---:|---:|---:|---:|");
    for (label, client_id) in [
        ("Bearer (EC P-256)", "0oasandboxbearerec01"),
        ("DPoP (RSA 2048)", "0oasandboxdpoprsa001"),
    ] {
        let jwk = std::fs::read_to_string(dir.path().join(format!("{client_id}.jwk.json")))?;
        let request = ConnectRequest {
            client_id: ClientId::parse(client_id, &tenant)?,
            tenant: tenant.clone(),
            scopes: Scopes::parse(&["okta.users.read"])?,
            credential: Credential::PrivateKey(Box::new(SigningKey::from_jwk_json(&jwk)?)),
            dpop: DpopMode::Auto,
        };
        let session = oktactl_auth::connect(&http, "bench", request).await?;
        let okta = OktaClient::new(http.clone(), session);
        for concurrency in [1, 4, 16] {
            let elapsed = run(&okta, concurrency, total).await?;
            println!(
                "| {label} | {concurrency} | {total} | {:.2} s | {:.0} |",
                elapsed.as_secs_f64(),
                total as f64 / elapsed.as_secs_f64()
            );
        }
        if client_id == "0oasandboxbearerec01" {
            throttled(&okta, &controls).await?;
        }
    }
    sandbox.shutdown().await;
    Ok(())
}

/// `total` lookups spread over `concurrency` tasks sharing `okta`.
async fn run(
    okta: &OktaClient,
    concurrency: usize,
    total: usize,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..concurrency {
        let okta = okta.clone();
        let count = total / concurrency + usize::from(task < total % concurrency);
        tasks.push(tokio::spawn(async move {
            for i in 0..count {
                let login = LOGINS[(task + i) % LOGINS.len()];
                okta.user(&format!("{login}@example.com")).await?;
            }
            Ok::<_, oktactl_api::ApiError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}

/// Concurrency 16 against 50 lookups per 1 s window.
async fn throttled(
    okta: &OktaClient,
    controls: &Controls,
) -> Result<(), Box<dyn std::error::Error>> {
    controls.set_rate_limit("users-id", 50, 1);
    let before = controls.throttled_count();
    let lookups = 200;
    let elapsed = run(okta, 16, lookups).await?;
    let stats = okta.rate_limit_stats();
    println!(
        "\nlimited to 50/s, concurrency 16: {lookups} lookups in {:.2} s ({:.0}/s), {} answered \
         429, {} sends waited (total {:.1} s)\n",
        elapsed.as_secs_f64(),
        lookups as f64 / elapsed.as_secs_f64(),
        controls.throttled_count() - before,
        stats.throttled,
        stats.throttled_wait.as_secs_f64()
    );
    controls.set_rate_limit("users-id", u32::MAX, 60);
    Ok(())
}
