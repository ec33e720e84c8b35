//! One module per subcommand; each exposes `run`.

pub mod api;
pub mod completions;
pub mod connect;
pub mod demo;
pub mod disconnect;
pub mod doctor;
pub mod exec;
pub mod interactive;
pub mod passkey;
pub mod profiles;
pub mod proxy;
pub mod sandbox;
pub mod status;
pub mod token;
pub mod user;

use std::path::PathBuf;
use std::time::Duration;

use oktactl_api::ApiError;
use oktactl_auth::{AuthError, ErrorKind, HttpClient, StoreMode, TokenStore};
use oktactl_sandbox::SandboxError;

use crate::cli::Cli;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// From the auth library.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// From the API client.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// From the sandbox.
    #[error("sandbox: {0}")]
    Sandbox(#[from] SandboxError),
    /// Bad usage found after parsing.
    #[error("{0}")]
    Usage(String),
    /// Writing to stdout failed (other than a closed pipe).
    #[error("cannot write output: {0}")]
    Output(std::io::Error),
    /// From the proxy.
    #[error(transparent)]
    Proxy(#[from] oktactl_proxy::ProxyError),
    /// Exit with this code and no further message (the command has said what it had to).
    #[error("exit {0}")]
    ExitSilently(u8),
    /// From the passkeys library.
    #[error(transparent)]
    Passkey(#[from] oktactl_passkeys::PasskeyError),
    /// A run that ends with its own exit code (e.g. 130 after Ctrl-C) and one-line reason.
    #[error("{message}")]
    Exit {
        /// The exit code.
        code: u8,
        /// The reason.
        message: String,
    },
}

impl CommandError {
    /// The kind of failure, for the exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CommandError::Auth(e) => e.kind(),
            CommandError::Api(e) => e.kind(),
            CommandError::Sandbox(_) => ErrorKind::Refused,
            CommandError::Usage(_) => ErrorKind::BadInput,
            CommandError::Output(_) => ErrorKind::Refused,
            CommandError::Proxy(e) => e.kind(),
            CommandError::ExitSilently(_) => ErrorKind::Refused,
            CommandError::Passkey(e) => e.kind(),
            CommandError::Exit { .. } => ErrorKind::Refused,
        }
    }

    /// An exit code that overrides the one of [`CommandError::kind`].
    pub fn exit_code(&self) -> Option<u8> {
        match self {
            CommandError::Exit { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl From<oktactl_auth::StoreError> for CommandError {
    fn from(e: oktactl_auth::StoreError) -> Self {
        CommandError::Auth(e.into())
    }
}

/// What every command shares: the profile name, the config dir, the store and HTTP settings.
pub struct Context {
    /// `--profile`.
    pub profile: String,
    /// `--timeout`.
    pub timeout: Duration,
    /// `OKTACTL_CONFIG_DIR` or the platform config dir.
    pub config_dir: PathBuf,
    store_mode: StoreMode,
    /// `--ca-file`, then `SSL_CERT_FILE`.
    pub ca_files: Vec<PathBuf>,
}

impl Context {
    /// Reads the global options and environment; touches no network and no keyring.
    pub fn new(cli: &Cli) -> Result<Self, CommandError> {
        let store_mode =
            StoreMode::from_env_value(std::env::var("OKTACTL_TOKEN_STORE").ok().as_deref())?;
        Ok(Context {
            profile: cli.profile.clone(),
            timeout: Duration::from_secs(cli.timeout),
            config_dir: oktactl_auth::config::config_dir()?,
            store_mode,
            ca_files: cli
                .ca_file
                .iter()
                .cloned()
                .chain(
                    std::env::var_os("SSL_CERT_FILE")
                        .filter(|v| !v.is_empty())
                        .map(PathBuf::from),
                )
                .collect(),
        })
    }

    /// The token store.
    pub fn store(&self) -> Result<TokenStore, CommandError> {
        Ok(TokenStore::open(&self.config_dir, self.store_mode)?)
    }

    /// Whether secrets go to the keyring when there is one (so a fallback deserves a warning).
    pub fn store_mode_is_auto(&self) -> bool {
        self.store_mode == StoreMode::Auto
    }

    /// An HTTP client with `--timeout`.
    pub fn http(&self) -> Result<HttpClient, CommandError> {
        Ok(HttpClient::with_options(&oktactl_auth::HttpOptions {
            timeout: self.timeout,
            ca_files: self.ca_files.clone(),
        })?)
    }
}
