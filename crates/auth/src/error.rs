//! [`AuthError`]: everything that can go wrong getting, keeping or revoking a token.

use oktactl_jose::JoseError;

use crate::store::StoreError;

/// What kind of failure an [`AuthError`] is; the CLI turns it into an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server answered and refused (exit 1).
    Refused,
    /// The user's input is wrong (exit 2).
    BadInput,
    /// The server could not be reached or did not answer in time (exit 3).
    Network,
    /// There is no usable stored connection (exit 4).
    NotConnected,
}

/// Everything that can go wrong getting, keeping or revoking a token.
///
/// Messages are one lowercase line and never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The tenant is not an Okta host, https URL or loopback http URL, e.g. `example.com`.
    #[error("invalid tenant '{input}': {reason}")]
    InvalidTenant {
        /// What was given.
        input: String,
        /// Why it is refused.
        reason: String,
    },
    /// The client id does not look like an Okta client id, e.g. `abc`.
    #[error("invalid client id '{input}': {reason}")]
    InvalidClientId {
        /// What was given.
        input: String,
        /// Why it is refused.
        reason: String,
    },
    /// `--scopes ""` or only separators.
    #[error("no scopes given: pass at least one, e.g. --scopes okta.users.read")]
    EmptyScopes,
    /// A scope with characters RFC 6749 §3.3 does not allow, e.g. `a"b`.
    #[error(
        "invalid scope '{scope}': scopes are printable ASCII without spaces, quotes or backslashes"
    )]
    InvalidScope {
        /// The scope.
        scope: String,
    },
    /// The private key could not be used, e.g. a public-only JWK.
    #[error("{what}: {source}")]
    Key {
        /// Where the key came from, e.g. `--jwk`.
        what: String,
        /// Why.
        source: JoseError,
    },
    /// Some other bad input (a missing option, an unreadable file).
    #[error("{0}")]
    Usage(String),
    /// The authorization server refused, e.g. `invalid_client: The client_assertion token has
    /// already been used.`
    #[error("{error}: {}{}", description.as_deref().unwrap_or("(no description)"), hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    OAuth {
        /// The endpoint URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// RFC 6749 §5.2 error code.
        error: String,
        /// `error_description`.
        description: Option<String>,
        /// Our own hint, e.g. about the local clock.
        hint: Option<String>,
    },
    /// The management API refused, e.g. `E0000011: Invalid token provided`.
    #[error("{code}: {summary} ({status} from {url}){}", hint.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
    Api {
        /// The request URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// Okta error code.
        code: String,
        /// Okta error summary.
        summary: String,
        /// Our own hint, e.g. the missing scope.
        hint: Option<String>,
    },
    /// The server answered something that is neither success nor a known error body.
    #[error("unexpected answer from {url}: HTTP {status}{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    UnexpectedResponse {
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// What was wrong with it (never the body of a success answer, which may hold tokens).
        detail: Option<String>,
    },
    /// The request timed out.
    #[error("timed out after {seconds} s waiting for {url}")]
    Timeout {
        /// The URL.
        url: String,
        /// The timeout.
        seconds: u64,
    },
    /// Could not connect or the connection broke.
    #[error("cannot reach {url}: {reason}")]
    Network {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The connection broke before the whole answer arrived.
    #[error("the connection to {url} broke before the answer was complete: {reason}")]
    Interrupted {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// No stored connection for the profile.
    #[error("not connected (profile '{profile}'): run `oktactl connect` first")]
    NotConnected {
        /// The profile name.
        profile: String,
    },
    /// The stored connection can no longer produce a token and needs a new `connect`.
    #[error(
        "the stored connection (profile '{profile}') cannot get a new token: {reason}; run `oktactl connect` again"
    )]
    ReconnectNeeded {
        /// The profile name.
        profile: String,
        /// Why.
        reason: String,
    },
    /// The token store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `--redirect-uri` is not a loopback `http://` URI, e.g. `https://example.com/cb`.
    #[error("invalid redirect URI '{input}': {reason}")]
    InvalidRedirectUri {
        /// What was given.
        input: String,
        /// Why it is refused.
        reason: String,
    },
    /// The redirect URI's port is taken by another program.
    #[error(
        "cannot listen on port {port} for the sign-in callback ({reason}): close the program using \
         it, or register another loopback URI with the app and pass it with --redirect-uri \
         (now {redirect_uri})"
    )]
    PortInUse {
        /// The port.
        port: u16,
        /// The redirect URI in use.
        redirect_uri: String,
        /// What the OS said.
        reason: String,
    },
    /// The loopback listener failed otherwise.
    #[error("sign-in callback listener: {reason}")]
    Loopback {
        /// Why.
        reason: String,
    },
    /// Nobody completed the sign-in in time (`--login-timeout`).
    #[error("sign-in timed out after {seconds} s; nothing was stored")]
    LoginTimeout {
        /// The timeout.
        seconds: u64,
    },
    /// The sign-in was refused or cancelled, e.g. `access_denied` on the redirect or while
    /// polling the device code.
    #[error("sign-in failed: {error}{}; nothing was stored", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AuthorizationDenied {
        /// The OAuth error code, e.g. `access_denied`.
        error: String,
        /// `error_description`.
        description: Option<String>,
    },
    /// The device code expired before the user approved it (RFC 8628 `expired_token`).
    #[error(
        "the device code expired before the sign-in was approved; nothing was stored: run `oktactl connect --device` again"
    )]
    DeviceCodeExpired,
    /// The id token failed validation.
    #[error("id token refused: {0}")]
    IdToken(#[from] crate::id_token::IdTokenError),
    /// The server's TLS certificate is not trusted, e.g. a corporate proxy re-signs traffic
    /// with its own CA.
    #[error(
        "TLS certificate of {host} is not trusted ({reason}) for {url}; if your network uses its own CA, pass --ca-file <pem> (or set SSL_CERT_FILE)"
    )]
    Tls {
        /// The URL requested.
        url: String,
        /// Its host.
        host: String,
        /// What rustls said.
        reason: String,
    },
}

