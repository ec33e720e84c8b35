//! The org authorization server (`/oauth2/v1/*`, reference §1): discovery, the client
//! credentials grant with `private_key_jwt` and DPoP, revocation and introspection; and for
//! people (reference §4–5) the sign-in page, the authorization code, refresh token and device
//! grants, and the device activation page.

pub(crate) mod access_token;
pub(crate) mod authorize;
pub(crate) mod client_auth;
pub(crate) mod device;
pub(crate) mod dpop;
pub(crate) mod form;
pub(crate) mod metadata;
pub(crate) mod pages;
pub(crate) mod revoke;
pub(crate) mod token;
pub(crate) mod user_grants;
pub(crate) mod user_ledger;

/// The token endpoint's path; assertions and token-request proofs name `<base_url>` + this.
pub(crate) const TOKEN_PATH: &str = "/oauth2/v1/token";
/// The revocation endpoint's path.
pub(crate) const REVOKE_PATH: &str = "/oauth2/v1/revoke";
/// The introspection endpoint's path.
pub(crate) const INTROSPECT_PATH: &str = "/oauth2/v1/introspect";
/// The signing keys' path.
pub(crate) const KEYS_PATH: &str = "/oauth2/v1/keys";
/// The authorization endpoint's path.
pub(crate) const AUTHORIZE_PATH: &str = "/oauth2/v1/authorize";
/// The device authorization endpoint's path (RFC 8628 §3.1).
pub(crate) const DEVICE_AUTHORIZE_PATH: &str = "/oauth2/v1/device/authorize";
/// The device verification page (RFC 8628 §3.3).
pub(crate) const ACTIVATE_PATH: &str = "/activate";
