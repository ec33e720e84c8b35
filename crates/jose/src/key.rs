//! [`SigningKey`]: a private RSA or EC key with its JWS algorithm and optional `kid`; signing
//! (RFC 7515 §3.1 compact serialization, RFC 7518 §3.3 and §3.4) and the public/private JWK
//! exports (RFC 7517, RFC 7518 §6, RFC 7638).

use std::fmt;

use oktactl_wire::{JwsHeader, PublicJwk};
use rsa::traits::PrivateKeyParts as _;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Sha256, Sha384, Sha512};
use signature::Signer as _;

use crate::jwk::{self, Curve};
use crate::jws::{PublicMaterial, VerifyingKey};
use crate::{Algorithm, JoseError, KeyKind, base64url, pem};

/// Smallest RSA modulus we import or generate: Okta refuses keys below 2048 bits.
pub(crate) const MIN_RSA_BITS: usize = 2048;

/// A private signing key (RSA or EC) with its algorithm and optional key id.
///
/// `Debug` prints only the algorithm and `kid`, never key material.
#[derive(Clone)]
pub struct SigningKey {
    material: KeyMaterial,
    algorithm: Algorithm,
    kid: Option<String>,
}

/// The private key itself. The RustCrypto types zeroize their secrets on drop.
#[derive(Clone)]
pub(crate) enum KeyMaterial {
    /// Boxed: an RSA key with its CRT values is much larger than an EC key.
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
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
        let imported = jwk::import_private(json)?;
        Ok(SigningKey {
            material: imported.material,
            algorithm: imported.algorithm,
            kid: imported.kid,
        })
    }

    /// Imports a PEM private key: `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1, a leading
    /// `EC PARAMETERS` block tolerated) or `PRIVATE KEY` (PKCS#8, RSA or EC). Certificates,
    /// public keys and encrypted keys are refused with their own error.
    ///
    /// PEM carries no `kid` and no `alg`: RSA keys sign RS256, EC keys their curve's algorithm.
    pub fn from_pem(pem: &str) -> Result<Self, JoseError> {
        Ok(Self::from_material(pem::import_private(pem)?))
    }

    /// Generates a fresh key (used for DPoP keys and the sandbox's own keys).
    pub fn generate(kind: KeyKind) -> Result<Self, JoseError> {
        let rng_failed = |error: getrandom::Error| JoseError::Signing {
            reason: format!("the operating system random number generator failed: {error}"),
        };
        let material = match kind {
            KeyKind::P256 => KeyMaterial::P256(
                <p256::ecdsa::SigningKey as rsa::Generate>::try_generate().map_err(rng_failed)?,
            ),
            KeyKind::P384 => KeyMaterial::P384(
                <p384::ecdsa::SigningKey as rsa::Generate>::try_generate().map_err(rng_failed)?,
            ),
            KeyKind::P521 => KeyMaterial::P521(
                <p521::ecdsa::SigningKey as rsa::Generate>::try_generate().map_err(rng_failed)?,
            ),
            KeyKind::Rsa { bits } => {
                if bits < MIN_RSA_BITS {
                    return Err(JoseError::RsaKeyTooSmall { bits });
                }
                let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits).map_err(|error| {
                    JoseError::Signing {
                        reason: format!("generating a {bits}-bit RSA key failed: {error}"),
                    }
                })?;
                KeyMaterial::Rsa(Box::new(key))
            }
        };
        Ok(Self::from_material(material))
    }

    /// Returns the key with this `kid` set (the sandbox names its generated keys).
    pub fn with_kid(self, kid: impl Into<String>) -> Self {
        SigningKey {
            kid: Some(kid.into()),
            ..self
        }
    }

    /// The algorithm this key signs with: RS256 (or the JWK's RS384/RS512), ES256/384/512 by
    /// curve.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key id, when the JWK had one (or [`SigningKey::with_kid`] set one).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The public half as a JWK, with `kid` and `alg` (and `use: sig`).
    pub fn public_jwk(&self) -> PublicJwk {
        PublicJwk {
            kid: self.kid.clone(),
            alg: Some(self.algorithm.as_str().to_owned()),
            use_: Some("sig".to_owned()),
            ..self.dpop_jwk()
        }
    }

    /// The public half as a JWK with only the members a DPoP proof header needs (RFC 9449
    /// §4.2: no private members; we also leave out `kid`, `alg` and `use`).
    pub fn dpop_jwk(&self) -> PublicJwk {
        self.public_material().to_jwk()
    }

    /// RFC 7638 SHA-256 thumbprint of the public key, base64url without padding.
    pub fn thumbprint(&self) -> String {
        self.public_material().thumbprint()
    }

    /// The public half as a [`VerifyingKey`] (with this key's `kid`).
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey::from_parts(self.public_material(), self.kid.clone())
    }

    /// The private key as JWK JSON (all members, including `kid`/`alg`), for storage in a
    /// secret store or a 0600 file. The result is secret.
    pub fn to_private_jwk_json(&self) -> String {
        let public = self.public_jwk();
        let mut members = Map::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                members.insert(name.to_owned(), Value::String(value));
            }
        };
        put("kty", Some(public.kty));
        put("kid", public.kid);
        put("alg", public.alg);
        put("use", public.use_);
        put("n", public.n);
        put("e", public.e);
        put("crv", public.crv);
        put("x", public.x);
        put("y", public.y);
        match &self.material {
            KeyMaterial::Rsa(key) => {
                put("d", Some(base64url(&key.d().to_be_bytes_trimmed_vartime())));
                // from_components/precompute always leave two primes and the CRT values in
                // place, so these are present for every key this crate holds.
                if let [p, q] = key.primes() {
                    put("p", Some(base64url(&p.to_be_bytes_trimmed_vartime())));
                    put("q", Some(base64url(&q.to_be_bytes_trimmed_vartime())));
                }
                put(
                    "dp",
                    key.dp()
                        .map(|v| base64url(&v.to_be_bytes_trimmed_vartime())),
                );
                put(
                    "dq",
                    key.dq()
                        .map(|v| base64url(&v.to_be_bytes_trimmed_vartime())),
                );
                put(
                    "qi",
                    key.crt_coefficient()
                        .map(|v| base64url(&v.to_be_bytes_trimmed_vartime())),
                );
            }
            // RFC 7518 §6.2.2.1: `d` is the full field size, like `x` and `y`.
            KeyMaterial::P256(key) => put("d", Some(base64url(&key.to_bytes()))),
            KeyMaterial::P384(key) => put("d", Some(base64url(&key.to_bytes()))),
            KeyMaterial::P521(key) => put("d", Some(base64url(&key.to_bytes()))),
        }
        Value::Object(members).to_string()
    }

    /// The private key as PKCS#8 PEM (`PRIVATE KEY`). The result is secret.
    pub fn to_pkcs8_pem(&self) -> Result<String, JoseError> {
        pem::to_pkcs8_pem(&self.material)
    }

    /// Signs `claims` as a JWS compact serialization. `header.alg` is overwritten with
    /// [`SigningKey::algorithm`]; everything else in `header` is kept as given.
    pub fn sign<C: Serialize>(&self, header: &JwsHeader, claims: &C) -> Result<String, JoseError> {
        let header = JwsHeader {
            alg: self.algorithm.as_str().to_owned(),
            ..header.clone()
        };
        let header_json = serde_json::to_vec(&header).map_err(|error| JoseError::Signing {
            reason: format!("the JWS header cannot be serialized: {error}"),
        })?;
        let claims_json = serde_json::to_vec(claims).map_err(|error| JoseError::Signing {
            reason: format!("the claims cannot be serialized as JSON: {error}"),
        })?;
        // RFC 7515 §5.1: the signing input is BASE64URL(header) '.' BASE64URL(payload).
        let signing_input = format!("{}.{}", base64url(&header_json), base64url(&claims_json));
        let signature = self.sign_bytes(signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{}", base64url(&signature)))
    }

    /// Signs raw bytes with this key's algorithm: PKCS#1 v1.5 for RSA (RFC 7518 §3.3), and the
    /// fixed-size `r‖s` form for ECDSA (RFC 7518 §3.4), not DER.
    fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        let failed = |error: &dyn fmt::Display| JoseError::Signing {
            reason: error.to_string(),
        };
        match (&self.material, self.algorithm) {
            (KeyMaterial::Rsa(key), Algorithm::RS256) => {
                key.pkcs1v15_sign::<Sha256>(message).map_err(|e| failed(&e))
            }
            (KeyMaterial::Rsa(key), Algorithm::RS384) => {
                key.pkcs1v15_sign::<Sha384>(message).map_err(|e| failed(&e))
            }
            (KeyMaterial::Rsa(key), Algorithm::RS512) => {
                key.pkcs1v15_sign::<Sha512>(message).map_err(|e| failed(&e))
            }
            (KeyMaterial::P256(key), Algorithm::ES256) => {
                let signature: p256::ecdsa::Signature =
                    key.try_sign(message).map_err(|e| failed(&e))?;
                Ok(signature.to_bytes().to_vec())
            }
            (KeyMaterial::P384(key), Algorithm::ES384) => {
                let signature: p384::ecdsa::Signature =
                    key.try_sign(message).map_err(|e| failed(&e))?;
                Ok(signature.to_bytes().to_vec())
            }
            (KeyMaterial::P521(key), Algorithm::ES512) => {
                let signature: p521::ecdsa::Signature =
                    key.try_sign(message).map_err(|e| failed(&e))?;
                Ok(signature.to_bytes().to_vec())
            }
            // Every constructor pairs material and algorithm via `default_algorithm` or the
            // checked JWK `alg`, so this arm is unreachable; fail rather than panic.
            (_, algorithm) => Err(JoseError::Signing {
                reason: format!("internal error: {algorithm} does not fit this key"),
            }),
        }
    }

    fn from_material(material: KeyMaterial) -> Self {
        SigningKey {
            algorithm: material.default_algorithm(),
            material,
            kid: None,
        }
    }

    pub(crate) fn public_material(&self) -> PublicMaterial {
        match &self.material {
            KeyMaterial::Rsa(key) => PublicMaterial::Rsa(Box::new(key.to_public_key())),
            KeyMaterial::P256(key) => PublicMaterial::P256(*key.verifying_key()),
            KeyMaterial::P384(key) => PublicMaterial::P384(*key.verifying_key()),
            KeyMaterial::P521(key) => PublicMaterial::P521(*key.verifying_key()),
        }
    }
}

