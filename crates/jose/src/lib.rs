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

use oktactl_wire::{JwsHeader, PublicJwk};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
    #[error("the PEM private key is encrypted: decrypt it first (openssl pkcs8 -in key.pem -out plain.pem)")]
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

/// A private signing key (RSA or EC) with its algorithm and optional key id.
///
/// `Debug` prints only the algorithm and `kid`, never key material.
#[derive(Clone)]
pub struct SigningKey {
    _private: (),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("kid", &self.kid())
            .field("key", &"[redacted]")
            .finish()
    }
}

impl SigningKey {
    /// Imports a private JWK (RFC 7517/7518 §6): RSA (`n`,`e`,`d`, CRT members derived when
    /// missing) or EC (`crv`,`x`,`y`,`d`). Checks that public and private parts match, refuses
    /// RSA below 2048 bits, and honours an `alg` member (RS384 etc.) when it fits the key.
    pub fn from_jwk_json(json: &str) -> Result<Self, JoseError> {
        let _ = json;
        unimplemented!("filled in by the jose implementation")
    }

    /// Imports a PEM private key: `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1, a leading
    /// `EC PARAMETERS` block tolerated) or `PRIVATE KEY` (PKCS#8, RSA or EC). Certificates,
    /// public keys and encrypted keys are refused with their own error.
    pub fn from_pem(pem: &str) -> Result<Self, JoseError> {
        let _ = pem;
        unimplemented!("filled in by the jose implementation")
    }

    /// Generates a fresh key (used for DPoP keys and the sandbox's own keys).
    pub fn generate(kind: KeyKind) -> Result<Self, JoseError> {
        let _ = kind;
        unimplemented!("filled in by the jose implementation")
    }

    /// Returns the key with this `kid` set (the sandbox names its generated keys).
    pub fn with_kid(self, kid: impl Into<String>) -> Self {
        let _ = kid.into();
        unimplemented!("filled in by the jose implementation")
    }

    /// The algorithm this key signs with: RS256 (or the JWK's RS384/RS512), ES256/384/512 by
    /// curve.
    pub fn algorithm(&self) -> Algorithm {
        unimplemented!("filled in by the jose implementation")
    }

    /// The key id, when the JWK had one (or [`SigningKey::with_kid`] set one).
    pub fn kid(&self) -> Option<&str> {
        unimplemented!("filled in by the jose implementation")
    }

    /// The public half as a JWK, with `kid` and `alg` (and `use: sig`).
    pub fn public_jwk(&self) -> PublicJwk {
        unimplemented!("filled in by the jose implementation")
    }

    /// The public half as a JWK with only the members a DPoP proof header needs (RFC 9449
    /// §4.2: no private members; we also leave out `kid`, `alg` and `use`).
    pub fn dpop_jwk(&self) -> PublicJwk {
        unimplemented!("filled in by the jose implementation")
    }

    /// RFC 7638 SHA-256 thumbprint of the public key, base64url without padding.
    pub fn thumbprint(&self) -> String {
        unimplemented!("filled in by the jose implementation")
    }

    /// The private key as JWK JSON (all members, including `kid`/`alg`), for storage in a
    /// secret store or a 0600 file. The result is secret.
    pub fn to_private_jwk_json(&self) -> String {
        unimplemented!("filled in by the jose implementation")
    }

    /// The private key as PKCS#8 PEM (`PRIVATE KEY`). The result is secret.
    pub fn to_pkcs8_pem(&self) -> Result<String, JoseError> {
        unimplemented!("filled in by the jose implementation")
    }

    /// Signs `claims` as a JWS compact serialization. `header.alg` is overwritten with
    /// [`SigningKey::algorithm`]; everything else in `header` is kept as given.
    pub fn sign<C: Serialize>(&self, header: &JwsHeader, claims: &C) -> Result<String, JoseError> {
        let _ = (header, serde_json::to_value(claims));
        unimplemented!("filled in by the jose implementation")
    }
}

/// A public key that verifies JWS signatures.
#[derive(Debug, Clone)]
pub struct VerifyingKey {
    _private: (),
}

impl VerifyingKey {
    /// Imports a public JWK (RSA or EC). RSA below 2048 bits is refused.
    pub fn from_jwk(jwk: &PublicJwk) -> Result<Self, JoseError> {
        let _ = jwk;
        unimplemented!("filled in by the jose implementation")
    }

    /// Verifies `token` (JWS compact) against this key and returns its header and claims.
    /// The header's `alg` must be one this key can verify (e.g. RS256/384/512 for RSA, the
    /// curve's ES algorithm for EC); `none` and HMAC are refused.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<(JwsHeader, C), JoseError> {
        let _ = token;
        unimplemented!("filled in by the jose implementation")
    }
}

/// Decodes header and claims of a JWS compact serialization *without* verifying it (to find the
/// `kid`, the `jwk` of a DPoP proof, or the client id of an assertion before choosing a key).
pub fn decode_unverified<C: DeserializeOwned>(token: &str) -> Result<(JwsHeader, C), JoseError> {
    let _ = token;
    unimplemented!("filled in by the jose implementation")
}

/// RFC 7638 SHA-256 thumbprint of a public JWK, base64url without padding.
pub fn jwk_thumbprint(jwk: &PublicJwk) -> Result<String, JoseError> {
    let _ = jwk;
    unimplemented!("filled in by the jose implementation")
}

/// base64url (no padding) of SHA-256 of `data`: the DPoP `ath` claim (RFC 9449 §4.2) and the
/// PKCE S256 challenge (RFC 7636 §4.2).
pub fn sha256_base64url(data: &[u8]) -> String {
    let _ = data;
    unimplemented!("filled in by the jose implementation")
}

/// base64url without padding.
pub fn base64url(data: &[u8]) -> String {
    let _ = data;
    unimplemented!("filled in by the jose implementation")
}

/// `n` random bytes from the OS, base64url encoded: for `jti`, `state`, PKCE verifiers.
pub fn random_base64url(n: usize) -> String {
    let _ = n;
    unimplemented!("filled in by the jose implementation")
}
