//! Measures bulk passkey provisioning (users/s) at concurrency 1, 4 and 16 against a local
//! sandbox whose rate limits are lifted, with a DPoP token (RSA app key). Each user costs a
//! lookup, an enrolment and an activation (the sandbox verifies the packed attestation), plus
//! a P-256 key generation and signature on the client.
//!
//! ```sh
//! cargo run --release -p oktactl-passkeys --example provision_bench [-- USERS_PER_LEVEL]
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use oktactl_api::OktaClient;
use oktactl_auth::{ClientId, ConnectRequest, Credential, DpopMode, HttpClient, Scopes, Tenant};
use oktactl_jose::SigningKey;
use oktactl_passkeys::provision::{ProvisionOptions, provision};
use oktactl_passkeys::{AttestationFormat, DEFAULT_CHALLENGE_TIMEOUT};
use oktactl_sandbox::{DPOP_RSA_CLIENT_ID, Sandbox, write_demo};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let users: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(400);
    println!("| concurrency | users | time | users/s |");
    println!("|---:|---:|---:|---:|");
    for concurrency in [1, 4, 16] {
        let dir = tempfile::tempdir()?;
        let mut demo = write_demo(&dir.path().join("sandbox"))?;
        demo.config.generated_users = users;
        let addr: SocketAddr = "127.0.0.1:0".parse()?;
        let sandbox = Sandbox::start(demo.config.clone(), addr).await?;
        sandbox.controls().set_rate_limit("*", u32::MAX, 60);
        let http = HttpClient::new(Duration::from_secs(10))?;
        let tenant = Tenant::parse(&sandbox.base_url())?;
        let key_file = dir
            .path()
            .join("sandbox")
            .join(format!("{DPOP_RSA_CLIENT_ID}.jwk.json"));
        let key = SigningKey::from_jwk_json(&std::fs::read_to_string(key_file)?)?;
        let request = ConnectRequest {
            client_id: ClientId::parse(DPOP_RSA_CLIENT_ID, &tenant)?,
            tenant,
            scopes: Scopes::parse(&["okta.users.manage"])?,
            credential: Credential::PrivateKey(Box::new(key)),
            dpop: DpopMode::Auto,
        };
        let session = oktactl_auth::connect(&http, "bench", request).await?;
        let okta = OktaClient::new(http, session);
        let csv = dir.path().join("users.csv");
        let mut text = String::from("login\n");
        for n in 1..=users {
            text.push_str(&format!("user{n}@example.com\n"));
        }
        std::fs::write(&csv, text)?;
        let options = ProvisionOptions {
            users_csv: csv,
            out: dir.path().join("out.jsonl"),
            concurrency,
            attestation: AttestationFormat::Packed,
            challenge_timeout: DEFAULT_CHALLENGE_TIMEOUT,
            progress: false,
        };
        let summary = provision(&options, &okta, Arc::new(AtomicBool::new(false))).await?;
        assert_eq!(summary.succeeded, users, "{summary:?}");
        let secs = summary.elapsed.as_secs_f64();
        println!(
            "| {concurrency} | {users} | {secs:.2} s | {:.0} |",
            users as f64 / secs
        );
        sandbox.shutdown().await;
    }
    Ok(())
}
