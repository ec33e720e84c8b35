//! What `connect` leaves behind and `status`, `token` and `disconnect` read: a named profile's
//! metadata ([`Profile`], never secret) and its secrets ([`ProfileSecrets`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::secret::SecretString;

/// How the stored token was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Client credentials with a `private_key_jwt` assertion (JWK or PEM).
    ClientCredentialsPrivateKey,
    /// Client credentials with `client_secret_post`.
    ClientCredentialsSecret,
    /// A legacy SSWS API token, stored as given.
    ApiToken,
    /// Authorization code with PKCE (interactive).
    AuthorizationCode,
    /// Device authorization grant (RFC 8628).
    DeviceCode,
}

impl Flow {
    /// Short name for `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::ClientCredentialsPrivateKey => "client_credentials (private_key_jwt)",
            Flow::ClientCredentialsSecret => "client_credentials (client_secret_post)",
            Flow::ApiToken => "api_token (SSWS)",
            Flow::AuthorizationCode => "authorization_code (PKCE)",
            Flow::DeviceCode => "device_code",
        }
    }
}

/// The `Authorization` scheme the stored token is used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenType {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: DPoP <token>` plus a `DPoP` proof per request.
    DPoP,
    /// `Authorization: SSWS <api token>`.
    #[serde(rename = "SSWS")]
    Ssws,
}

impl TokenType {
    /// The scheme as sent in `Authorization`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Bearer => "Bearer",
            TokenType::DPoP => "DPoP",
            TokenType::Ssws => "SSWS",
        }
    }
}

/// Where a profile's secrets live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// The OS keyring (Secret Service, Keychain, Credential Manager).
    Keyring,
    /// A file created 0600 in the config dir.
    File,
}

impl StoreKind {
    /// Name for `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Keyring => "keyring",
            StoreKind::File => "file",
        }
    }
}

/// A connection's metadata; holds no secret, so `status` can show all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Profile name (`default` unless `--profile`).
    pub name: String,
    /// The tenant's base URL, e.g. `https://example.okta.com`.
    pub tenant: String,
    /// The app's client id.
    pub client_id: String,
    /// How the token was obtained.
    pub flow: Flow,
    /// Scopes requested.
    pub scopes: Vec<String>,
    /// Scopes granted (from the token response), when known.
    #[serde(default)]
    pub granted_scopes: Vec<String>,
    /// How the token is presented.
    pub token_type: TokenType,
    /// When the token was obtained (seconds since the epoch).
    pub obtained_at: i64,
    /// When the access token expires (seconds since the epoch); `None` for SSWS tokens.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Whether this app needed DPoP (remembered so the next mint sends a proof first).
    #[serde(default)]
    pub dpop: bool,
    /// Where the secrets are.
    pub store: StoreKind,
}

/// A client credential kept so that `token` can re-mint and `disconnect` can revoke.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum StoredCredential {
    /// A private key as private JWK JSON.
    PrivateKeyJwk(SecretString),
    /// A client secret.
    ClientSecret(SecretString),
}

impl fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredCredential::PrivateKeyJwk(_) => f.write_str("PrivateKeyJwk([redacted])"),
            StoredCredential::ClientSecret(_) => f.write_str("ClientSecret([redacted])"),
        }
    }
}

/// A profile's secrets; every member is redacted in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSecrets {
    /// The access token (or the SSWS API token).
    pub access_token: SecretString,
    /// Refresh token, with `offline_access`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<SecretString>,
    /// The DPoP private key (JWK JSON) the token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<SecretString>,
    /// The client credential, to re-mint and revoke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_credential: Option<StoredCredential>,
}
