//! `private_key_jwt` client assertions (RFC 7523 §3, OpenID Connect Core §9;
//! `shared/okta-reference.md` §2).

use oktactl_jose::SigningKey;
use oktactl_wire::{ClientAssertionClaims, JwsHeader};

use crate::error::AuthError;
use crate::tenant::ClientId;

/// How long an assertion lives. Okta refuses `exp` more than 1 h after `iat`, and a clock a
/// little fast turns "exactly 1 h" into a refusal (okta-sdk-python#382), so stay well below.
pub const ASSERTION_LIFETIME_SECS: i64 = 300;

/// Builds a fresh, signed client assertion for `audience` (the full URL of the endpoint it is
/// sent to). Okta consumes each assertion, so call this for every request, retries included.
pub fn client_assertion(
    key: &SigningKey,
    client_id: &ClientId,
    audience: &str,
    now: i64,
) -> Result<String, AuthError> {
    let claims = client_assertion_claims(client_id, audience, now);
    let header = JwsHeader {
        alg: key.algorithm().as_str().to_string(),
        typ: Some("JWT".to_string()),
        kid: key.kid().map(str::to_string),
        jwk: None,
    };
    key.sign(&header, &claims)
        .map_err(|e| AuthError::key("cannot sign the client assertion", e))
}

fn client_assertion_claims(
    client_id: &ClientId,
    audience: &str,
    now: i64,
) -> ClientAssertionClaims {
    ClientAssertionClaims {
        iss: client_id.to_string(),
        sub: client_id.to_string(),
        aud: audience.to_string(),
        iat: now,
        exp: now + ASSERTION_LIFETIME_SECS,
        jti: oktactl_jose::random_base64url(24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::Tenant;

    #[test]
    fn claims_are_short_lived_and_unique() {
        let tenant = Tenant::parse("example.okta.com").unwrap();
        let id = ClientId::parse("0oakmj8hvxvtvCy3P5d7", &tenant).unwrap();
        let a = client_assertion_claims(&id, "https://example.okta.com/oauth2/v1/token", 1000);
        let b = client_assertion_claims(&id, "https://example.okta.com/oauth2/v1/token", 1000);
        assert_eq!(a.iss, "0oakmj8hvxvtvCy3P5d7");
        assert_eq!(a.sub, a.iss);
        assert_eq!(a.exp - a.iat, 300);
        assert_ne!(a.jti, b.jti);
        assert!(a.jti.len() >= 32);
    }
}
