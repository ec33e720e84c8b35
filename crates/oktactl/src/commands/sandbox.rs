//! `oktactl sandbox`: the local Okta-compatible server in the foreground, until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};

use oktactl_sandbox::{Sandbox, SandboxConfig, write_demo};
use serde_json::json;

use crate::cli::SandboxArgs;
use crate::commands::{CommandError, Context};
use crate::output::print_line;

/// Runs `sandbox`.
pub async fn run(ctx: &Context, args: SandboxArgs) -> Result<(), CommandError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let ca_dir = match &args.config {
        Some(path) => path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default(),
        None => args
            .dir
            .clone()
            .unwrap_or_else(|| ctx.config_dir.join("sandbox")),
    };
    let (config, announcement) = match &args.config {
        Some(path) => (
            SandboxConfig::from_json_file(path)?,
            json!({ "config_file": path }),
        ),
        None => {
            let dir = args
                .dir
                .clone()
                .unwrap_or_else(|| ctx.config_dir.join("sandbox"));
            let demo = write_demo(&dir)?;
            let announcement = json!({
                "config_file": demo.config_file,
                "api_token_file": demo.api_token_file,
                "clients": demo.clients,
            });
            (demo.config, announcement)
        }
    };
    let (sandbox, ca_file) = if args.https {
        let (sandbox, tls) = Sandbox::start_https(config, addr).await?;
        (sandbox, Some(tls.write_ca(&ca_dir)?))
    } else {
        (Sandbox::start(config, addr).await?, None)
    };
    let mut line = json!({ "base_url": sandbox.base_url() });
    if let (Some(line), Some(ca_file)) = (line.as_object_mut(), ca_file) {
        line.insert("ca_file".into(), json!(ca_file));
    }
    if let (Some(line), Some(extra)) = (line.as_object_mut(), announcement.as_object()) {
        line.extend(extra.clone());
    }
    print_line(&line.to_string())?;
    eprintln!(
        "Sandbox listening on {} — press Ctrl-C to stop.",
        sandbox.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    Ok(())
}
