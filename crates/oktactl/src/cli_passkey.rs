//! `oktactl passkey …` flags (kept apart from `cli.rs` so parallel work merges cleanly).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// `oktactl passkey`.
#[derive(Debug, Args)]
pub struct PasskeyArgs {
    /// The passkey command.
    #[command(subcommand)]
    pub command: PasskeyCommand,
}

/// Passkey subcommands.
#[derive(Debug, Subcommand)]
pub enum PasskeyCommand {
    /// Enrol a WebAuthn factor and print the creation options for a browser or authenticator.
    Options(OptionsArgs),
    /// Activate an enrolled factor with a PublicKeyCredential JSON from a browser/authenticator.
    Register(RegisterArgs),
    /// Create a passkey with the built-in software authenticator, register it, and export it
    /// for a password manager (Bitwarden JSON).
    New(NewArgs),
    /// List a user's WebAuthn factors.
    List(ListArgs),
    /// Delete a user's factor.
    Delete(DeleteArgs),
    /// Create passkeys for every login of a CSV, resumably, writing JSON Lines.
    Provision(ProvisionArgs),
}

/// The challenge lifetime flag. Not `--timeout`: that global flag is the HTTP timeout.
#[derive(Debug, Args)]
pub struct ChallengeTimeout {
    /// How long the registration challenge stays valid: 30s, 5m, 2h, 1d or plain seconds
    /// (1 s – 1 day).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub challenge_timeout: String,
}

/// `passkey options`.
#[derive(Debug, Args)]
pub struct OptionsArgs {
    /// The user's login or id.
    #[arg(long)]
    pub user: String,
    /// Challenge lifetime.
    #[command(flatten)]
    pub challenge: ChallengeTimeout,
}

/// `passkey register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The user's login or id.
    #[arg(long)]
    pub user: String,
    /// The factor id printed by `passkey options`.
    #[arg(long)]
    pub factor: String,
    /// PublicKeyCredential JSON (as `credential.toJSON()` gives it): the JSON, @file, or -.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub credential: String,
}

/// Attestation statement formats of the software authenticator.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Attestation {
    /// No attestation statement.
    None,
    /// Packed self attestation.
    Packed,
}

/// `passkey new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The user's login or id.
    #[arg(long)]
    pub user: String,
    /// Write the passkey (with its private key) here, mode 0600; default: stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Attestation format.
    #[arg(long, value_enum, default_value = "packed")]
    pub attestation: Attestation,
    /// Challenge lifetime.
    #[command(flatten)]
    pub challenge: ChallengeTimeout,
}

/// `passkey list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The user's login or id.
    #[arg(long)]
    pub user: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `passkey delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The user's login or id.
    #[arg(long)]
    pub user: String,
    /// The factor id.
    #[arg(long)]
    pub factor: String,
}

/// `passkey provision`.
#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// CSV with a header row and a `login` column.
    #[arg(long)]
    pub users: PathBuf,
    /// JSON Lines output (created 0600; appended to; users with an ok line are skipped).
    #[arg(long)]
    pub out: PathBuf,
    /// Users provisioned at once (1–64).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Attestation format.
    #[arg(long, value_enum, default_value = "packed")]
    pub attestation: Attestation,
    /// Challenge lifetime.
    #[command(flatten)]
    pub challenge: ChallengeTimeout,
}
