//! `oktactl proxy`: lend the stored connection to other local tools through a proxy on
//! 127.0.0.1 that needs a per-run key (see the `oktactl-proxy` crate).

use std::net::{Ipv4Addr, SocketAddr};

use oktactl_auth::Session;
use oktactl_proxy::{Proxy, ProxyConfig};
use serde_json::json;

use crate::cli::ProxyArgs;
use crate::commands::{CommandError, Context};
use crate::output::print_line;

/// Runs `proxy`: prints `{"url": ..., "key": ...}` once on stdout, serves until Ctrl-C.
pub async fn run(ctx: &Context, args: ProxyArgs) -> Result<(), CommandError> {
    let (proxy, session) = start(ctx, &args).await?;
    // The key is printed on purpose (the user asked for the proxy); it dies with this run.
    print_line(&json!({ "url": proxy.url(), "key": proxy.key().secret() }).to_string())?;
    eprintln!(
        "Proxy for {} (profile '{}', {} token) listening on {} — press Ctrl-C to stop.",
        session.profile().tenant,
        session.profile().name,
        session.profile().token_type.as_str(),
        proxy.url()
    );
    let _ = tokio::signal::ctrl_c().await;
    proxy.shutdown().await;
    Ok(())
}

/// Loads the profile and starts a proxy for it; renewed tokens are saved to the store.
pub async fn start(ctx: &Context, args: &ProxyArgs) -> Result<(Proxy, Session), CommandError> {
    let store = ctx.store()?;
    let session = Session::load(&store, &ctx.profile)?;
    let config = ProxyConfig {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
        max_concurrent: args.max_concurrent as usize,
        retries_429: args.retries_429,
        max_wait: ctx.timeout.max(std::time::Duration::from_secs(60)),
        ..ProxyConfig::default()
    };
    let proxy = Proxy::start(ctx.http()?, session.clone(), Some(store), config).await?;
    Ok((proxy, session))
}
