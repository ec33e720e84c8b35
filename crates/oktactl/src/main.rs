//! `oktactl`: glue between the command line and the libraries. Each command is one function in
//! `commands/`; exit codes are decided only in [`exit_code`].

mod cli;
mod cli_passkey;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;
use oktactl_auth::ErrorKind;

use crate::cli::{Cli, Command};
use crate::commands::CommandError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // `exec` passes the child's exit code through; `doctor` exits 1 on a failed check
        // after printing its own report.
        Err(CommandError::ExitSilently(code)) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code().unwrap_or_else(|| exit_code(error.kind())))
        }
    }
}

async fn run(cli: Cli) -> Result<(), CommandError> {
    let ctx = commands::Context::new(&cli)?;
    match cli.command {
        Command::Connect(args) => commands::connect::run(&ctx, args).await,
        Command::Status(args) => commands::status::run(&ctx, args),
        Command::Token => commands::token::run(&ctx).await,
        Command::Disconnect => commands::disconnect::run(&ctx).await,
        Command::Sandbox(args) => commands::sandbox::run(&ctx, args).await,
        Command::Demo => commands::demo::run(&ctx).await,
        Command::Proxy(args) => commands::proxy::run(&ctx, args).await,
        Command::Exec(args) => commands::exec::run(&ctx, args).await,
        Command::Doctor(args) => commands::doctor::run(&ctx, args).await,
        Command::Profiles(args) => commands::profiles::run(&ctx, args),
        Command::Completions(args) => commands::completions::completions(args),
        Command::Man => commands::completions::man(),
        Command::Passkey(args) => commands::passkey::run(&ctx, args).await,
        Command::Api(args) => commands::api::run(&ctx, args).await,
        Command::User(command) => commands::user::run(&ctx, command).await,
    }
}

/// 0 ok, 1 remote refused, 2 bad usage/input, 3 network, 4 not connected.
fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Refused => 1,
        ErrorKind::BadInput => 2,
        ErrorKind::Network => 3,
        ErrorKind::NotConnected => 4,
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings). No library logs a secret.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // The platform verifier logs every refused certificate at ERROR; oktactl already says it
        // in its one `error:` line (with the fix), so that log is off unless RUST_LOG asks.
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("warn,rustls_platform_verifier=off")
        });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .init();
}
