//! `oktactl passkey …`: one library call per subcommand (crates/passkeys), printing and exit
//! codes here.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use oktactl_api::OktaClient;
use oktactl_auth::Session;
use oktactl_auth::credential::read_secret_arg;
use oktactl_passkeys::provision::{ProvisionOptions, provision};
use oktactl_passkeys::{AttestationFormat, PasskeyError, PublicKeyCredential};
use serde_json::json;

use crate::cli_passkey::{
    Attestation, DeleteArgs, ListArgs, NewArgs, OptionsArgs, PasskeyArgs, PasskeyCommand,
    ProvisionArgs, RegisterArgs,
};
use crate::commands::{CommandError, Context};
use crate::output::print_line;

/// Exit code after Ctrl-C (128 + SIGINT), the shell convention.
const EXIT_INTERRUPTED: u8 = 130;

/// Runs `passkey <command>`.
pub async fn run(ctx: &Context, args: PasskeyArgs) -> Result<(), CommandError> {
    match args.command {
        PasskeyCommand::Options(args) => options(ctx, args).await,
        PasskeyCommand::Register(args) => register(ctx, args).await,
        PasskeyCommand::New(args) => new(ctx, args).await,
        PasskeyCommand::List(args) => list(ctx, args).await,
        PasskeyCommand::Delete(args) => delete(ctx, args).await,
        PasskeyCommand::Provision(args) => provision_users(ctx, args).await,
    }
}

async fn options(ctx: &Context, args: OptionsArgs) -> Result<(), CommandError> {
    let lifetime = oktactl_passkeys::parse_challenge_timeout(&args.challenge.challenge_timeout)?;
    let okta = client(ctx)?;
    let user = oktactl_passkeys::resolve_user(&okta, &args.user).await?;
    let enrollment = oktactl_passkeys::enroll(&okta, &user.id, lifetime).await?;
    let out = json!({
        "userId": enrollment.user_id,
        "factorId": enrollment.factor_id,
        "origin": oktactl_passkeys::origin_for(&okta.tenant()),
        "publicKey": enrollment.options,
    });
    print_json(&out)
}

async fn register(ctx: &Context, args: RegisterArgs) -> Result<(), CommandError> {
    let text = read_secret_arg(&args.credential, "--credential")?;
    let credential: PublicKeyCredential =
        serde_json::from_str(text.secret()).map_err(|e| PasskeyError::InvalidCredential {
            reason: e.to_string(),
        })?;
    let okta = client(ctx)?;
    let user = oktactl_passkeys::resolve_user(&okta, &args.user).await?;
    let factor = oktactl_passkeys::activate(&okta, &user.id, &args.factor, &credential).await?;
    print_line(&format!(
        "activated: factor {} for {} (status {}, credential {})",
        factor.id, user.profile.login, factor.status, credential.id
    ))
}

async fn new(ctx: &Context, args: NewArgs) -> Result<(), CommandError> {
    let lifetime = oktactl_passkeys::parse_challenge_timeout(&args.challenge.challenge_timeout)?;
    // Refuse before any remote change, so a refused --out leaves no orphan factor behind.
    if let Some(path) = &args.out
        && !args.force
        && path.exists()
    {
        return Err(PasskeyError::OutputExists { path: path.clone() }.into());
    }
    let okta = client(ctx)?;
    let (user, factor, export) =
        oktactl_passkeys::new_passkey(&okta, &args.user, format(args.attestation), lifetime)
            .await?;
    let text = serde_json::to_string_pretty(export.to_json())
        .map_err(|e| CommandError::Usage(e.to_string()))?;
    match &args.out {
        Some(path) => {
            write_private(path, &text)?;
            print_line(&format!(
                "registered passkey {} for {} (factor {}); wrote {} (mode 0600, Bitwarden JSON)",
                export.credential_id(),
                user.profile.login,
                factor.id,
                path.display()
            ))
        }
        None => {
            eprintln!(
                "warning: the passkey below contains its private key; store it safely (use --out FILE for a 0600 file)"
            );
            print_line(&text)
        }
    }
}

