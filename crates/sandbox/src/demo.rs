//! A ready-made demo org: three apps with their private keys or secret on disk, a public PKCE
//! app for interactive sign-in, an SSWS API token and five users (password [`DEMO_PASSWORD`]).
//! The ids are fixed so that docs and tests can name them; the keys and secrets are fresh on
//! every call.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use oktactl_jose::{KeyKind, SigningKey};
use serde::Serialize;

use crate::SandboxError;
use crate::config::{ApiTokenConfig, AppConfig, AuthMethod, SandboxConfig, UserConfig};

/// Client id of the DPoP-requiring `private_key_jwt` app with an RSA key.
pub const DPOP_RSA_CLIENT_ID: &str = "0oasandboxdpoprsa001";
/// Client id of the Bearer `private_key_jwt` app with an EC P-256 key.
pub const BEARER_EC_CLIENT_ID: &str = "0oasandboxbearerec01";
/// Client id of the `client_secret_post` app.
pub const SECRET_CLIENT_ID: &str = "0oasandboxsecret0001";
/// Client id of the public PKCE app for interactive sign-in (authorization code, refresh token
/// and device grants).
pub const NATIVE_CLIENT_ID: &str = "0oasandboxnative0001";
/// The native app's registered redirect URI (the one upstream's module uses, reference §4).
pub const NATIVE_REDIRECT_URI: &str = "http://localhost:8080/login/callback";
/// The password of every demo user, for the sandbox sign-in page.
pub const DEMO_PASSWORD: &str = "Sandbox-Passw0rd";
/// File name of the SSWS API token in the demo directory.
pub const API_TOKEN_FILE: &str = "api-token";
/// File name of the configuration in the demo directory.
pub const CONFIG_FILE: &str = "sandbox.json";

const USERS_SCOPES: [&str; 2] = ["okta.users.read", "okta.users.manage"];
/// `(first name, last name)` of the demo users; logins are `<first>@example.com` in lowercase.
const USERS: [(&str, &str); 5] = [
    ("Alice", "Anderson"),
    ("Bob", "Brown"),
    ("Carol", "Clark"),
    ("Dave", "Davis"),
    ("Erin", "Evans"),
];

/// What [`write_demo`] wrote.
#[derive(Debug, Clone)]
pub struct DemoSetup {
    /// The configuration, also written to `sandbox.json`.
    pub config: SandboxConfig,
    /// The apps, with the files holding their credentials.
    pub clients: Vec<DemoClient>,
    /// The file holding the SSWS API token.
    pub api_token_file: PathBuf,
    /// `sandbox.json`.
    pub config_file: PathBuf,
}

/// One demo app and where its credentials are.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DemoClient {
    /// Display name.
    pub name: String,
    /// Client id.
    pub client_id: String,
    /// `token_endpoint_auth_method`, e.g. `private_key_jwt`.
    pub auth: String,
    /// The private key as JWK JSON.
    pub key_file: Option<PathBuf>,
    /// The private key as PKCS#8 PEM.
    pub pem_file: Option<PathBuf>,
    /// The client secret.
    pub secret_file: Option<PathBuf>,
    /// Whether the app requires DPoP.
    pub dpop_required: bool,
    /// The scopes granted to the app.
    pub scopes: Vec<String>,
}

