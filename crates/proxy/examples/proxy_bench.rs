//! Measures what the proxy adds per request: the same `GET /api/v1/users?limit=2` against the
//! local sandbox, RUNS times each (default 200), directly with [`oktactl_api::OktaClient`]
//! (token + fresh DPoP proof per request) and through [`oktactl_proxy::Proxy`] (plain client
//! with the proxy key; the proxy adds token and proof). Reports medians from the same run.
//!
//! ```sh
//! cargo run --release -p oktactl-proxy --example proxy_bench [-- RUNS]
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use oktactl_api::OktaClient;
use oktactl_auth::{ClientId, ConnectRequest, Credential, DpopMode, HttpClient, Scopes, Tenant};
use oktactl_jose::SigningKey;
use oktactl_proxy::{Proxy, ProxyConfig};
use oktactl_sandbox::{Sandbox, write_demo};
use reqwest::Method;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir()?;
    let demo = write_demo(dir.path())?;
    let addr: SocketAddr = "127.0.0.1:0".parse()?;
    let mut config = demo.config.clone();
    // Enough rate limit for every request of the run: this measures overhead, not pacing.
    config.rate_limit = 1_000_000;
    let sandbox = Sandbox::start(config, addr).await?;
    let http = HttpClient::new(Duration::from_secs(10))?;
    let tenant = Tenant::parse(&sandbox.base_url())?;
    let key = SigningKey::from_jwk_json(&std::fs::read_to_string(
        dir.path().join("0oasandboxdpoprsa001.jwk.json"),
    )?)?;
    let session = oktactl_auth::connect(
        &http,
        "bench",
        ConnectRequest {
            client_id: ClientId::parse("0oasandboxdpoprsa001", &tenant)?,
            tenant,
            scopes: Scopes::parse(&["okta.users.read"])?,
            credential: Credential::PrivateKey(Box::new(key)),
            dpop: DpopMode::Auto,
        },
    )
    .await?;
    println!(
        "token type: {} ({runs} runs each)",
        session.profile().token_type.as_str()
    );
    let path = "/api/v1/users?limit=2";

    let direct = OktaClient::new(http.clone(), session.clone());
    let proxy = Proxy::start(http.clone(), session, None, ProxyConfig::default()).await?;
    let proxied_url = format!("{}{path}", proxy.url());
    let bearer = format!("Bearer {}", proxy.key().secret());
    let plain = reqwest::Client::new();

    // Warm both paths (connections, first token use).
    for _ in 0..5 {
        direct
            .request(Method::GET, path, None)
            .await?
            .error_for_status()?;
        let r = plain
            .get(&proxied_url)
            .header("Authorization", &bearer)
            .send()
            .await?;
        assert_eq!(r.status(), 200);
        r.bytes().await?;
    }
    // Interleaved so that both see the same machine load.
    let mut direct_times = Vec::with_capacity(runs);
    let mut proxy_times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        direct
            .request(Method::GET, path, None)
            .await?
            .error_for_status()?;
        direct_times.push(start.elapsed());
        let start = Instant::now();
        let r = plain
            .get(&proxied_url)
            .header("Authorization", &bearer)
            .send()
            .await?;
        assert_eq!(r.status(), 200);
        r.bytes().await?;
        proxy_times.push(start.elapsed());
    }
    let d = median(&mut direct_times);
    let p = median(&mut proxy_times);
    println!("direct (OktaClient, DPoP proof per request): median {d:?}");
    println!("through the proxy (curl-like client + key):  median {p:?}");
    println!(
        "overhead per request: {:?} ({:.2}x)",
        p.saturating_sub(d),
        p.as_secs_f64() / d.as_secs_f64()
    );
    proxy.shutdown().await;
    sandbox.shutdown().await;
    Ok(())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
