//! Client authentication at the token, revocation and introspection endpoints:
//! `private_key_jwt` (RFC 7523 §2.2 and §3, OpenID Connect Core §9), `client_secret_post` and
//! `client_secret_basic` (RFC 6749 §2.3.1), and public clients (`none`).
//!
//! Error texts are Okta's (reference §2).

use axum::http::{HeaderMap, header};
use base64::Engine;
use oktactl_jose::Algorithm;
use oktactl_wire::CLIENT_ASSERTION_TYPE_JWT_BEARER;
use serde_json::Value;

use crate::config::AuthMethod;
use crate::oauth::form::Form;
use crate::responses::OAuthError;
use crate::state::{AppState, RegisteredApp};

/// Okta refuses an assertion whose `exp` is more than an hour ahead (reference §2).
const MAX_ASSERTION_LIFETIME_SECONDS: i64 = 3600;

const CLIENT_AUTH_FAILED: &str =
    "Client authentication failed. Either the client or the client credentials are invalid.";
const UNKNOWN_CLIENT: &str = "Invalid value for 'client_id' parameter.";
const WRONG_SECRET: &str = "Invalid value for 'client_secret' parameter.";

/// A client that proved who it is.
pub(crate) struct AuthenticatedClient<'a> {
    /// The app, with its parsed keys.
    pub app: &'a RegisteredApp,
    /// How it authenticated.
    pub method: AuthMethod,
}

impl AuthenticatedClient<'_> {
    pub(crate) fn client_id(&self) -> &str {
        &self.app.config.client_id
    }
}

/// Authenticates the client of a request whose assertions must name `audience` (the full URL
/// of the endpoint). A valid assertion's `jti` is consumed here, before any later check of the
/// request can fail: Okta does the same, e.g. on `use_dpop_nonce` (reference §3).
pub(crate) fn authenticate<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    form: &Form,
    audience: &str,
) -> Result<AuthenticatedClient<'a>, OAuthError> {
    if let Some(assertion) = form.get("client_assertion") {
        return private_key_jwt(state, form, assertion, audience);
    }
    if form.get("client_assertion_type").is_some() {
        return Err(OAuthError::invalid_request(
            "The 'client_assertion' parameter is required.",
        ));
    }
    if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        let (client_id, secret) = basic_credentials(authorization.as_bytes())
            .ok_or_else(|| OAuthError::invalid_client(CLIENT_AUTH_FAILED))?;
        if form.get("client_id").is_some_and(|id| id != client_id) {
            return Err(OAuthError::invalid_client(CLIENT_AUTH_FAILED));
        }
        return client_secret(state, &client_id, &secret, AuthMethod::ClientSecretBasic);
    }
    let client_id = form
        .get("client_id")
        .ok_or_else(|| OAuthError::invalid_client(CLIENT_AUTH_FAILED))?;
    if let Some(secret) = form.get("client_secret") {
        return client_secret(state, client_id, secret, AuthMethod::ClientSecretPost);
    }
    let app = state
        .apps
        .get(client_id)
        .ok_or_else(|| OAuthError::invalid_client(UNKNOWN_CLIENT))?;
    if app.config.token_endpoint_auth_method != AuthMethod::None {
        return Err(OAuthError::invalid_client(CLIENT_AUTH_FAILED));
    }
    Ok(AuthenticatedClient {
        app,
        method: AuthMethod::None,
    })
}

fn client_secret<'a>(
    state: &'a AppState,
    client_id: &str,
    secret: &str,
    method: AuthMethod,
) -> Result<AuthenticatedClient<'a>, OAuthError> {
    let app = state
        .apps
        .get(client_id)
        .ok_or_else(|| OAuthError::invalid_client(UNKNOWN_CLIENT))?;
    let uses_secret = matches!(
        app.config.token_endpoint_auth_method,
        AuthMethod::ClientSecretPost | AuthMethod::ClientSecretBasic
    );
    if !uses_secret {
        return Err(OAuthError::invalid_client(CLIENT_AUTH_FAILED));
    }
    let expected = app.config.client_secret.as_deref().unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), secret.as_bytes()) {
        return Err(OAuthError::invalid_client(WRONG_SECRET));
    }
    Ok(AuthenticatedClient { app, method })
}