async fn list(ctx: &Context, args: ListArgs) -> Result<(), CommandError> {
    let okta = client(ctx)?;
    let user = oktactl_passkeys::resolve_user(&okta, &args.user).await?;
    let factors = oktactl_passkeys::list(&okta, &user.id).await?;
    if args.json {
        return print_json(&serde_json::to_value(&factors).unwrap_or_default());
    }
    if factors.is_empty() {
        return print_line(&format!("no passkeys for {}", user.profile.login));
    }
    let rows: Vec<[String; 4]> = factors
        .iter()
        .map(|f| {
            [
                f.id.clone(),
                f.status.clone(),
                f.created.clone().unwrap_or_default(),
                f.profile
                    .as_ref()
                    .and_then(|p| p.credential_id.clone())
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = ["ID", "STATUS", "CREATED", "CREDENTIAL ID"].map(String::from);
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|r| r[i].len())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        print_line(line.trim_end())?;
    }
    Ok(())
}

async fn delete(ctx: &Context, args: DeleteArgs) -> Result<(), CommandError> {
    let okta = client(ctx)?;
    let user = oktactl_passkeys::resolve_user(&okta, &args.user).await?;
    oktactl_passkeys::delete(&okta, &user.id, &args.factor).await?;
    print_line("deleted")
}

async fn provision_users(ctx: &Context, args: ProvisionArgs) -> Result<(), CommandError> {
    let lifetime = oktactl_passkeys::parse_challenge_timeout(&args.challenge.challenge_timeout)?;
    let store = ctx.store()?;
    let session = Session::load(&store, &ctx.profile)?;
    let http = ctx.http()?;
    let options = ProvisionOptions {
        users_csv: args.users,
        out: args.out.clone(),
        concurrency: usize::from(args.concurrency),
        attestation: format(args.attestation),
        challenge_timeout: lifetime,
        progress: true,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
                eprintln!("interrupt: no new users will be started; finishing the ones in flight");
            }
        })
    };
    let okta = OktaClient::new(http, session).with_store(store);
    let result = provision(&options, &okta, stop).await;
    watcher.abort();
    let summary = result?;
    let secs = summary.elapsed.as_secs_f64();
    let done = summary.succeeded + summary.failed;
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    eprintln!(
        "{} users: {} provisioned, {} failed, {} already done, {} not started; {:.1} s ({rate:.1} users/s); rate limits: {} answers 429, {} requests held back; results in {}",
        summary.total,
        summary.succeeded,
        summary.failed,
        summary.skipped,
        summary.not_started,
        secs,
        summary.responses_429,
        summary.throttled,
        args.out.display()
    );
    if summary.interrupted {
        return Err(CommandError::Exit {
            code: EXIT_INTERRUPTED,
            message: format!(
                "interrupted: {} users not started; run the same command again to resume",
                summary.not_started
            ),
        });
    }
    if summary.failed > 0 {
        return Err(CommandError::Exit {
            code: 1,
            message: format!(
                "{} of {} users failed; their error lines are in {}",
                summary.failed,
                summary.total,
                args.out.display()
            ),
        });
    }
    Ok(())
}

fn client(ctx: &Context) -> Result<OktaClient, CommandError> {
    let store = ctx.store()?;
    let session = Session::load(&store, &ctx.profile)?;
    Ok(OktaClient::new(ctx.http()?, session).with_store(store))
}

fn format(attestation: Attestation) -> AttestationFormat {
    match attestation {
        Attestation::None => AttestationFormat::None,
        Attestation::Packed => AttestationFormat::Packed,
    }
}

fn print_json(value: &serde_json::Value) -> Result<(), CommandError> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| CommandError::Usage(e.to_string()))?;
    print_line(&text)
}

/// Writes `text` to `path` with mode 0600: a temporary file in the same folder (created 0600 by
/// tempfile), fsynced, then renamed over the target.
fn write_private(path: &Path, text: &str) -> Result<(), CommandError> {
    let io = |source| PasskeyError::Io {
        action: "cannot write",
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.as_file().sync_all())
        .map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
