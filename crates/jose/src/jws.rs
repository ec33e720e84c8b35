//! JWS compact serialization parsing and verification (RFC 7515 §5.2 and §7.1, RFC 7518 §3.3
//! and §3.4), and [`VerifyingKey`].

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oktactl_wire::{JwsHeader, PublicJwk};
use rsa::traits::PublicKeyParts as _;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};
use signature::Verifier as _;

use crate::jwk::{self, Curve};
use crate::key::rsa_bits;
use crate::{Algorithm, JoseError, base64url, sha256_base64url};

/// A public key that verifies JWS signatures.
#[derive(Clone)]
pub struct VerifyingKey {
    material: PublicMaterial,
    kid: Option<String>,
}

/// The public key itself.
#[derive(Clone)]
pub(crate) enum PublicMaterial {
    /// Boxed to keep the enum small.
    Rsa(Box<rsa::PublicKey>),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.material {
            PublicMaterial::Rsa(key) => format!("RSA {}", rsa_bits(key.as_ref())),
            PublicMaterial::P256(_) => "EC P-256".to_owned(),
            PublicMaterial::P384(_) => "EC P-384".to_owned(),
            PublicMaterial::P521(_) => "EC P-521".to_owned(),
        };
        f.debug_struct("VerifyingKey")
            .field("kind", &kind)
            .field("kid", &self.kid)
            .field("thumbprint", &self.material.thumbprint())
            .finish()
    }
}

impl VerifyingKey {
    /// Imports a public JWK (RSA or EC). RSA below 2048 bits is refused.
    ///
    /// An `alg` member must fit the key type (else [`JoseError::AlgorithmMismatch`]); it does
    /// not narrow which of RS256/384/512 an RSA key accepts.
    pub fn from_jwk(jwk: &PublicJwk) -> Result<Self, JoseError> {
        Ok(VerifyingKey {
            material: jwk::import_public(jwk)?,
            kid: jwk.kid.clone(),
        })
    }

    /// Verifies `token` (JWS compact) against this key and returns its header and claims.
    /// The header's `alg` must be one this key can verify (e.g. RS256/384/512 for RSA, the
    /// curve's ES algorithm for EC); `none` and HMAC are refused.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<(JwsHeader, C), JoseError> {
        let parts = CompactJws::parse(token)?;
        let header = parts.header()?;
        let algorithm = Algorithm::from_name(&header.alg)
            .filter(|&algorithm| self.material.accepts(algorithm))
            .ok_or_else(|| JoseError::UnexpectedAlgorithm {
                alg: header.alg.clone(),
            })?;
        let signature = decode_part(parts.signature, "signature")?;
        self.material
            .verify(algorithm, parts.signing_input.as_bytes(), &signature)?;
        let claims = parts.claims()?;
        Ok((header, claims))
    }

    /// The `kid` of the JWK this key came from, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key as a public JWK with only the required members (`kty` and `n`/`e` or
    /// `crv`/`x`/`y`), plus `kid` when known.
    pub fn to_jwk(&self) -> PublicJwk {
        PublicJwk {
            kid: self.kid.clone(),
            ..self.material.to_jwk()
        }
    }

    /// RFC 7638 SHA-256 thumbprint of the key, base64url without padding: the DPoP `jkt`.
    pub fn thumbprint(&self) -> String {
        self.material.thumbprint()
    }

    pub(crate) fn from_parts(material: PublicMaterial, kid: Option<String>) -> Self {
        VerifyingKey { material, kid }
    }
}

impl PublicMaterial {
    /// RSA keys verify any RS algorithm; an EC key only its curve's (RFC 7518 §3.4).
    fn accepts(&self, algorithm: Algorithm) -> bool {
        match self {
            PublicMaterial::Rsa(_) => matches!(
                algorithm,
                Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512
            ),
            PublicMaterial::P256(_) => algorithm == Curve::P256.algorithm(),
            PublicMaterial::P384(_) => algorithm == Curve::P384.algorithm(),
            PublicMaterial::P521(_) => algorithm == Curve::P521.algorithm(),
        }
    }

