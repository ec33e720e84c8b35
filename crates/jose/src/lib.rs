/*!
The JOSE pieces oktactl needs, written on RustCrypto: private key import (JWK and PEM), JWS
compact signing and verification (RS256/384/512, ES256/384/512), public JWKs and RFC 7638
thumbprints.

Why not `jsonwebtoken`: it cannot build a signing key from a private JWK, has no ES512, rejects
SEC1 PEM and panics at run time unless exactly one backend feature is chosen
(`shared/dependency-notes.md`, "JOSE"). The JWS compact form is small enough to write directly.

Main types: [`SigningKey`] (private), [`VerifyingKey`] (public), [`Algorithm`], [`JoseError`].
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oktactl_wire::{JwsHeader, PublicJwk};
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};

mod jwk;
mod jws;
mod key;
mod pem;
#[cfg(test)]
mod testdata;

pub use crate::jws::VerifyingKey;
pub use crate::key::SigningKey;

/// A JWS signature algorithm oktactl can sign and verify with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// ECDSA P-521 with SHA-512.
    ES512,
}

impl Algorithm {
    /// The JOSE name, e.g. `"RS256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
        }
    }

    /// Parses a JOSE name; `None` for anything else (including `none` and HMAC algorithms).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "ES512" => Algorithm::ES512,
            _ => return None,
        })
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of key [`SigningKey::generate`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An EC P-256 key (signs ES256).
    P256,
    /// An EC P-384 key (signs ES384).
    P384,
    /// An EC P-521 key (signs ES512).
    P521,
    /// An RSA key of this many bits (signs RS256).
    Rsa {
        /// Modulus size; at least 2048.
        bits: usize,
    },
}

/// Everything that can go wrong importing keys, signing or verifying.
///
/// Messages are one lowercase line and never contain key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoseError {
    /// The JWK text is not a JSON object, e.g. `not-json`.
    #[error("the JSON Web Key is not valid JSON: {reason}")]
    JwkNotJson {
        /// What the JSON parser said.
        reason: String,
    },
    /// The JWK lacks a member it needs, e.g. an RSA key without `n`.
    #[error("the JSON Web Key has no `{field}` member")]
    JwkMissingField {
        /// The member name.
        field: &'static str,
    },
    /// The JWK has only public members (no `d`).
    #[error("the JSON Web Key is public only (no `d` member): the private key is needed to sign")]
    JwkPublicOnly,
    /// `kty` is neither `RSA` nor `EC`, e.g. `oct` or `OKP`.
    #[error("unsupported key type `kty: {kty}`: expected RSA or EC")]
    UnsupportedKeyType {
        /// The `kty` found.
        kty: String,
    },
    /// `crv` is not P-256, P-384 or P-521, e.g. `secp256k1`.
    #[error("unsupported curve `crv: {crv}`: expected P-256, P-384 or P-521")]
    UnsupportedCurve {
        /// The `crv` found.
        crv: String,
    },
    /// A JWK member is not valid base64url or not a valid number/point.
    #[error("the JSON Web Key member `{field}` is invalid: {reason}")]
    JwkInvalidField {
        /// The member name.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The public members (`n`/`e` or `x`/`y`) do not belong to the private part.
    #[error("the JSON Web Key's public members do not match its private key")]
    JwkInconsistent,
    /// An RSA key below 2048 bits.
    #[error("the RSA key has {bits} bits: Okta requires at least 2048")]
    RsaKeyTooSmall {
        /// The modulus size found.
        bits: usize,
    },
    /// The JWK's `alg` does not fit the key, e.g. `ES256` on an RSA key.
    #[error("the key's `alg` {alg} does not fit a {kty} key")]
    AlgorithmMismatch {
        /// The `alg` found.
        alg: String,
        /// The key type.
        kty: String,
    },
    /// The PEM holds a certificate, not a private key.
    #[error("the PEM file holds a certificate, not a private key")]
    PemIsCertificate,
    /// The PEM holds an encrypted private key.
    #[error(
        "the PEM private key is encrypted: decrypt it first (openssl pkcs8 -in key.pem -out plain.pem)"
    )]
    PemEncrypted,
    /// The PEM holds only a public key.
    #[error("the PEM file holds a public key, not a private key")]
    PemPublicKey,
    /// The text is not PEM, or the block cannot be parsed.
    #[error("the PEM private key cannot be read: {reason}")]
    PemInvalid {
        /// Why.
        reason: String,
    },
    /// Key generation or signing failed inside the crypto library.
    #[error("signing failed: {reason}")]
    Signing {
        /// Why.
        reason: String,
    },
    /// The token is not a three-part JWS compact serialization with JSON header and claims.
    #[error("malformed JWT: {reason}")]
    MalformedJws {
        /// Why.
        reason: String,
    },
    /// The header's `alg` is unknown, `none`, or not the verifying key's algorithm family.
    #[error("unsupported or unexpected JWS algorithm `{alg}`")]
    UnexpectedAlgorithm {
        /// The `alg` found.
        alg: String,
    },
    /// The signature does not verify.
    #[error("the JWT signature is invalid")]
    BadSignature,
}

/// Decodes header and claims of a JWS compact serialization *without* verifying it (to find the
/// `kid`, the `jwk` of a DPoP proof, or the client id of an assertion before choosing a key).
pub fn decode_unverified<C: DeserializeOwned>(token: &str) -> Result<(JwsHeader, C), JoseError> {
    jws::decode_unverified(token)
}

/// RFC 7638 SHA-256 thumbprint of a public JWK, base64url without padding.
///
/// Only the required members enter the hash (RSA: `e`, `kty`, `n`; EC: `crv`, `kty`, `x`, `y`),
/// taken as they are written in `jwk`.
pub fn jwk_thumbprint(jwk: &PublicJwk) -> Result<String, JoseError> {
    jwk::thumbprint(jwk)
}

/// base64url (no padding) of SHA-256 of `data`: the DPoP `ath` claim (RFC 9449 §4.2) and the
/// PKCE S256 challenge (RFC 7636 §4.2).
pub fn sha256_base64url(data: &[u8]) -> String {
    base64url(&Sha256::digest(data))
}

/// base64url without padding.
pub fn base64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// `n` random bytes from the OS, base64url encoded: for `jti`, `state`, PKCE verifiers.
///
/// # Panics
/// When the operating system cannot provide random bytes at all (see
/// [`try_random_base64url`]). A predictable `jti`, `state` or PKCE verifier would be a security
/// hole, and this signature has no error to return, so failing closed is the only safe choice.
pub fn random_base64url(n: usize) -> String {
    // getrandom fails only when the OS has no usable entropy source (no getrandom(2) and no
    // /dev/urandom); nothing sensible can continue then, see the doc comment above.
    #[allow(clippy::expect_used)]
    try_random_base64url(n).expect("the operating system random number generator failed")
}

/// Like [`random_base64url`], but returns the OS random number generator's failure instead of
/// panicking.
pub fn try_random_base64url(n: usize) -> Result<String, JoseError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|error| JoseError::Signing {
        reason: format!("the operating system random number generator failed: {error}"),
    })?;
    Ok(base64url(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        // RFC 7636 Appendix B: this verifier hashes to this S256 challenge.
        assert_eq!(
            sha256_base64url(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn ath_matches_rfc_9449_example() {
        // RFC 9449 §7.1: the example access token and its `ath`.
        assert_eq!(
            sha256_base64url(b"Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn base64url_has_no_padding_and_url_alphabet() {
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url(b""), "");
    }

    #[test]
    fn random_base64url_has_expected_length_and_differs() {
        let a = random_base64url(32);
        let b = random_base64url(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(random_base64url(0), "");
    }

    #[test]
    fn unserializable_claims_fail_with_signing_error() {
        // serde_json refuses maps with non-string keys.
        let claims: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let key = SigningKey::generate(KeyKind::P256).unwrap();
        let error = key.sign(&JwsHeader::default(), &claims).unwrap_err();
        assert!(matches!(error, JoseError::Signing { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("signing failed: the claims cannot be serialized as JSON: "),
            "{error}"
        );
    }

    #[test]
    fn every_error_variant_formats_as_one_lowercase_line() {
        let errors = [
            JoseError::JwkNotJson {
                reason: "expected value at line 1 column 1".into(),
            },
            JoseError::JwkMissingField { field: "n" },
            JoseError::JwkPublicOnly,
            JoseError::UnsupportedKeyType { kty: "oct".into() },
            JoseError::UnsupportedCurve {
                crv: "secp256k1".into(),
            },
            JoseError::JwkInvalidField {
                field: "d",
                reason: "not base64url".into(),
            },
            JoseError::JwkInconsistent,
            JoseError::RsaKeyTooSmall { bits: 1024 },
            JoseError::AlgorithmMismatch {
                alg: "ES256".into(),
                kty: "RSA".into(),
            },
            JoseError::PemIsCertificate,
            JoseError::PemEncrypted,
            JoseError::PemPublicKey,
            JoseError::PemInvalid {
                reason: "no PEM block found".into(),
            },
            JoseError::Signing {
                reason: "rng failed".into(),
            },
            JoseError::MalformedJws {
                reason: "expected 3 dot-separated parts".into(),
            },
            JoseError::UnexpectedAlgorithm { alg: "none".into() },
            JoseError::BadSignature,
        ];
        for error in errors {
            let message = error.to_string();
            assert!(!message.contains('\n'), "{message}");
            assert!(!message.ends_with('.'), "{message}");
            assert!(message.starts_with(|c: char| c.is_lowercase()), "{message}");
        }
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::ES512,
        ] {
            assert_eq!(Algorithm::from_name(alg.as_str()), Some(alg));
            assert_eq!(alg.to_string(), alg.as_str());
        }
        for name in ["none", "HS256", "PS256", "EdDSA", "rs256", ""] {
            assert_eq!(Algorithm::from_name(name), None, "{name}");
        }
    }
}
