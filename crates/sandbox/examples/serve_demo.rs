//! Writes the demo org into a directory and serves it until Ctrl-C.
//!
//! ```text
//! cargo run -p oktactl-sandbox --example serve_demo -- /tmp/oktactl-demo [127.0.0.1:8080]
//! ```
//!
//! Prints the base URL and the demo clients (with their key and secret files) as JSON.

use std::net::SocketAddr;
use std::path::PathBuf;

use oktactl_sandbox::{Sandbox, write_demo};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: serve_demo DIR [ADDR]")?);
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()?;
    let demo = write_demo(&dir)?;
    let sandbox = Sandbox::start(demo.config, addr).await?;
    let summary = serde_json::json!({
        "base_url": sandbox.base_url(),
        "config_file": demo.config_file,
        "api_token_file": demo.api_token_file,
        "clients": demo.clients,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
