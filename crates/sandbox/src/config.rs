//! The sandbox's configuration: apps (OAuth clients), users and SSWS API tokens.
//!
//! The JSON form is what `sandbox.json` holds (see [`crate::write_demo`]). Every field that has
//! a sensible default may be left out.

use std::path::Path;

use oktactl_wire::PublicJwk;
use serde::{Deserialize, Serialize};

use crate::SandboxError;

/// Default lifetime of access tokens, as on a real org (one hour).
pub const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS: u64 = 3600;

/// Default value of the `X-Rate-Limit-Limit` header.
pub const DEFAULT_RATE_LIMIT: u32 = 600;

/// Default WebAuthn activations per user per window (Okta: about 5 per 5 minutes).
pub const DEFAULT_FACTOR_ACTIVATION_LIMIT: u32 = 5;

/// Default window of the activation limit, in seconds.
pub const DEFAULT_FACTOR_ACTIVATION_WINDOW_SECONDS: u64 = 300;

/// Everything a sandbox serves.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct SandboxConfig {
    /// The OAuth clients ("apps") the authorization server knows.
    pub apps: Vec<AppConfig>,
    /// The users the users API serves, in listing order.
    pub users: Vec<UserConfig>,
    /// Legacy SSWS API tokens; each has all permissions.
    pub api_tokens: Vec<ApiTokenConfig>,
    /// Lifetime of issued access tokens, unless an app overrides it (default 3600).
    pub access_token_lifetime_seconds: u64,
    /// The `X-Rate-Limit-Limit` value of every endpoint family (default 600 per minute).
    pub rate_limit: u32,
    /// Users `user1@example.com` … `userN@example.com` added after [`SandboxConfig::users`]
    /// (ids `00ugen` + 14 digits), for bulk tests (default 0).
    pub generated_users: usize,
    /// WebAuthn factor activations allowed per user in each window, as Okta limits them
    /// (about 5 per 5 minutes, reference §8); 0 turns the limit off (default 5).
    pub factor_activation_limit: u32,
    /// The window of [`SandboxConfig::factor_activation_limit`] in seconds (default 300).
    pub factor_activation_window_seconds: u64,
    /// Other limits for some endpoint families (see [`crate::Controls::set_rate_limit`]).
    pub rate_limits: Vec<RateLimitConfig>,
}

/// The rate limit of one endpoint family, e.g. `{"family": "users-id", "limit": 5,
/// "window_seconds": 2}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// The family: `users-list`, `users-id`, `token`, `revoke`, `introspect`, `keys`,
    /// `well-known`, `oauth2`, `other`, or `*` for every family without its own limit.
    pub family: String,
    /// Requests allowed per window.
    pub limit: u32,
    /// Window length in seconds (Okta's are 60); windows start at multiples of it.
    #[serde(default = "default_window")]
    pub window_seconds: u64,
}

fn default_window() -> u64 {
    60
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            apps: Vec::new(),
            users: Vec::new(),
            api_tokens: Vec::new(),
            access_token_lifetime_seconds: DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
            rate_limit: DEFAULT_RATE_LIMIT,
            generated_users: 0,
            factor_activation_limit: DEFAULT_FACTOR_ACTIVATION_LIMIT,
            factor_activation_window_seconds: DEFAULT_FACTOR_ACTIVATION_WINDOW_SECONDS,
            rate_limits: Vec::new(),
        }
    }
}

impl SandboxConfig {
    /// Reads a configuration from a JSON file such as the `sandbox.json` written by
    /// [`crate::write_demo`].
    pub fn from_json_file(path: &Path) -> Result<Self, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|source| SandboxError::ConfigRead {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|err| SandboxError::ConfigParse {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })
    }
}

/// How an app authenticates at the token endpoint (`token_endpoint_auth_method`, RFC 7591 §2).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A JWT signed with one of the app's registered keys (RFC 7523 §2.2).
    #[default]
    PrivateKeyJwt,
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// `client_id` and `client_secret` in an `Authorization: Basic` header (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// A public client: only `client_id`.
    None,
}

impl AuthMethod {
    /// The RFC 7591 name, e.g. `private_key_jwt`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::None => "none",
        }
    }
}

/// One OAuth client ("app") of the org.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppConfig {
    /// The client id, e.g. `0oasandboxdpoprsa001`.
    pub client_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// How the app authenticates at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_method: AuthMethod,
    /// Registered public keys, for `private_key_jwt`.
    #[serde(default)]
    pub jwks: Vec<PublicJwk>,
    /// The client secret, for `client_secret_post`/`client_secret_basic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Scopes the app may be granted, e.g. `okta.users.read`.
    #[serde(default)]
    pub granted_scopes: Vec<String>,
    /// Whether the token endpoint demands a DPoP proof ("Require DPoP", reference §3).
    #[serde(default)]
    pub dpop_required: bool,
    /// Overrides [`SandboxConfig::access_token_lifetime_seconds`] for this app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_lifetime_seconds: Option<u64>,
    /// Sign-in redirect URIs (for the authorization code flow).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

/// One user of the org.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserConfig {
    /// User id, `00u` and 17 more characters.
    pub id: String,
    /// Unique login, e.g. `alice@example.com`.
    pub login: String,
    /// Primary email.
    #[serde(default)]
    pub email: String,
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
    /// `ACTIVE`, `STAGED`, `SUSPENDED`, …
    #[serde(default = "default_status")]
    pub status: String,
    /// Password, for interactive sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// One legacy API token (`Authorization: SSWS <token>`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiTokenConfig {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The token value (a secret).
    pub token: String,
}

impl SandboxConfig {
    /// The configured users followed by the [`SandboxConfig::generated_users`].
    pub(crate) fn expanded_users(&self) -> Vec<UserConfig> {
        let mut users = self.users.clone();
        users.extend((1..=self.generated_users).map(|n| UserConfig {
            id: format!("00ugen{n:014}"),
            login: format!("user{n}@example.com"),
            email: format!("user{n}@example.com"),
            first_name: "User".to_owned(),
            last_name: n.to_string(),
            status: default_status(),
            password: None,
        }));
        users
    }
}

fn default_status() -> String {
    "ACTIVE".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_json_gets_defaults() {
        let config: SandboxConfig = serde_json::from_str(
            r#"{"apps":[{"client_id":"0oa1"}],"users":[{"id":"00u1","login":"a@example.com"}]}"#,
        )
        .unwrap();
        assert_eq!(config.access_token_lifetime_seconds, 3600);
        assert_eq!(config.rate_limit, 600);
        assert_eq!(
            config.apps[0].token_endpoint_auth_method,
            AuthMethod::PrivateKeyJwt
        );
        assert!(!config.apps[0].dpop_required);
        assert_eq!(config.users[0].status, "ACTIVE");
    }

    #[test]
    fn rate_limits_parse_with_a_default_window() {
        let config: SandboxConfig = serde_json::from_str(
            r#"{"rate_limits":[{"family":"users-id","limit":5,"window_seconds":2},{"family":"*","limit":9}]}"#,
        )
        .unwrap();
        assert_eq!(config.rate_limits[0].window_seconds, 2);
        assert_eq!(config.rate_limits[1].window_seconds, 60);
    }

    #[test]
    fn auth_method_uses_rfc_names() {
        let json = serde_json::to_string(&AuthMethod::ClientSecretBasic).unwrap();
        assert_eq!(json, r#""client_secret_basic""#);
        assert_eq!(AuthMethod::None.as_str(), "none");
    }
}
