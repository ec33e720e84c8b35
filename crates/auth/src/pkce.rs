//! Proof Key for Code Exchange (RFC 7636): the verifier and its S256 challenge, plus the random
//! `state` and `nonce` values an authorization request carries.

use std::fmt;

use crate::secret::SecretString;

/// RFC 7636 §4.1: "code_verifier = high-entropy cryptographic random STRING using the
/// unreserved characters ... with a minimum length of 43 characters and a maximum length of
/// 128 characters." We use 64 characters (48 random bytes, base64url).
pub const VERIFIER_LEN: usize = 64;

/// A PKCE pair: the secret verifier and the challenge sent in the authorization request.
#[derive(Clone)]
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"[redacted]")
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl Pkce {
    /// A fresh random verifier and its S256 challenge (the only method Okta accepts, reference
    /// §4).
    pub fn new_s256() -> Self {
        Self::from_verifier(oktactl_jose::random_base64url(48))
    }

    /// The pair for a given verifier (for tests and the RFC 7636 Appendix B vector).
    pub fn from_verifier(verifier: impl Into<String>) -> Self {
        let verifier = verifier.into();
        let challenge = oktactl_jose::sha256_base64url(verifier.as_bytes());
        Pkce {
            verifier: SecretString::new(verifier),
            challenge,
        }
    }

    /// The `code_verifier`.
    ///
    /// # Security warning
    /// Sent only to the token endpoint with the code.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }

    /// The `code_challenge` (S256).
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// A random value for `state` or `nonce`: 32 base64url characters, which fit Okta's `state`
/// alphabet `[A-Za-z0-9,._-]` (reference §4).
pub fn random_token() -> String {
    oktactl_jose::random_base64url(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_is_64_unreserved_characters() {
        let pkce = Pkce::new_s256();
        let verifier = pkce.verifier().secret();
        assert_eq!(verifier.len(), VERIFIER_LEN);
        assert!(
            verifier
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        );
        assert_ne!(Pkce::new_s256().challenge(), pkce.challenge());
    }

    #[test]
    fn debug_hides_the_verifier() {
        let pkce = Pkce::new_s256();
        let shown = format!("{pkce:?}");
        assert!(!shown.contains(pkce.verifier().secret()), "{shown}");
    }

    #[test]
    fn state_fits_okta_alphabet() {
        let state = random_token();
        assert_eq!(state.len(), 32);
        assert!(
            state
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ",._-".contains(c))
        );
    }
}