    fn verify(&self, algorithm: Algorithm, message: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        let verified = match (self, algorithm) {
            (PublicMaterial::Rsa(key), Algorithm::RS256) => {
                key.pkcs1v15_verify::<Sha256>(message, sig).is_ok()
            }
            (PublicMaterial::Rsa(key), Algorithm::RS384) => {
                key.pkcs1v15_verify::<Sha384>(message, sig).is_ok()
            }
            (PublicMaterial::Rsa(key), Algorithm::RS512) => {
                key.pkcs1v15_verify::<Sha512>(message, sig).is_ok()
            }
            // `from_slice` refuses anything but the fixed-size r‖s (e.g. a DER signature).
            (PublicMaterial::P256(key), Algorithm::ES256) => {
                p256::ecdsa::Signature::from_slice(sig)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok())
            }
            (PublicMaterial::P384(key), Algorithm::ES384) => {
                p384::ecdsa::Signature::from_slice(sig)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok())
            }
            (PublicMaterial::P521(key), Algorithm::ES512) => {
                p521::ecdsa::Signature::from_slice(sig)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok())
            }
            // `accepts` was checked first.
            _ => false,
        };
        if verified {
            Ok(())
        } else {
            Err(JoseError::BadSignature)
        }
    }

    /// `kty` and the public members only.
    pub(crate) fn to_jwk(&self) -> PublicJwk {
        match self {
            PublicMaterial::Rsa(key) => PublicJwk {
                kty: "RSA".to_owned(),
                n: Some(base64url(&key.n_bytes())),
                e: Some(base64url(&key.e_bytes())),
                ..PublicJwk::default()
            },
            PublicMaterial::P256(key) => ec_jwk(Curve::P256, key.to_sec1_point(false).as_bytes()),
            PublicMaterial::P384(key) => ec_jwk(Curve::P384, key.to_sec1_point(false).as_bytes()),
            PublicMaterial::P521(key) => ec_jwk(Curve::P521, key.to_sec1_point(false).as_bytes()),
        }
    }

    pub(crate) fn thumbprint(&self) -> String {
        let jwk = self.to_jwk();
        let member = |value: Option<String>| value.unwrap_or_default();
        let canonical = match self {
            PublicMaterial::Rsa(_) => jwk::canonical_rsa(&member(jwk.e), &member(jwk.n)),
            _ => jwk::canonical_ec(&member(jwk.crv), &member(jwk.x), &member(jwk.y)),
        };
        sha256_base64url(canonical.as_bytes())
    }
}

/// An EC public JWK from an uncompressed SEC1 point `04 ‖ x ‖ y`.
fn ec_jwk(curve: Curve, point: &[u8]) -> PublicJwk {
    let size = curve.field_size();
    // A verifying key is never the identity, so its uncompressed encoding is always
    // 1 + 2·size octets; `get` keeps this panic-free regardless.
    let coordinate =
        |range: std::ops::Range<usize>| point.get(range).map(base64url).unwrap_or_default();
    PublicJwk {
        kty: "EC".to_owned(),
        crv: Some(curve.crv().to_owned()),
        x: Some(coordinate(1..1 + size)),
        y: Some(coordinate(1 + size..1 + 2 * size)),
        ..PublicJwk::default()
    }
}

/// See [`crate::decode_unverified`].
pub(crate) fn decode_unverified<C: DeserializeOwned>(
    token: &str,
) -> Result<(JwsHeader, C), JoseError> {
    let parts = CompactJws::parse(token)?;
    let header = parts.header()?;
    // The signature is not checked, but it must still be base64url.
    decode_part(parts.signature, "signature")?;
    Ok((header, parts.claims()?))
}

/// The three parts of a compact JWS, still encoded.
struct CompactJws<'a> {
    /// `header '.' payload`, exactly as received (RFC 7515 §5.2 step 8 signs these octets).
    signing_input: &'a str,
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
}

