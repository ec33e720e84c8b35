//! DPoP proofs (RFC 9449 §4) and the key they are signed with (`shared/okta-reference.md` §3).

use oktactl_jose::{KeyKind, SigningKey};
use oktactl_wire::{DPOP_PROOF_TYP, DpopProofClaims, JwsHeader};
use url::Url;

use crate::error::AuthError;
use crate::secret::SecretString;

/// Whether to send DPoP proofs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DpopMode {
    /// Start without; switch on when the server answers `invalid_dpop_proof` (and remember).
    #[default]
    Auto,
    /// Always send proofs (`--dpop`).
    On,
    /// Never send proofs (`--no-dpop`).
    Off,
}

/// The private key DPoP proofs are signed with: fresh per connect, never the client's key
/// (RFC 9449 §11.1; Okta refuses the assertion key). ES256, because P-256 keys are instant to
/// make, unlike the RSA keys the SDKs generate.
#[derive(Clone, Debug)]
pub struct DpopKey {
    key: SigningKey,
}

impl DpopKey {
    /// A fresh ES256 key.
    pub fn generate() -> Result<Self, AuthError> {
        let key = SigningKey::generate(KeyKind::P256)
            .map_err(|e| AuthError::key("cannot make a DPoP key", e))?;
        Ok(DpopKey { key })
    }

    /// Restores a stored key (private JWK JSON).
    pub fn from_stored(jwk: &SecretString) -> Result<Self, AuthError> {
        let key = SigningKey::from_jwk_json(jwk.secret())
            .map_err(|e| AuthError::key("stored DPoP key", e))?;
        Ok(DpopKey { key })
    }

    /// The key as private JWK JSON, for the token store.
    pub fn to_stored(&self) -> SecretString {
        SecretString::new(self.key.to_private_jwk_json())
    }

    /// RFC 7638 thumbprint: the `cnf.jkt` a bound token carries.
    pub fn thumbprint(&self) -> String {
        self.key.thumbprint()
    }

    /// A fresh proof for one request. `url` is the exact URL the HTTP client sends; `htu` is it
    /// without query and fragment (RFC 9449 §4.2), so percent-encoding matches byte for byte
    /// (okta-sdk-python#541). `access_token` adds `ath` for resource requests.
    pub fn proof(
        &self,
        method: &str,
        url: &Url,
        nonce: Option<&str>,
        access_token: Option<&SecretString>,
        now: i64,
    ) -> Result<String, AuthError> {
        let header = JwsHeader {
            alg: self.key.algorithm().as_str().to_string(),
            typ: Some(DPOP_PROOF_TYP.to_string()),
            kid: None,
            jwk: Some(self.key.dpop_jwk()),
        };
        let claims = DpopProofClaims {
            jti: oktactl_jose::random_base64url(24),
            htm: method.to_ascii_uppercase(),
            htu: htu(url),
            iat: now,
            nonce: nonce.map(str::to_string),
            ath: access_token.map(|t| oktactl_jose::sha256_base64url(t.secret().as_bytes())),
        };
        self.key
            .sign(&header, &claims)
            .map_err(|e| AuthError::key("cannot sign the DPoP proof", e))
    }
}

/// The `htu` claim: the request URL without query and fragment.
pub fn htu(url: &Url) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    bare.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_drops_query_and_fragment_but_keeps_encoding() {
        let url = Url::parse("https://example.okta.com/api/v1/users/a%40b.com?limit=2#x").unwrap();
        assert_eq!(htu(&url), "https://example.okta.com/api/v1/users/a%40b.com");
    }
}
