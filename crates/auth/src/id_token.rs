//! Validation of the OpenID Connect id token that comes with the `openid` scope (OpenID Connect
//! Core §3.1.3.7): signature with a key from `/oauth2/v1/keys`, `iss`, `aud`, `nonce`, expiry.
//! One [`IdTokenError`] variant per failed check, as openidconnect-rs does.

use oktactl_jose::VerifyingKey;
use oktactl_wire::{JwkSet, JwsHeader};
use serde_json::Value;

use crate::error::AuthError;
use crate::http::HttpClient;
use crate::tenant::{ClientId, Tenant};

/// Clock leeway for `exp` and `iat`, in seconds.
pub const LEEWAY_SECS: i64 = 120;

/// Why an id token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not a JWS compact token with JSON claims.
    #[error("the id token is malformed: {reason}")]
    Malformed {
        /// Why.
        reason: String,
    },
    /// The header's `alg` is not RS256 (the org authorization server signs with RS256).
    #[error("the id token is signed with {alg}; expected RS256")]
    UnexpectedAlgorithm {
        /// The `alg` found.
        alg: String,
    },
    /// No key in `/oauth2/v1/keys` has the token's `kid`.
    #[error("no key '{kid}' in the org's signing keys")]
    UnknownKey {
        /// The `kid` of the token (or `(none)`).
        kid: String,
    },
    /// The signature does not verify with the named key.
    #[error("the id token signature does not verify")]
    SignatureVerification,
    /// `iss` is not the org.
    #[error("the id token issuer is '{got}'; expected '{expected}'")]
    InvalidIssuer {
        /// The org URL.
        expected: String,
        /// The `iss` found.
        got: String,
    },
    /// `aud` does not name this app.
    #[error("the id token audience is {got}; expected '{expected}'")]
    InvalidAudience {
        /// The client id.
        expected: String,
        /// The `aud` found.
        got: String,
    },
    /// `nonce` is missing or not the one this sign-in sent (a replayed token).
    #[error("the id token nonce does not match this sign-in")]
    InvalidNonce,
    /// `exp` has passed.
    #[error("the id token expired at {exp} (now {now})")]
    Expired {
        /// The `exp` claim.
        exp: i64,
        /// The local clock.
        now: i64,
    },
}

/// Fetches the org's keys and validates `id_token` (see [`verify_id_token`]).
pub async fn validate_id_token(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    id_token: &str,
    nonce: Option<&str>,
    now: i64,
) -> Result<Value, AuthError> {
    let url = tenant.endpoint("/oauth2/v1/keys");
    let answer = http
        .send_expecting_success(
            &url,
            http.inner().get(&url).header("Accept", "application/json"),
        )
        .await?;
    let (status, body) = (answer.status, answer.body);
    let keys: JwkSet =
        serde_json::from_slice(&body).map_err(|e| AuthError::UnexpectedResponse {
            url: url.clone(),
            status,
            detail: Some(format!("the key set is not valid JSON: {e}")),
        })?;
    Ok(verify_id_token(
        id_token,
        &keys,
        &tenant.base_url(),
        client_id.as_str(),
        nonce,
        now,
    )?)
}