impl KeyMaterial {
    /// RS256 for RSA; for EC the one algorithm of the curve (RFC 7518 §3.4).
    pub(crate) fn default_algorithm(&self) -> Algorithm {
        match self {
            KeyMaterial::Rsa(_) => Algorithm::RS256,
            KeyMaterial::P256(_) => Curve::P256.algorithm(),
            KeyMaterial::P384(_) => Curve::P384.algorithm(),
            KeyMaterial::P521(_) => Curve::P521.algorithm(),
        }
    }
}

/// Modulus size in bits of an RSA key.
pub(crate) fn rsa_bits(key: &impl rsa::traits::PublicKeyParts) -> usize {
    key.n().bit_width_vartime() as usize
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use serde_json::json;

    use super::*;
    use crate::testdata;

    /// RSA generation is slow in debug builds: generate one 2048-bit key per test run.
    pub(crate) fn generated_rsa() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| match SigningKey::generate(KeyKind::Rsa { bits: 2048 }) {
            Ok(key) => key,
            Err(error) => panic!("RSA generation failed: {error}"),
        })
    }

    fn sign_and_verify(key: &SigningKey) {
        let header = JwsHeader {
            alg: "ignored".into(),
            typ: Some("JWT".into()),
            kid: key.kid().map(str::to_owned),
            jwk: None,
        };
        let claims = json!({"sub": "round-trip", "n": 1});
        let token = key.sign(&header, &claims).unwrap();
        let verifier = VerifyingKey::from_jwk(&key.public_jwk()).unwrap();
        let (got_header, got_claims): (JwsHeader, Value) = verifier.verify(&token).unwrap();
        assert_eq!(got_header.alg, key.algorithm().as_str());
        assert_eq!(got_header.typ.as_deref(), Some("JWT"));
        assert_eq!(got_claims, claims);
        let (_, got_claims): (JwsHeader, Value) = key.verifying_key().verify(&token).unwrap();
        assert_eq!(got_claims, claims);
        // The DPoP form of the public key verifies too.
        VerifyingKey::from_jwk(&key.dpop_jwk())
            .unwrap()
            .verify::<Value>(&token)
            .unwrap();
    }

    fn all_algorithm_keys() -> Vec<SigningKey> {
        let rfc = SigningKey::from_jwk_json(testdata::RFC7515_A2_RSA_JWK).unwrap();
        let mut keys = vec![generated_rsa().clone()];
        for alg in ["RS384", "RS512"] {
            let mut value: Value = serde_json::from_str(testdata::RFC7515_A2_RSA_JWK).unwrap();
            value["alg"] = json!(alg);
            keys.push(SigningKey::from_jwk_json(&value.to_string()).unwrap());
        }
        keys.push(rfc);
        for kind in [KeyKind::P256, KeyKind::P384, KeyKind::P521] {
            keys.push(SigningKey::generate(kind).unwrap().with_kid("k1"));
        }
        keys
    }

    #[test]
    fn all_six_algorithms_sign_and_verify() {
        let keys = all_algorithm_keys();
        let mut algorithms: Vec<_> = keys.iter().map(SigningKey::algorithm).collect();
        algorithms.dedup();
        assert_eq!(
            algorithms,
            [
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::RS256,
                Algorithm::ES256,
                Algorithm::ES384,
                Algorithm::ES512
            ]
        );
        for key in &keys {
            sign_and_verify(key);
        }
    }

    #[test]
    fn keys_survive_private_jwk_round_trip() {
        for key in all_algorithm_keys() {
            let json = key.to_private_jwk_json();
            let again = SigningKey::from_jwk_json(&json).unwrap();
            assert_eq!(again.algorithm(), key.algorithm());
            assert_eq!(again.kid(), key.kid());
            assert_eq!(again.public_jwk(), key.public_jwk());
            assert_eq!(again.to_private_jwk_json(), json);
            sign_and_verify(&again);
            // A token from the re-imported key verifies with the original public key.
            let token = again.sign(&JwsHeader::default(), &json!({"a": 1})).unwrap();
            key.verifying_key().verify::<Value>(&token).unwrap();
        }
    }

    #[test]
    fn keys_survive_pkcs8_pem_round_trip() {
        for key in all_algorithm_keys() {
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
            assert!(pem.ends_with("-----END PRIVATE KEY-----\n"), "{pem}");
            let again = SigningKey::from_pem(&pem).unwrap();
            // PEM has no kid and no alg: RSA comes back as RS256.
            assert_eq!(again.kid(), None);
            assert_eq!(again.algorithm(), key.material.default_algorithm());
            assert_eq!(again.dpop_jwk(), key.dpop_jwk());
            assert_eq!(again.thumbprint(), key.thumbprint());
            sign_and_verify(&again);
        }
    }

    #[test]
    fn rfc7515_a2_signature_is_byte_exact() {
        // RFC 7515 A.2: RS256 is deterministic, so signing the RFC's header and payload with the
        // RFC's key must give the RFC's signature. `sign` writes its own header JSON, so sign
        // the RFC's signing input directly.
        let (signing_input, signature) = testdata::RFC7515_A2_TOKEN.rsplit_once('.').unwrap();
        for json in [
            testdata::RFC7515_A2_RSA_JWK.to_owned(),
            testdata::without_members(testdata::RFC7515_A2_RSA_JWK, &["p", "q", "dp", "dq", "qi"]),
            testdata::without_members(testdata::RFC7515_A2_RSA_JWK, &["dp", "dq", "qi"]),
        ] {
            let key = SigningKey::from_jwk_json(&json).unwrap();
            let got = key.sign_bytes(signing_input.as_bytes()).unwrap();
            assert_eq!(base64url(&got), signature);
            // CRT values derived from n, e, d equal the RFC's.
            let exported: Value = serde_json::from_str(&key.to_private_jwk_json()).unwrap();
            let original: Value = serde_json::from_str(testdata::RFC7515_A2_RSA_JWK).unwrap();
            for member in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
                assert_eq!(exported[member], original[member], "{member}");
            }
        }
    }

    #[test]
    fn sign_overwrites_alg_and_keeps_other_header_members() {
        let key = SigningKey::generate(KeyKind::P256)
            .unwrap()
            .with_kid("dpop");
        let header = JwsHeader {
            alg: "none".into(),
            typ: Some("dpop+jwt".into()),
            kid: None,
            jwk: Some(key.dpop_jwk()),
        };
        let token = key.sign(&header, &json!({"jti": "x"})).unwrap();
        assert_eq!(token.split('.').count(), 3);
        assert!(!token.contains('='));
        let (got, _): (JwsHeader, Value) = crate::decode_unverified(&token).unwrap();
        assert_eq!(got.alg, "ES256");
        assert_eq!(got.typ.as_deref(), Some("dpop+jwt"));
        assert_eq!(got.jwk, Some(key.dpop_jwk()));
        assert_eq!(got.kid, None);
    }

    #[test]
    fn ecdsa_signatures_are_raw_r_s() {
        for (kind, size) in [
            (KeyKind::P256, 64),
            (KeyKind::P384, 96),
            (KeyKind::P521, 132),
        ] {
            let key = SigningKey::generate(kind).unwrap();
            let token = key.sign(&JwsHeader::default(), &json!({})).unwrap();
            let signature = token.rsplit('.').next().unwrap();
            let bytes = base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                signature,
            )
            .unwrap();
            assert_eq!(bytes.len(), size, "{kind:?}");
        }
    }

    #[test]
    fn public_and_dpop_jwks_have_the_right_members() {
        let rsa = SigningKey::from_jwk_json(testdata::RFC7515_A2_RSA_JWK)
            .unwrap()
            .with_kid("rsa-1");
        let public = serde_json::to_value(rsa.public_jwk()).unwrap();
        let original: Value = serde_json::from_str(testdata::RFC7515_A2_RSA_JWK).unwrap();
        assert_eq!(
            public,
            json!({"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig",
                   "n": original["n"], "e": "AQAB"})
        );
        let dpop = serde_json::to_value(rsa.dpop_jwk()).unwrap();
        assert_eq!(dpop, json!({"kty": "RSA", "n": original["n"], "e": "AQAB"}));

        let ec = SigningKey::from_jwk_json(testdata::RFC7515_A3_EC_JWK).unwrap();
        let original: Value = serde_json::from_str(testdata::RFC7515_A3_EC_JWK).unwrap();
        assert_eq!(
            serde_json::to_value(ec.public_jwk()).unwrap(),
            json!({"kty": "EC", "alg": "ES256", "use": "sig", "crv": "P-256",
                   "x": original["x"], "y": original["y"]})
        );
        assert_eq!(
            serde_json::to_value(ec.dpop_jwk()).unwrap(),
            json!({"kty": "EC", "crv": "P-256", "x": original["x"], "y": original["y"]})
        );
        // P-521 coordinates keep their leading zero bytes (66 octets → 88 characters).
        let p521 = SigningKey::from_jwk_json(testdata::RFC7515_A4_EC_JWK).unwrap();
        let original: Value = serde_json::from_str(testdata::RFC7515_A4_EC_JWK).unwrap();
        let jwk = p521.public_jwk();
        assert_eq!(jwk.x.as_deref(), original["x"].as_str());
        assert_eq!(jwk.y.as_deref(), original["y"].as_str());
        assert_eq!(jwk.alg.as_deref(), Some("ES512"));
    }

    #[test]
    fn thumbprint_matches_jwk_thumbprint_of_public_jwk() {
        for key in all_algorithm_keys() {
            assert_eq!(
                key.thumbprint(),
                crate::jwk_thumbprint(&key.public_jwk()).unwrap()
            );
        }
    }

    #[test]
    fn debug_never_prints_key_material() {
        for key in all_algorithm_keys() {
            let debug = format!("{key:?}");
            let alternate = format!("{key:#?}");
            let private: Value = serde_json::from_str(&key.to_private_jwk_json()).unwrap();
            for member in ["d", "p", "q", "dp", "dq", "qi", "n", "x", "y"] {
                if let Some(value) = private[member].as_str() {
                    assert!(!debug.contains(value), "{member} in {debug}");
                    assert!(!alternate.contains(value), "{member} in {alternate}");
                }
            }
            assert!(debug.starts_with("SigningKey { algorithm: "), "{debug}");
            assert!(debug.contains("[redacted]"), "{debug}");
        }
    }

    #[test]
    fn generate_refuses_small_rsa() {
        let error = SigningKey::generate(KeyKind::Rsa { bits: 1024 }).unwrap_err();
        assert_eq!(error, JoseError::RsaKeyTooSmall { bits: 1024 });
        assert_eq!(
            error.to_string(),
            "the RSA key has 1024 bits: Okta requires at least 2048"
        );
    }

    #[test]
    fn generated_rsa_key_has_requested_size() {
        let key = generated_rsa();
        assert_eq!(key.algorithm(), Algorithm::RS256);
        match &key.material {
            KeyMaterial::Rsa(rsa) => assert_eq!(rsa_bits(rsa.as_ref()), 2048),
            _ => panic!("not RSA"),
        }
    }

    #[test]
    fn with_kid_sets_kid() {
        let key = SigningKey::generate(KeyKind::P384).unwrap();
        assert_eq!(key.kid(), None);
        let key = key.with_kid("sandbox-1");
        assert_eq!(key.kid(), Some("sandbox-1"));
        assert_eq!(key.public_jwk().kid.as_deref(), Some("sandbox-1"));
        assert_eq!(key.dpop_jwk().kid, None);
    }
}