impl<'a> CompactJws<'a> {
    fn parse(token: &'a str) -> Result<Self, JoseError> {
        let token = token.trim();
        let dots = token.bytes().filter(|&b| b == b'.').count();
        if dots != 2 {
            return Err(malformed(format!(
                "expected 3 dot-separated parts, found {}",
                dots + 1
            )));
        }
        let (signing_input, signature) = token
            .rsplit_once('.')
            .ok_or_else(|| malformed("expected 3 dot-separated parts".to_owned()))?;
        let (header, payload) = signing_input
            .split_once('.')
            .ok_or_else(|| malformed("expected 3 dot-separated parts".to_owned()))?;
        Ok(CompactJws {
            signing_input,
            header,
            payload,
            signature,
        })
    }

    fn header(&self) -> Result<JwsHeader, JoseError> {
        let bytes = decode_part(self.header, "header")?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|error| malformed(format!("the header is not JSON: {error}")))?;
        // RFC 7515 §4.1: the header is a JSON object (serde would also take `["RS256"]`).
        if !value.is_object() {
            return Err(malformed("the header is not a JSON object".to_owned()));
        }
        // RFC 7515 §4.1.11: a `crit` extension we do not understand makes the JWS invalid, and
        // we understand none.
        if value.get("crit").is_some() {
            return Err(malformed(
                "the header has a `crit` member, which is not supported".to_owned(),
            ));
        }
        serde_json::from_value(value)
            .map_err(|error| malformed(format!("the header is not a JWS header: {error}")))
    }

    fn claims<C: DeserializeOwned>(&self) -> Result<C, JoseError> {
        let bytes = decode_part(self.payload, "payload")?;
        serde_json::from_slice(&bytes)
            .map_err(|error| malformed(format!("the payload is not the expected JSON: {error}")))
    }
}

fn decode_part(part: &str, name: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|error| malformed(format!("the {name} is not base64url: {error}")))
}

