//! The command line: every flag's definition and help text lives here, so help, completions
//! and the man page can all be generated from one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Get and use access tokens for Okta's management APIs.
#[derive(Debug, Parser)]
#[command(name = "oktactl", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Profile the connection is stored under.
    #[arg(
        long,
        global = true,
        env = "OKTACTL_PROFILE",
        default_value = "default"
    )]
    pub profile: String,

    /// Seconds to wait for each HTTP request.
    #[arg(long, global = true, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,

    /// Extra CA certificates to trust (PEM), added to the platform's roots; SSL_CERT_FILE is
    /// honoured too.
    #[arg(long, global = true, value_name = "PEM-FILE")]
    pub ca_file: Option<PathBuf>,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Get an access token and store it (client credentials with a private key, a client
    /// secret, or an SSWS API token; with none of them, a person signs in in the browser or
    /// with --device).
    Connect(ConnectArgs),
    /// Show the stored connection: tenant, app, flow, scopes, token type, expiry (never the token).
    Status(StatusArgs),
    /// Print the access token, getting a new one first when it expires within 60 s.
    Token,
    /// Revoke the stored token and forget it.
    Disconnect,
    /// Run the local Okta-compatible sandbox server in the foreground.
    Sandbox(SandboxArgs),
    /// Start the sandbox, connect to it with a private key and DPoP, look a user up, disconnect.
    Demo,
    /// Lend the connection to other tools: a local proxy that adds the token (and a DPoP proof
    /// per request) to everything it forwards to the tenant.
    Proxy(ProxyArgs),
    /// Run a command with the proxy started for it (OKTACTL_PROXY_URL, OKTACTL_PROXY_KEY).
    Exec(ExecArgs),
    /// Check the set-up step by step and explain what fails and how to fix it.
    Doctor(DoctorArgs),
    /// List the stored profiles.
    Profiles(StatusArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout.
    Man,
    /// Passkeys (WebAuthn factors) for users: options, register, new, list, delete, provision.
    Passkey(crate::cli_passkey::PasskeyArgs),
    /// Call a management API path with the stored token and print the JSON answer (like
    /// `gh api`); rate limits and token renewal are handled.
    Api(ApiArgs),
    /// Look users up.
    #[command(subcommand)]
    User(UserCommand),
}

/// `oktactl proxy`.
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Port to listen on (127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Requests forwarded at the same time.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub max_concurrent: u32,

    /// How often a 429 is retried after its reset before it is passed back.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries_429: u32,
}

/// `oktactl exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Proxy settings.
    #[command(flatten)]
    pub proxy: ProxyArgs,

    /// The command and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

/// `oktactl doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `oktactl completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `oktactl api`.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// A tenant path such as /api/v1/users?limit=2, or an absolute URL of the connected tenant.
    pub path: String,

    /// HTTP method [default: GET, or POST with --data].
    #[arg(short = 'X', long = "method", value_name = "METHOD")]
    pub method: Option<String>,

    /// JSON request body: the JSON itself, @file, or - for stdin.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub data: Option<String>,

    /// Follow `Link: rel="next"` headers and print all pages merged into one array.
    #[arg(long)]
    pub paginate: bool,

    /// Print the status line and headers before the body.
    #[arg(short = 'i', long)]
    pub include: bool,
}

/// `oktactl user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Print only the id of the user with this login (upstream `Get-OktaUserId`).
    Id {
        /// Login (or id), e.g. alice@example.com.
        login: String,
    },
    /// Show a user: id, login, status, name, email, created, last login.
    Show {
        /// Login or id.
        user: String,
        /// Print the API's JSON instead.
        #[arg(long)]
        json: bool,
    },
}

/// `oktactl connect`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Okta org: example.okta.com, an https:// URL (custom domain), or http:// on loopback.
    #[arg(long, env = "OKTA_CLIENT_ORGURL")]
    pub tenant: Option<String>,

    /// Client id of the Okta app, e.g. 0oakmj8hvxvtvCy3P5d7.
    #[arg(long, env = "OKTA_CLIENT_CLIENTID")]
    pub client_id: Option<String>,

    /// Scopes to request; repeat the flag or give a comma/space separated list
    /// [default: okta.users.manage].
    #[arg(long, env = "OKTA_CLIENT_SCOPES", num_args = 1..)]
    pub scopes: Vec<String>,

    /// Private JSON Web Key of the app: the JSON itself, @file, or - for stdin.
    #[arg(
        long = "json-web-key",
        visible_alias = "jwk",
        value_name = "JSON|@FILE|-",
        group = "credential"
    )]
    pub jwk: Option<String>,

    /// PEM private key file of the app (PKCS#1/PKCS#8 RSA, SEC1/PKCS#8 EC).
    #[arg(long, value_name = "PEM-FILE", group = "credential")]
    pub private_key: Option<PathBuf>,

    /// Client secret (client_secret_post): the value, @file, or - for stdin. Okta refuses it
    /// for okta.* scopes.
    #[arg(long, value_name = "SECRET|@FILE|-", group = "credential")]
    pub client_secret: Option<String>,

    /// SSWS API token: the value, @file, or - for stdin. Checked with one API call, then stored.
    #[arg(long, value_name = "TOKEN|@FILE|-", group = "credential")]
    pub api_token: Option<String>,

    /// Always send DPoP proofs.
    #[arg(long, conflicts_with = "no_dpop")]
    pub dpop: bool,

    /// Never send DPoP proofs.
    #[arg(long)]
    pub no_dpop: bool,

    /// Sign in with the device authorization grant (RFC 8628): print a code to enter on
    /// another device, for terminals without a browser.
    #[arg(long, conflicts_with = "credential")]
    pub device: bool,

    /// Loopback redirect URI registered with the app (browser sign-in); the listener binds
    /// exactly its host and port.
    #[arg(
        long,
        value_name = "URI",
        default_value = oktactl_auth::loopback::DEFAULT_REDIRECT_URI,
        conflicts_with = "credential"
    )]
    pub redirect_uri: String,

    /// Do not open a browser; print the sign-in URL only (automatic without a display or over
    /// SSH).
    #[arg(long, conflicts_with = "credential")]
    pub no_browser: bool,

    /// Seconds to wait for an interactive sign-in to finish (the global --timeout is per HTTP
    /// request).
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub login_timeout: u64,
}

/// `oktactl status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `oktactl sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port to listen on (127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Folder for the demo config and key files [default: <config dir>/sandbox].
    #[arg(long)]
    pub dir: Option<PathBuf>,

    /// Run with this config file instead of writing the demo one.
    #[arg(long, conflicts_with = "dir")]
    pub config: Option<PathBuf>,

    /// Serve HTTPS with a certificate authority made for this run; its PEM is written to the
    /// sandbox folder and named in the JSON line (`ca_file`).
    #[arg(long)]
    pub https: bool,
}
