//! `oktactl exec -- <command>`: runs the command with a proxy started for it. The child finds
//! the proxy in `OKTACTL_PROXY_URL` and its key in `OKTACTL_PROXY_KEY`; for Bearer and SSWS
//! profiles the token itself is in `OKTA_ACCESS_TOKEN` too (a DPoP token is useless without its
//! key, so it is not handed out). The child's exit code is passed through.

use oktactl_auth::TokenType;
use oktactl_auth::http::unix_now;
use oktactl_auth::session::RENEW_WITHIN_SECS;

use crate::cli::ExecArgs;
use crate::commands::{CommandError, Context};

/// Runs `exec`.
pub async fn run(ctx: &Context, args: ExecArgs) -> Result<(), CommandError> {
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| CommandError::Usage("exec needs a command after --".into()))?;
    let (proxy, mut session) = super::proxy::start(ctx, &args.proxy).await?;
    let mut command = tokio::process::Command::new(program);
    command
        .args(rest)
        .env("OKTACTL_PROXY_URL", proxy.url())
        .env("OKTACTL_PROXY_KEY", proxy.key().secret());
    if session.profile().token_type != TokenType::DPoP {
        if session.expires_within(RENEW_WITHIN_SECS, unix_now()) {
            session
                .ensure_fresh(&ctx.http()?, RENEW_WITHIN_SECS)
                .await?;
            session.save(&ctx.store()?)?;
        }
        command.env("OKTA_ACCESS_TOKEN", session.access_token().secret());
    }
    let status = command.status().await;
    proxy.shutdown().await;
    let status = status.map_err(|e| CommandError::Usage(format!("cannot run '{program}': {e}")))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(CommandError::ExitSilently(u8::try_from(code).unwrap_or(1))),
        // Killed by a signal: the shell convention is 128 + the signal number.
        None => Err(CommandError::ExitSilently(signal_code(&status))),
    }
}

#[cfg(unix)]
fn signal_code(status: &std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    status
        .signal()
        .and_then(|s| u8::try_from(128 + s).ok())
        .unwrap_or(1)
}

#[cfg(not(unix))]
fn signal_code(_status: &std::process::ExitStatus) -> u8 {
    1
}