impl AuthError {
    /// The kind of failure, for exit codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AuthError::InvalidTenant { .. }
            | AuthError::InvalidClientId { .. }
            | AuthError::EmptyScopes
            | AuthError::InvalidScope { .. }
            | AuthError::Key { .. }
            | AuthError::Usage(_) => ErrorKind::BadInput,
            AuthError::OAuth { .. }
            | AuthError::Api { .. }
            | AuthError::UnexpectedResponse { .. } => ErrorKind::Refused,
            AuthError::Timeout { .. }
            | AuthError::Network { .. }
            | AuthError::Interrupted { .. }
            | AuthError::Tls { .. } => ErrorKind::Network,
            AuthError::NotConnected { .. } | AuthError::ReconnectNeeded { .. } => {
                ErrorKind::NotConnected
            }
            AuthError::Store(_) => ErrorKind::BadInput,
            AuthError::InvalidRedirectUri { .. } | AuthError::PortInUse { .. } => {
                ErrorKind::BadInput
            }
            AuthError::Loopback { .. } => ErrorKind::Network,
            AuthError::LoginTimeout { .. } | AuthError::DeviceCodeExpired => {
                ErrorKind::NotConnected
            }
            AuthError::AuthorizationDenied { .. } | AuthError::IdToken(_) => ErrorKind::Refused,
        }
    }

    /// Wraps a key error with where the key came from.
    pub fn key(what: impl Into<String>, source: JoseError) -> Self {
        AuthError::Key {
            what: what.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_token::IdTokenError;

    /// Every variant of the interactive sign-in formats as one lowercase line with no secret.
    #[test]
    fn smoke_sign_in_variants_format() {
        let variants = [
            AuthError::InvalidRedirectUri {
                input: "https://x/cb".into(),
                reason: "only http".into(),
            },
            AuthError::PortInUse {
                port: 8080,
                redirect_uri: "http://localhost:8080/login/callback".into(),
                reason: "address in use".into(),
            },
            AuthError::Loopback {
                reason: "boom".into(),
            },
            AuthError::LoginTimeout { seconds: 300 },
            AuthError::AuthorizationDenied {
                error: "access_denied".into(),
                description: Some("no".into()),
            },
            AuthError::DeviceCodeExpired,
            AuthError::IdToken(IdTokenError::Malformed { reason: "x".into() }),
            AuthError::IdToken(IdTokenError::UnexpectedAlgorithm {
                alg: "HS256".into(),
            }),
            AuthError::IdToken(IdTokenError::UnknownKey { kid: "k".into() }),
            AuthError::IdToken(IdTokenError::SignatureVerification),
            AuthError::IdToken(IdTokenError::InvalidIssuer {
                expected: "a".into(),
                got: "b".into(),
            }),
            AuthError::IdToken(IdTokenError::InvalidAudience {
                expected: "a".into(),
                got: "b".into(),
            }),
            AuthError::IdToken(IdTokenError::InvalidNonce),
            AuthError::IdToken(IdTokenError::Expired { exp: 1, now: 2 }),
        ];
        for variant in variants {
            let text = variant.to_string();
            assert!(!text.contains('\n'), "{text}");
            assert!(!text.ends_with('.'), "{text}");
            assert!(text.chars().next().unwrap().is_lowercase(), "{text}");
            let _ = variant.kind();
        }
        assert_eq!(
            AuthError::LoginTimeout { seconds: 7 }.to_string(),
            "sign-in timed out after 7 s; nothing was stored"
        );
        assert_eq!(
            AuthError::LoginTimeout { seconds: 7 }.kind(),
            ErrorKind::NotConnected
        );
    }
}