/// Generates the demo org into `dir` (created 0700 if missing): for each key app
/// `<client_id>.jwk.json` and `<client_id>.pem`, for the secret app `<client_id>.secret`, then
/// `api-token` and `sandbox.json`. Every file is written 0600.
pub fn write_demo(dir: &Path) -> Result<DemoSetup, SandboxError> {
    create_private_dir(dir)?;
    let users_scopes: Vec<String> = USERS_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    let mut apps = Vec::new();
    let mut clients = Vec::new();

    for (client_id, name, kind, kid, dpop_required) in [
        (
            DPOP_RSA_CLIENT_ID,
            "DPoP service app (RSA)",
            KeyKind::Rsa { bits: 2048 },
            "sandbox-dpop-rsa",
            true,
        ),
        (
            BEARER_EC_CLIENT_ID,
            "Service app (EC P-256)",
            KeyKind::P256,
            "sandbox-bearer-ec",
            false,
        ),
    ] {
        let key = SigningKey::generate(kind)
            .map_err(|err| SandboxError::KeyGeneration {
                reason: err.to_string(),
            })?
            .with_kid(kid);
        let key_file = dir.join(format!("{client_id}.jwk.json"));
        write_private(&key_file, &key.to_private_jwk_json())?;
        let pem = key
            .to_pkcs8_pem()
            .map_err(|err| SandboxError::KeyGeneration {
                reason: err.to_string(),
            })?;
        let pem_file = dir.join(format!("{client_id}.pem"));
        write_private(&pem_file, &pem)?;
        apps.push(AppConfig {
            client_id: client_id.to_owned(),
            name: name.to_owned(),
            token_endpoint_auth_method: AuthMethod::PrivateKeyJwt,
            jwks: vec![key.public_jwk()],
            client_secret: None,
            granted_scopes: users_scopes.clone(),
            dpop_required,
            access_token_lifetime_seconds: None,
            redirect_uris: Vec::new(),
        });
        clients.push(DemoClient {
            name: name.to_owned(),
            client_id: client_id.to_owned(),
            auth: AuthMethod::PrivateKeyJwt.as_str().to_owned(),
            key_file: Some(key_file),
            pem_file: Some(pem_file),
            secret_file: None,
            dpop_required,
            scopes: users_scopes.clone(),
        });
    }

    let secret = oktactl_jose::random_base64url(48);
    let secret_file = dir.join(format!("{SECRET_CLIENT_ID}.secret"));
    write_private(&secret_file, &secret)?;
    let secret_scopes = vec!["okta.users.read".to_owned(), "sandbox.custom".to_owned()];
    apps.push(AppConfig {
        client_id: SECRET_CLIENT_ID.to_owned(),
        name: "Client secret app".to_owned(),
        token_endpoint_auth_method: AuthMethod::ClientSecretPost,
        jwks: Vec::new(),
        client_secret: Some(secret),
        granted_scopes: secret_scopes.clone(),
        dpop_required: false,
        access_token_lifetime_seconds: None,
        redirect_uris: Vec::new(),
    });
    clients.push(DemoClient {
        name: "Client secret app".to_owned(),
        client_id: SECRET_CLIENT_ID.to_owned(),
        auth: AuthMethod::ClientSecretPost.as_str().to_owned(),
        key_file: None,
        pem_file: None,
        secret_file: Some(secret_file),
        dpop_required: false,
        scopes: secret_scopes,
    });

    let native_scopes: Vec<String> = [
        "okta.users.read",
        "okta.users.manage",
        "offline_access",
        "openid",
        "profile",
        "email",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    apps.push(AppConfig {
        client_id: NATIVE_CLIENT_ID.to_owned(),
        name: "oktactl (native app)".to_owned(),
        token_endpoint_auth_method: AuthMethod::None,
        jwks: Vec::new(),
        client_secret: None,
        granted_scopes: native_scopes.clone(),
        dpop_required: false,
        access_token_lifetime_seconds: None,
        redirect_uris: vec![NATIVE_REDIRECT_URI.to_owned()],
    });
    clients.push(DemoClient {
        name: "oktactl (native app)".to_owned(),
        client_id: NATIVE_CLIENT_ID.to_owned(),
        auth: AuthMethod::None.as_str().to_owned(),
        key_file: None,
        pem_file: None,
        secret_file: None,
        dpop_required: false,
        scopes: native_scopes,
    });

    // Okta API tokens are 42 characters starting with "00".
    let api_token = format!("00{}", oktactl_jose::random_base64url(30));
    let api_token_file = dir.join(API_TOKEN_FILE);
    write_private(&api_token_file, &api_token)?;

    let config = SandboxConfig {
        apps,
        users: demo_users(),
        api_tokens: vec![ApiTokenConfig {
            name: "sandbox demo token".to_owned(),
            token: api_token,
        }],
        ..SandboxConfig::default()
    };
    let config_file = dir.join(CONFIG_FILE);
    // The configuration holds the client secret and the API token, so it is private too.
    let json = serde_json::to_string_pretty(&config).map_err(|err| SandboxError::DemoWrite {
        path: config_file.clone(),
        source: std::io::Error::other(err.to_string()),
    })?;
    write_private(&config_file, &json)?;
    Ok(DemoSetup {
        config,
        clients,
        api_token_file,
        config_file,
    })
}

/// The demo users: ids `00u` + 17 characters, e.g. `00usandboxalice00000`.
fn demo_users() -> Vec<UserConfig> {
    USERS
        .iter()
        .map(|(first, last)| {
            let login = format!("{}@example.com", first.to_lowercase());
            UserConfig {
                id: format!("00u{:0<17}", format!("sandbox{}", first.to_lowercase())),
                login: login.clone(),
                email: login,
                first_name: (*first).to_owned(),
                last_name: (*last).to_owned(),
                status: "ACTIVE".to_owned(),
                password: Some(DEMO_PASSWORD.to_owned()),
            }
        })
        .collect()
}

fn create_private_dir(dir: &Path) -> Result<(), SandboxError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|source| SandboxError::DemoWrite {
            path: dir.to_path_buf(),
            source,
        })
}

/// Writes `contents` to a file only its owner can read (0600), replacing any earlier file.
fn write_private(path: &Path, contents: &str) -> Result<(), SandboxError> {
    let failed = |source| SandboxError::DemoWrite {
        path: path.to_path_buf(),
        source,
    };
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An existing file keeps its mode on open; tighten it before writing the secret.
        if path.exists() {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(failed)?;
        }
    }
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(contents.as_bytes()).map_err(failed)?;
    file.sync_all().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_user_ids_look_like_okta_ids() {
        for user in demo_users() {
            assert_eq!(user.id.len(), 20, "{}", user.id);
            assert!(user.id.starts_with("00u"));
            assert!(user.id.chars().all(|c| c.is_ascii_alphanumeric()));
        }
        assert_eq!(demo_users()[0].login, "alice@example.com");
    }

    #[test]
    fn demo_client_ids_are_okta_shaped() {
        for id in [
            DPOP_RSA_CLIENT_ID,
            BEARER_EC_CLIENT_ID,
            SECRET_CLIENT_ID,
            NATIVE_CLIENT_ID,
        ] {
            assert_eq!(id.len(), 20, "{id}");
        }
    }
}