fn malformed(reason: String) -> JoseError {
    JoseError::MalformedJws { reason }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{KeyKind, SigningKey, testdata};

    fn public_of(private_jwk: &str) -> VerifyingKey {
        SigningKey::from_jwk_json(private_jwk)
            .unwrap()
            .verifying_key()
    }

    fn rfc_payload() -> Value {
        // RFC 7515 A.2/A.3 payload; `exp` in the past does not matter here, claims are not
        // validated by this crate.
        json!({"iss": "joe", "exp": 1300819380, "http://example.com/is_root": true})
    }

    #[test]
    fn rfc7515_a2_rs256_verifies() {
        let key = public_of(testdata::RFC7515_A2_RSA_JWK);
        let (header, claims): (JwsHeader, Value) = key.verify(testdata::RFC7515_A2_TOKEN).unwrap();
        assert_eq!(header.alg, "RS256");
        assert_eq!(claims, rfc_payload());
    }

    #[test]
    fn rfc7515_a3_es256_verifies() {
        let key = public_of(testdata::RFC7515_A3_EC_JWK);
        let (header, claims): (JwsHeader, Value) = key.verify(testdata::RFC7515_A3_TOKEN).unwrap();
        assert_eq!(header.alg, "ES256");
        assert_eq!(claims, rfc_payload());
    }

    #[test]
    fn rfc7515_a4_es512_verifies() {
        // The A.4 payload is the string "Payload", which is not JSON: the signature verifies,
        // then the claims are refused as malformed.
        let key = public_of(testdata::RFC7515_A4_EC_JWK);
        let error = key.verify::<Value>(testdata::RFC7515_A4_TOKEN).unwrap_err();
        assert!(
            matches!(&error, JoseError::MalformedJws { reason } if reason.starts_with("the payload")),
            "{error:?}"
        );
        // Tampering with the signature turns that into BadSignature, which shows the check
        // above passed the signature.
        let tampered = flip_last_signature_char(testdata::RFC7515_A4_TOKEN);
        assert_eq!(
            key.verify::<Value>(&tampered).unwrap_err(),
            JoseError::BadSignature
        );
    }

    #[test]
    fn openssl_signed_rs512_verifies() {
        let key = SigningKey::from_pem(testdata::RSA_2048_PKCS1).unwrap();
        let (header, claims): (JwsHeader, Value) = key
            .verifying_key()
            .verify(testdata::RSA_2048_OPENSSL_RS512.trim())
            .unwrap();
        assert_eq!(header.alg, "RS512");
        assert_eq!(claims, json!({"sub": "openssl", "n": 1}));
    }

    fn flip_last_signature_char(token: &str) -> String {
        let mut token = token.to_owned();
        // Changing the first signature character keeps the base64url canonical.
        let index = token.rfind('.').unwrap() + 1;
        let replacement = if &token[index..=index] == "A" {
            "B"
        } else {
            "A"
        };
        token.replace_range(index..=index, replacement);
        token
    }

    #[test]
    fn tampered_tokens_fail_with_bad_signature() {
        let key = public_of(testdata::RFC7515_A2_RSA_JWK);
        let tampered = flip_last_signature_char(testdata::RFC7515_A2_TOKEN);
        let error = key.verify::<Value>(&tampered).unwrap_err();
        assert_eq!(error, JoseError::BadSignature);
        assert_eq!(error.to_string(), "the JWT signature is invalid");

        // Other claims under the original header and signature.
        let mut parts: Vec<&str> = testdata::RFC7515_A2_TOKEN.split('.').collect();
        let forged = base64url(br#"{"iss":"mallory"}"#);
        parts[1] = &forged;
        assert_eq!(
            key.verify::<Value>(&parts.join(".")).unwrap_err(),
            JoseError::BadSignature
        );

        // The right algorithm family but another key.
        let other = SigningKey::generate(KeyKind::P256).unwrap();
        let token = other.sign(&JwsHeader::default(), &json!({})).unwrap();
        assert_eq!(
            public_of(testdata::RFC7515_A3_EC_JWK)
                .verify::<Value>(&token)
                .unwrap_err(),
            JoseError::BadSignature
        );
        // A DER signature instead of r‖s, and an empty one.
        let (input, _) = token.rsplit_once('.').unwrap();
        for signature in [
            base64url(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]),
            String::new(),
        ] {
            assert_eq!(
                other
                    .verifying_key()
                    .verify::<Value>(&format!("{input}.{signature}"))
                    .unwrap_err(),
                JoseError::BadSignature
            );
        }
    }

    #[test]
    fn unexpected_algorithms_are_refused() {
        let rsa = public_of(testdata::RFC7515_A2_RSA_JWK);
        let ec = public_of(testdata::RFC7515_A3_EC_JWK);
        let payload = base64url(br#"{"sub":"x"}"#);
        for (key, alg) in [
            (&rsa, "none"),
            (&rsa, "HS256"),
            (&rsa, "PS256"),
            (&rsa, "ES256"),
            (&rsa, "rs256"),
            (&ec, "ES384"),
            (&ec, "RS256"),
            (&ec, "HS256"),
            (&ec, "none"),
        ] {
            let header = base64url(json!({"alg": alg}).to_string().as_bytes());
            for signature in ["", "c2ln"] {
                let token = format!("{header}.{payload}.{signature}");
                let error = key.verify::<Value>(&token).unwrap_err();
                assert_eq!(
                    error,
                    JoseError::UnexpectedAlgorithm { alg: alg.into() },
                    "{alg}"
                );
                assert_eq!(
                    error.to_string(),
                    format!("unsupported or unexpected JWS algorithm `{alg}`")
                );
            }
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let key = public_of(testdata::RFC7515_A2_RSA_JWK);
        let good_header = base64url(br#"{"alg":"RS256"}"#);
        let good_payload = base64url(br#"{"a":1}"#);
        let cases = [
            String::new(),
            "a".to_owned(),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            "..".to_owned(),
            format!("{good_header}.{good_payload}"),
            format!("{good_header}.{good_payload}.sig.extra"),
            format!("***.{good_payload}.c2ln"),
            format!("{good_header}=.{good_payload}.c2ln"),
            format!("{}.{good_payload}.c2ln", base64url(b"not json")),
            format!("{}.{good_payload}.c2ln", base64url(br#"{"typ":"JWT"}"#)),
            format!("{}.{good_payload}.c2ln", base64url(br#"["RS256"]"#)),
            format!(
                "{}.{good_payload}.c2ln",
                base64url(br#"{"alg":"RS256","crit":["exp"],"exp":1}"#)
            ),
            format!("{good_header}.{good_payload}.%%%"),
            "\u{1F600}.\u{1F600}.\u{1F600}".to_owned(),
        ];
        for token in &cases {
            let error = key.verify::<Value>(token).unwrap_err();
            assert!(
                matches!(error, JoseError::MalformedJws { .. }),
                "{token}: {error:?}"
            );
            assert!(error.to_string().starts_with("malformed JWT: "), "{error}");
            assert!(
                matches!(
                    crate::decode_unverified::<Value>(token).unwrap_err(),
                    JoseError::MalformedJws { .. }
                ),
                "{token}"
            );
        }
        assert_eq!(
            key.verify::<Value>("a.b").unwrap_err().to_string(),
            "malformed JWT: expected 3 dot-separated parts, found 2"
        );
    }

    #[test]
    fn verify_never_panics_on_garbage() {
        let keys = [
            public_of(testdata::RFC7515_A2_RSA_JWK),
            public_of(testdata::RFC7515_A3_EC_JWK),
            public_of(testdata::RFC7515_A4_EC_JWK),
        ];
        let header = base64url(br#"{"alg":"ES512"}"#);
        let mut inputs = vec![
            format!("{header}.e30.{}", base64url(&[0u8; 132])),
            format!("{header}.e30.{}", base64url(&[0xffu8; 132])),
            format!(
                "{}.e30.{}",
                base64url(br#"{"alg":"RS256"}"#),
                base64url(&[0xffu8; 256])
            ),
            format!(
                "{}.e30.{}",
                base64url(br#"{"alg":"RS256"}"#),
                base64url(&[0u8; 4096])
            ),
            format!(
                "{}.e30.{}",
                base64url(br#"{"alg":"ES256"}"#),
                base64url(&[0u8; 64])
            ),
        ];
        // Deterministic pseudo-random junk.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for length in 0..200 {
            let text: String = (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from(b"AQ_-.=e3{}\"a\x00\xff"[(state % 14) as usize])
                })
                .collect();
            inputs.push(text);
        }
        for input in &inputs {
            for key in &keys {
                assert!(key.verify::<Value>(input).is_err(), "{input}");
            }
            let _ = crate::decode_unverified::<Value>(input);
        }
    }

    #[test]
    fn claims_of_the_wrong_shape_are_malformed() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Needs {
            jti: String,
        }
        let key = SigningKey::generate(KeyKind::P256).unwrap();
        let token = key
            .sign(&JwsHeader::default(), &json!({"sub": "x"}))
            .unwrap();
        let error = key.verifying_key().verify::<Needs>(&token).unwrap_err();
        assert!(matches!(error, JoseError::MalformedJws { .. }), "{error:?}");
    }

    #[test]
    fn decode_unverified_reads_header_and_claims() {
        let (header, claims): (JwsHeader, Value) =
            crate::decode_unverified(testdata::RFC7515_A3_TOKEN).unwrap();
        assert_eq!(header.alg, "ES256");
        assert_eq!(claims, rfc_payload());
        // Unverified means any alg is readable, `none` included.
        let none = format!(
            "{}.{}.",
            base64url(br#"{"alg":"none","kid":"k"}"#),
            base64url(br#"{"a":1}"#)
        );
        let (header, claims): (JwsHeader, Value) = crate::decode_unverified(&none).unwrap();
        assert_eq!(
            (header.alg.as_str(), header.kid.as_deref()),
            ("none", Some("k"))
        );
        assert_eq!(claims, json!({"a": 1}));
    }

    #[test]
    fn verifying_key_debug_and_jwk() {
        let key = SigningKey::from_jwk_json(testdata::RFC7515_A2_RSA_JWK)
            .unwrap()
            .with_kid("r1");
        let verifying = key.verifying_key();
        assert_eq!(verifying.kid(), Some("r1"));
        assert_eq!(verifying.thumbprint(), key.thumbprint());
        let debug = format!("{verifying:?}");
        assert!(debug.contains("RSA 2048"), "{debug}");
        let jwk = verifying.to_jwk();
        assert_eq!(jwk.kid.as_deref(), Some("r1"));
        assert_eq!(jwk.n, key.public_jwk().n);
        let again = VerifyingKey::from_jwk(&jwk).unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
    }
}
