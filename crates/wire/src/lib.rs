/*!
Serde types for everything that crosses HTTP between oktactl and an Okta org (or the sandbox).

The client crates (`oktactl-auth`, `oktactl-api`) and the sandbox server share these types so
that every field is defined once. They share *types only*, not logic, so the sandbox can still
catch a client bug. Field names follow Okta's wire format (see `shared/okta-reference.md` §2–7
and Okta's management OpenAPI spec).

Main types: [`TokenResponse`], [`OAuthErrorBody`], [`OktaErrorBody`], [`PublicJwk`],
[`JwsHeader`], [`ClientAssertionClaims`], [`DpopProofClaims`], [`AccessTokenClaims`], [`User`].
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod factors;
pub use crate::factors::{
    CredentialDescriptor, FACTOR_TYPE_WEBAUTHN, Factor, FactorEmbedded, FactorEnrollRequest,
    FactorProfile, PROVIDER_FIDO, PubKeyCredParam, RelyingParty, WebAuthnActivateRequest,
    WebAuthnActivation, WebAuthnUser,
};

/// `client_assertion_type` for `private_key_jwt` (RFC 7523 §2.2).
pub const CLIENT_ASSERTION_TYPE_JWT_BEARER: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// JWS `typ` of a DPoP proof (RFC 9449 §4.2).
pub const DPOP_PROOF_TYP: &str = "dpop+jwt";

/// A successful answer of `/oauth2/v1/token` (RFC 6749 §5.1).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenResponse {
    /// The access token (a secret).
    pub access_token: String,
    /// `Bearer` or `DPoP`.
    pub token_type: String,
    /// Lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// Granted scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Refresh token (a secret), with `offline_access`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// OpenID Connect id token (a secret), with `openid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// An OAuth 2.0 error answer (RFC 6749 §5.2), e.g. `invalid_client`, `invalid_dpop_proof`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuthErrorBody {
    /// The error code.
    pub error: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// An Okta management API error answer, e.g. `E0000011` "Invalid token provided".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OktaErrorBody {
    /// Okta error code such as `E0000007`.
    pub error_code: String,
    /// One-line summary.
    pub error_summary: String,
    /// Usually the same as the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_link: Option<String>,
    /// Request-specific id, useful for Okta support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// Details.
    #[serde(default)]
    pub error_causes: Vec<OktaErrorCause>,
}

/// One entry of [`OktaErrorBody::error_causes`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OktaErrorCause {
    /// The cause in words.
    pub error_summary: String,
}

/// A public JSON Web Key (RFC 7517), as published in a JWKS or carried in a DPoP proof header.
///
/// Private members are never part of this type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct PublicJwk {
    /// `RSA` or `EC`.
    pub kty: String,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// `sig`.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// RSA modulus (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA exponent (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC curve: `P-256`, `P-384`, `P-521`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x coordinate (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// A JSON Web Key Set, as served at `/oauth2/v1/keys`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct JwkSet {
    /// The keys.
    pub keys: Vec<PublicJwk>,
}

/// The protected header of a JWS (RFC 7515 §4).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct JwsHeader {
    /// Signature algorithm, e.g. `RS256`, `ES256`.
    pub alg: String,
    /// `JWT` or `dpop+jwt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// Key id of the signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Public key of the signer (DPoP proofs, RFC 9449 §4.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<PublicJwk>,
}

/// Claims of a `private_key_jwt` client assertion (RFC 7523 §3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientAssertionClaims {
    /// The client id.
    pub iss: String,
    /// The client id.
    pub sub: String,
    /// The full URL of the endpoint the assertion is sent to.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Unique id; Okta refuses a second use.
    pub jti: String,
}

/// Claims of a DPoP proof (RFC 9449 §4.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DpopProofClaims {
    /// Unique id of the proof.
    pub jti: String,
    /// HTTP method of the request.
    pub htm: String,
    /// URL of the request, without query and fragment.
    pub htu: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Server-provided nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// base64url(SHA-256(access token)), on resource requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ath: Option<String>,
}

/// Confirmation claim of a DPoP-bound access token (RFC 9449 §6).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Confirmation {
    /// RFC 7638 thumbprint of the DPoP public key.
    pub jkt: String,
}

/// Claims of an access token minted by the org authorization server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessTokenClaims {
    /// Version, `1`.
    pub ver: u32,
    /// Token id, `AT.…`.
    pub jti: String,
    /// The org URL.
    pub iss: String,
    /// The org URL.
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// Client id.
    pub cid: String,
    /// User id, for user tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Granted scopes.
    pub scp: Vec<String>,
    /// Subject: the user's login, or the client id for client credentials.
    pub sub: String,
    /// DPoP binding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// Answer of `/oauth2/v1/introspect` (RFC 7662 §2.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct IntrospectionResponse {
    /// Whether the token is valid.
    pub active: bool,
    /// Granted scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `Bearer` or `DPoP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// DPoP binding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// Authorization server metadata (RFC 8414), served at `/.well-known/oauth-authorization-server`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct AuthorizationServerMetadata {
    /// The org URL.
    pub issuer: String,
    /// `/oauth2/v1/authorize`.
    pub authorization_endpoint: String,
    /// `/oauth2/v1/token`.
    pub token_endpoint: String,
    /// `/oauth2/v1/keys`.
    pub jwks_uri: String,
    /// `/oauth2/v1/revoke`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// `/oauth2/v1/introspect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// `/oauth2/v1/device/authorize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    /// Supported response types.
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    /// Supported grant types.
    #[serde(default)]
    pub grant_types_supported: Vec<String>,
    /// Supported scopes.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    /// Supported client authentication methods.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Algorithms accepted for `private_key_jwt`.
    #[serde(default)]
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// PKCE methods.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// Algorithms accepted in DPoP proofs.
    #[serde(default)]
    pub dpop_signing_alg_values_supported: Vec<String>,
}

/// An Okta user, as returned by `/api/v1/users/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id, `00u…`.
    pub id: String,
    /// `ACTIVE`, `STAGED`, `SUSPENDED`, …
    pub status: String,
    /// ISO 8601 timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the user was activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated: Option<String>,
    /// Last status change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed: Option<String>,
    /// Last sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<String>,
    /// Last update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// Last password change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_changed: Option<String>,
    /// The user's profile.
    pub profile: UserProfile,
    /// HAL links.
    #[serde(default, rename = "_links", skip_serializing_if = "Option::is_none")]
    pub links: Option<Value>,
}

/// The profile part of a [`User`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// Unique login, usually an email address.
    pub login: String,
    /// Primary email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Any other profile attribute.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From Okta's API reference (Users, "Get a user"), trimmed.
    const OKTA_USER: &str = r#"{
      "id": "00ub0oNGTSWTBKOLGLNR",
      "status": "ACTIVE",
      "created": "2013-06-24T16:39:18.000Z",
      "activated": "2013-06-24T16:39:19.000Z",
      "statusChanged": "2013-06-24T16:39:19.000Z",
      "lastLogin": "2013-06-24T17:39:19.000Z",
      "lastUpdated": "2013-07-02T21:36:25.344Z",
      "passwordChanged": "2013-07-02T21:36:25.344Z",
      "profile": {
        "firstName": "Isaac",
        "lastName": "Brock",
        "email": "isaac.brock@example.com",
        "login": "isaac.brock@example.com",
        "mobilePhone": "555-415-1337"
      },
      "_links": {"self": {"href": "https://{yourOktaDomain}/api/v1/users/00ub0oNGTSWTBKOLGLNR"}}
    }"#;

    #[test]
    fn okta_user_fixture_round_trips() {
        let user: User = serde_json::from_str(OKTA_USER).unwrap();
        assert_eq!(user.id, "00ub0oNGTSWTBKOLGLNR");
        assert_eq!(user.profile.login, "isaac.brock@example.com");
        assert_eq!(user.profile.extra["mobilePhone"], "555-415-1337");
        let back = serde_json::to_value(&user).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(OKTA_USER).unwrap());
    }

    #[test]
    fn okta_error_fixture_parses() {
        let body = r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: nobody (User)","errorLink":"E0000007","errorId":"oaeAbC","errorCauses":[]}"#;
        let err: OktaErrorBody = serde_json::from_str(body).unwrap();
        assert_eq!(err.error_code, "E0000007");
        assert!(err.error_summary.starts_with("Not found"));
    }

    #[test]
    fn oauth_error_fixture_parses() {
        let body = r#"{"error":"invalid_dpop_proof","error_description":"The DPoP proof JWT header is missing."}"#;
        let err: OAuthErrorBody = serde_json::from_str(body).unwrap();
        assert_eq!(err.error, "invalid_dpop_proof");
    }

    #[test]
    fn token_response_debug_redacts_secrets() {
        let token = TokenResponse {
            access_token: "eyJsecret-access".into(),
            token_type: "DPoP".into(),
            expires_in: Some(3600),
            scope: Some("okta.users.read".into()),
            refresh_token: Some("refresh-secret".into()),
            id_token: None,
        };
        let printed = format!("{token:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }
}

/// Claims of an OpenID Connect id token (OpenID Connect Core §2), as the org authorization
/// server issues them with the `openid` scope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdTokenClaims {
    /// The org URL.
    pub iss: String,
    /// The user id.
    pub sub: String,
    /// The client id.
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// The `nonce` of the authorization request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The user's login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Answer of `/oauth2/v1/device/authorize` (RFC 8628 §3.2).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceAuthorizationResponse {
    /// The device code (a secret).
    pub device_code: String,
    /// The code the user types.
    pub user_code: String,
    /// Where the user goes.
    pub verification_uri: String,
    /// The same with the user code filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    /// Lifetime of the codes in seconds.
    pub expires_in: u64,
    /// Seconds between polls (default 5, RFC 8628 §3.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
}

impl fmt::Debug for DeviceAuthorizationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorizationResponse")
            .field("device_code", &"[redacted]")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("verification_uri_complete", &self.verification_uri_complete)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish()
    }
}