/// Checks signature, issuer, audience, nonce (when the request sent one; the device flow has
/// none) and expiry; returns the claims.
pub fn verify_id_token(
    id_token: &str,
    keys: &JwkSet,
    issuer: &str,
    client_id: &str,
    nonce: Option<&str>,
    now: i64,
) -> Result<Value, IdTokenError> {
    let (header, _) = oktactl_jose::decode_unverified::<Value>(id_token).map_err(|e| {
        IdTokenError::Malformed {
            reason: e.to_string(),
        }
    })?;
    let header: JwsHeader = header;
    if header.alg != "RS256" {
        return Err(IdTokenError::UnexpectedAlgorithm { alg: header.alg });
    }
    let kid = header.kid.clone().unwrap_or_else(|| "(none)".into());
    let jwk = keys
        .keys
        .iter()
        .find(|k| k.kid.is_some() && k.kid == header.kid)
        .ok_or(IdTokenError::UnknownKey { kid })?;
    let key = VerifyingKey::from_jwk(jwk).map_err(|_| IdTokenError::SignatureVerification)?;
    let (_, claims): (JwsHeader, Value) = key
        .verify(id_token)
        .map_err(|_| IdTokenError::SignatureVerification)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    let iss = text("iss").unwrap_or_default();
    if iss.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(IdTokenError::InvalidIssuer {
            expected: issuer.to_string(),
            got: iss,
        });
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client_id,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if !audience_ok {
        return Err(IdTokenError::InvalidAudience {
            expected: client_id.to_string(),
            got: claims
                .get("aud")
                .map(Value::to_string)
                .unwrap_or_else(|| "(none)".into()),
        });
    }
    let nonce_ok = match nonce {
        Some(expected) => text("nonce").is_some_and(|n| n == expected),
        None => true,
    };
    if !nonce_ok {
        return Err(IdTokenError::InvalidNonce);
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp + LEEWAY_SECS <= now {
        return Err(IdTokenError::Expired { exp, now });
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use oktactl_jose::{KeyKind, SigningKey};
    use oktactl_wire::IdTokenClaims;

    use super::*;

    const ISS: &str = "https://example.okta.com";
    const AUD: &str = "0oasandboxnative0001";

    fn key() -> SigningKey {
        use std::sync::OnceLock;
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| {
            SigningKey::generate(KeyKind::Rsa { bits: 2048 })
                .unwrap()
                .with_kid("k1")
        })
        .clone()
    }

    fn token(edit: impl FnOnce(&mut IdTokenClaims)) -> String {
        let mut claims = IdTokenClaims {
            iss: ISS.into(),
            sub: "00u1".into(),
            aud: AUD.into(),
            iat: 1000,
            exp: 4600,
            nonce: Some("n-1".into()),
            preferred_username: None,
            name: None,
        };
        edit(&mut claims);
        let header = JwsHeader {
            alg: "RS256".into(),
            kid: Some("k1".into()),
            ..JwsHeader::default()
        };
        key().sign(&header, &claims).unwrap()
    }

    fn keys() -> JwkSet {
        JwkSet {
            keys: vec![key().public_jwk()],
        }
    }

    fn check(token: &str) -> Result<Value, IdTokenError> {
        verify_id_token(token, &keys(), ISS, AUD, Some("n-1"), 2000)
    }

    #[test]
    fn valid_token_passes() {
        let claims = check(&token(|_| {})).unwrap();
        assert_eq!(claims["sub"], "00u1");
    }

    #[test]
    fn rp_id_token_iss() {
        let err = check(&token(|c| c.iss = "https://evil.okta.com".into())).unwrap_err();
        assert!(matches!(err, IdTokenError::InvalidIssuer { .. }), "{err}");
    }

    #[test]
    fn rp_id_token_aud() {
        let err = check(&token(|c| c.aud = "0oaother".into())).unwrap_err();
        assert!(matches!(err, IdTokenError::InvalidAudience { .. }), "{err}");
    }

    #[test]
    fn rp_nonce_invalid() {
        let err = check(&token(|c| c.nonce = Some("other".into()))).unwrap_err();
        assert_eq!(err, IdTokenError::InvalidNonce);
        let err = check(&token(|c| c.nonce = None)).unwrap_err();
        assert_eq!(err, IdTokenError::InvalidNonce);
    }

    #[test]
    fn rp_id_token_expired() {
        let err = check(&token(|c| c.exp = 1500)).unwrap_err();
        assert!(matches!(err, IdTokenError::Expired { .. }), "{err}");
    }

    #[test]
    fn rp_id_token_sig() {
        let good = token(|_| {});
        let mut parts: Vec<&str> = good.split('.').collect();
        let other = token(|c| c.sub = "00u2".into());
        let other_claims = other.split('.').nth(1).unwrap().to_string();
        parts[1] = &other_claims;
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            good.split('.').nth(2).unwrap()
        );
        assert_eq!(
            check(&forged).unwrap_err(),
            IdTokenError::SignatureVerification
        );
        assert!(matches!(
            check("a.b").unwrap_err(),
            IdTokenError::Malformed { .. }
        ));
    }

    #[test]
    fn rp_id_token_kid_unknown() {
        let err = verify_id_token(
            &token(|_| {}),
            &JwkSet { keys: vec![] },
            ISS,
            AUD,
            Some("n-1"),
            2000,
        )
        .unwrap_err();
        assert!(matches!(err, IdTokenError::UnknownKey { .. }), "{err}");
    }
}