fn private_key_jwt<'a>(
    state: &'a AppState,
    form: &Form,
    assertion: &str,
    audience: &str,
) -> Result<AuthenticatedClient<'a>, OAuthError> {
    if form.get("client_assertion_type") != Some(CLIENT_ASSERTION_TYPE_JWT_BEARER) {
        return Err(OAuthError::invalid_client(format!(
            "The 'client_assertion_type' parameter must be '{CLIENT_ASSERTION_TYPE_JWT_BEARER}'."
        )));
    }
    let malformed = || OAuthError::invalid_client("The client_assertion token is malformed.");
    let (header, claims) =
        oktactl_jose::decode_unverified::<Value>(assertion).map_err(|_| malformed())?;
    let issuer = claims.get("iss").and_then(Value::as_str);
    let client_id = match (form.get("client_id"), issuer) {
        (Some(param), Some(iss)) if param != iss => {
            return Err(OAuthError::invalid_client(
                "The client_id parameter does not match the issuer of the client_assertion.",
            ));
        }
        (Some(param), _) => param,
        (None, Some(iss)) => iss,
        (None, None) => return Err(OAuthError::invalid_client(UNKNOWN_CLIENT)),
    };
    let app = state
        .apps
        .get(client_id)
        .ok_or_else(|| OAuthError::invalid_client(UNKNOWN_CLIENT))?;
    if app.config.token_endpoint_auth_method != AuthMethod::PrivateKeyJwt {
        return Err(OAuthError::invalid_client(CLIENT_AUTH_FAILED));
    }
    if Algorithm::from_name(&header.alg).is_none() {
        return Err(OAuthError::invalid_client(
            "The client_assertion token has an unsupported signing algorithm.",
        ));
    }
    verify_signature(app, header.kid.as_deref(), assertion)?;

    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(client_id) || text("sub") != Some(client_id) {
        return Err(OAuthError::invalid_client(
            "The issuer and subject claims of the client_assertion must be the client_id.",
        ));
    }
    if !audience_matches(claims.get("aud"), audience) {
        return Err(OAuthError::invalid_client(
            "The audience claim for client_assertion must be the endpoint invoking the \
             client_assertion.",
        ));
    }
    let now = state.now();
    let exp = claims.get("exp").and_then(numeric_date).ok_or_else(|| {
        OAuthError::invalid_client("The client_assertion token must contain an 'exp' claim.")
    })?;
    if exp <= now {
        return Err(OAuthError::invalid_client(
            "The client_assertion token is expired.",
        ));
    }
    let iat = claims.get("iat").and_then(numeric_date);
    // Okta measures "too far" from its own clock, so an `exp` of exactly iat + 1 h fails from a
    // client whose clock runs slightly fast (reference §2).
    let too_far = exp > now + MAX_ASSERTION_LIFETIME_SECONDS
        || iat.is_some_and(|iat| exp > iat + MAX_ASSERTION_LIFETIME_SECONDS);
    if too_far {
        return Err(OAuthError::invalid_client(
            "The client_assertion token has an expiration too far into the future.",
        ));
    }
    let jti = text("jti").filter(|jti| !jti.is_empty()).ok_or_else(|| {
        OAuthError::invalid_client("The client_assertion token must contain a 'jti' claim.")
    })?;
    if !state.consume_assertion_jti(client_id, jti, exp) {
        return Err(OAuthError::invalid_client(
            "The client_assertion token has already been used.",
        ));
    }
    Ok(AuthenticatedClient {
        app,
        method: AuthMethod::PrivateKeyJwt,
    })
}

/// Verifies the assertion with the registered key named by `kid`, or else with each key in turn.
fn verify_signature(
    app: &RegisteredApp,
    kid: Option<&str>,
    assertion: &str,
) -> Result<(), OAuthError> {
    let by_kid: Vec<_> = app
        .keys
        .iter()
        .filter(|(key_id, _)| kid.is_some() && key_id.as_deref() == kid)
        .collect();
    let candidates = if by_kid.is_empty() {
        app.keys.iter().collect()
    } else {
        by_kid
    };
    let verified = candidates
        .iter()
        .any(|(_, key)| key.verify::<Value>(assertion).is_ok());
    if verified {
        Ok(())
    } else {
        Err(OAuthError::invalid_client(
            "The client_assertion signature is invalid.",
        ))
    }
}

/// `aud` must be exactly the endpoint URL; a one-element array holding it is the same claim
/// (RFC 7519 §4.1.3).
fn audience_matches(aud: Option<&Value>, expected: &str) -> bool {
    match aud {
        Some(Value::String(aud)) => aud == expected,
        Some(Value::Array(items)) => items.len() == 1 && items[0].as_str() == Some(expected),
        _ => false,
    }
}

/// A JWT NumericDate (RFC 7519 §2): seconds, possibly fractional.
pub(crate) fn numeric_date(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|seconds| seconds.is_finite() && seconds.abs() < 1e15)
            .map(|seconds| seconds as i64)
    })
}

/// Decodes `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(value: &[u8]) -> Option<(String, String)> {
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// Compares secrets without stopping at the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_url_decoded() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("0oa1:s%3Acret+x");
        let parsed = basic_credentials(format!("Basic {encoded}").as_bytes()).unwrap();
        assert_eq!(parsed, ("0oa1".to_owned(), "s:cret x".to_owned()));
        assert!(basic_credentials(b"Basic !!!").is_none());
        assert!(basic_credentials(b"Bearer abc").is_none());
    }

    #[test]
    fn audience_must_be_exact() {
        let url = "http://127.0.0.1:1/oauth2/v1/token";
        assert!(audience_matches(Some(&Value::from(url)), url));
        assert!(audience_matches(Some(&serde_json::json!([url])), url));
        assert!(!audience_matches(
            Some(&Value::from(format!("{url}/"))),
            url
        ));
        assert!(!audience_matches(Some(&serde_json::json!([url, "x"])), url));
        assert!(!audience_matches(None, url));
    }

    #[test]
    fn numeric_dates_accept_fractions() {
        assert_eq!(numeric_date(&serde_json::json!(10)), Some(10));
        assert_eq!(numeric_date(&serde_json::json!(10.7)), Some(10));
        assert_eq!(numeric_date(&serde_json::json!("10")), None);
        assert_eq!(numeric_date(&serde_json::json!(1e300)), None);
    }
}
