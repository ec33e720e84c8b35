//! JSON Web Keys: private key import (RFC 7517 §4, RFC 7518 §6.2.2 and §6.3.2), public key
//! import for verification, and RFC 7638 thumbprints.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use oktactl_wire::PublicJwk;
use p256::elliptic_curve::zeroize::Zeroizing;
use rsa::BoxedUint;
use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
use serde_json::{Map, Value};

use crate::key::{KeyMaterial, MIN_RSA_BITS, rsa_bits};
use crate::{Algorithm, JoseError, sha256_base64url};

/// base64url that accepts members with or without `=` padding: RFC 7515 §2 says no padding,
/// but some tools pad JWK members and refusing them helps nobody.
const LENIENT_BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A NIST curve oktactl signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// Parses a JWK `crv` (RFC 7518 §6.2.1.1).
    pub(crate) fn from_crv(crv: &str) -> Option<Self> {
        match crv {
            "P-256" => Some(Curve::P256),
            "P-384" => Some(Curve::P384),
            "P-521" => Some(Curve::P521),
            _ => None,
        }
    }

    /// The JWK `crv` name.
    pub(crate) fn crv(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The one JWS algorithm of the curve (RFC 7518 §3.4).
    pub(crate) fn algorithm(self) -> Algorithm {
        match self {
            Curve::P256 => Algorithm::ES256,
            Curve::P384 => Algorithm::ES384,
            Curve::P521 => Algorithm::ES512,
        }
    }

    /// Octets of a coordinate or private scalar (RFC 7518 §6.2.1.2: full length, e.g. 66 for
    /// P-521).
    pub(crate) fn field_size(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }
}

/// A private key read from a JWK, with the JWK's `kid` and the checked algorithm.
pub(crate) struct ImportedJwk {
    pub(crate) material: KeyMaterial,
    pub(crate) algorithm: Algorithm,
    pub(crate) kid: Option<String>,
}

/// Reads a private JWK; see [`crate::SigningKey::from_jwk_json`].
pub(crate) fn import_private(json: &str) -> Result<ImportedJwk, JoseError> {
    let value: Value = serde_json::from_str(json).map_err(|error| JoseError::JwkNotJson {
        reason: error.to_string(),
    })?;
    let Value::Object(members) = value else {
        return Err(JoseError::JwkNotJson {
            reason: format!("expected a JSON object, found {}", json_kind(&value)),
        });
    };
    let members = Members(&members);
    let kty = members.required("kty")?;
    let kid = members.optional("kid")?.map(str::to_owned);
    let alg = members.optional("alg")?;
    match kty {
        "RSA" => {
            let algorithm = match alg {
                None => Algorithm::RS256,
                Some(name) => rsa_algorithm(name)?,
            };
            let material = import_private_rsa(&members)?;
            Ok(ImportedJwk {
                material,
                algorithm,
                kid,
            })
        }
        "EC" => {
            let crv = members.required("crv")?;
            let curve = Curve::from_crv(crv).ok_or_else(|| JoseError::UnsupportedCurve {
                crv: crv.to_owned(),
            })?;
            if let Some(name) = alg {
                check_ec_algorithm(name, curve)?;
            }
            let material = import_private_ec(&members, curve)?;
            Ok(ImportedJwk {
                material,
                algorithm: curve.algorithm(),
                kid,
            })
        }
        other => Err(JoseError::UnsupportedKeyType {
            kty: other.to_owned(),
        }),
    }
}

/// The public key of a JWK, for [`crate::VerifyingKey::from_jwk`].
pub(crate) fn import_public(jwk: &PublicJwk) -> Result<crate::jws::PublicMaterial, JoseError> {
    use crate::jws::PublicMaterial;

    fn required<'a>(value: &'a Option<String>, field: &'static str) -> Result<&'a str, JoseError> {
        value.as_deref().ok_or(JoseError::JwkMissingField { field })
    }
    match jwk.kty.as_str() {
        "" => Err(JoseError::JwkMissingField { field: "kty" }),
        "RSA" => {
            if let Some(name) = &jwk.alg {
                rsa_algorithm(name)?;
            }
            let n = decode_member("n", required(&jwk.n, "n")?)?;
            let e = decode_member("e", required(&jwk.e, "e")?)?;
            Ok(PublicMaterial::Rsa(Box::new(rsa_public_key(&n, &e)?)))
        }
        "EC" => {
            let crv = required(&jwk.crv, "crv")?;
            let curve = Curve::from_crv(crv).ok_or_else(|| JoseError::UnsupportedCurve {
                crv: crv.to_owned(),
            })?;
            if let Some(name) = &jwk.alg {
                check_ec_algorithm(name, curve)?;
            }
            let x = decode_coordinate("x", required(&jwk.x, "x")?, curve)?;
            let y = decode_coordinate("y", required(&jwk.y, "y")?, curve)?;
            let point = [&[0x04][..], &x, &y].concat();
            let not_on_curve = |_| JoseError::JwkInvalidField {
                field: "x",
                reason: format!("(x, y) is not a point on {}", curve.crv()),
            };
            Ok(match curve {
                Curve::P256 => PublicMaterial::P256(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(not_on_curve)?,
                ),
                Curve::P384 => PublicMaterial::P384(
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(not_on_curve)?,
                ),
                Curve::P521 => PublicMaterial::P521(
                    p521::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(not_on_curve)?,
                ),
            })
        }
        other => Err(JoseError::UnsupportedKeyType {
            kty: other.to_owned(),
        }),
    }
}

/// RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace.
pub(crate) fn thumbprint(jwk: &PublicJwk) -> Result<String, JoseError> {
    let required = |value: &Option<String>, field: &'static str| {
        value.clone().ok_or(JoseError::JwkMissingField { field })
    };
    let canonical = match jwk.kty.as_str() {
        "" => return Err(JoseError::JwkMissingField { field: "kty" }),
        "RSA" => canonical_rsa(&required(&jwk.e, "e")?, &required(&jwk.n, "n")?),
        "EC" => canonical_ec(
            &required(&jwk.crv, "crv")?,
            &required(&jwk.x, "x")?,
            &required(&jwk.y, "y")?,
        ),
        other => {
            return Err(JoseError::UnsupportedKeyType {
                kty: other.to_owned(),
            });
        }
    };
    Ok(sha256_base64url(canonical.as_bytes()))
}

/// RFC 7638 §3.2 canonical form of an RSA key: members `e`, `kty`, `n`.
pub(crate) fn canonical_rsa(e: &str, n: &str) -> String {
    format!(
        r#"{{"e":{},"kty":"RSA","n":{}}}"#,
        json_string(e),
        json_string(n)
    )
}

/// RFC 7638 §3.2 canonical form of an EC key: members `crv`, `kty`, `x`, `y`.
pub(crate) fn canonical_ec(crv: &str, x: &str, y: &str) -> String {
    format!(
        r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
        json_string(crv),
        json_string(x),
        json_string(y)
    )
}

/// A JSON string literal (RFC 7638 §3.3: the members are written as JSON strings).
fn json_string(value: &str) -> String {
    Value::String(value.to_owned()).to_string()
}

/// The `alg` of an RSA JWK: RS256, RS384 or RS512.
fn rsa_algorithm(name: &str) -> Result<Algorithm, JoseError> {
    match Algorithm::from_name(name) {
        Some(algorithm @ (Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512)) => Ok(algorithm),
        _ => Err(JoseError::AlgorithmMismatch {
            alg: name.to_owned(),
            kty: "RSA".to_owned(),
        }),
    }
}

/// The `alg` of an EC JWK must be the curve's algorithm.
fn check_ec_algorithm(name: &str, curve: Curve) -> Result<(), JoseError> {
    if Algorithm::from_name(name) == Some(curve.algorithm()) {
        Ok(())
    } else {
        Err(JoseError::AlgorithmMismatch {
            alg: name.to_owned(),
            kty: format!("EC {}", curve.crv()),
        })
    }
}

fn import_private_rsa(members: &Members<'_>) -> Result<KeyMaterial, JoseError> {
    let n_text = members.required("n")?;
    let e_text = members.required("e")?;
    let d_text = members.optional("d")?.ok_or(JoseError::JwkPublicOnly)?;
    let n = decode_member("n", n_text)?;
    let e = decode_member("e", e_text)?;
    // Checks the size first, so a small key is reported as such and not as a parse failure.
    let public = rsa_public_key(&n, &e)?;
    let precision = public.n_bits_precision();
    let d = decode_secret("d", d_text)?;
    // 0 < d < n. Checked here because rsa 0.10's prime recovery panics (underflow) on d = 0.
    if bit_length(&d) == 0 || bit_length(&d) > rsa_bits(&public) {
        return Err(JoseError::JwkInconsistent);
    }
    let to_uint = |field: &'static str, bytes: &[u8]| {
        BoxedUint::from_be_slice(bytes, precision).map_err(|_| JoseError::JwkInvalidField {
            field,
            reason: "longer than the modulus".to_owned(),
        })
    };
    let d = to_uint("d", &d)?;
    let primes = match (members.optional("p")?, members.optional("q")?) {
        (Some(p), Some(q)) => vec![
            to_uint("p", &decode_secret("p", p)?)?,
            to_uint("q", &decode_secret("q", q)?)?,
        ],
        // Neither prime: `from_components` recovers them from n, e and d (NIST SP 800-56B
        // Rev. 2 Appendix C.2), which needs 2^16 < e.
        (None, None) if public.e() > &BoxedUint::from(1u64 << 16) => Vec::new(),
        (None, None) => {
            return Err(JoseError::JwkInvalidField {
                field: "e",
                reason: "the primes `p` and `q` are needed when e is at most 65536".to_owned(),
            });
        }
        (Some(_), None) => return Err(JoseError::JwkMissingField { field: "q" }),
        (None, Some(_)) => return Err(JoseError::JwkMissingField { field: "p" }),
    };
    if members.0.contains_key("oth") {
        return Err(JoseError::JwkInvalidField {
            field: "oth",
            reason: "multi-prime RSA keys are not supported".to_owned(),
        });
    }
    // `from_components` checks that d·e ≡ 1 mod λ(n) and that p·q = n, i.e. that the private
    // members belong to `n` and `e`; any failure here means they do not.
    let key = rsa::PrivateKey::from_components(
        public.n().as_ref().clone(),
        public.e().clone(),
        d,
        primes,
    )
    .map_err(|_| JoseError::JwkInconsistent)?;
    // The CRT members, when given, must be the ones derived from the primes.
    let derived = [
        ("dp", key.dp().map(|v| v.to_be_bytes_trimmed_vartime())),
        ("dq", key.dq().map(|v| v.to_be_bytes_trimmed_vartime())),
        (
            "qi",
            key.crt_coefficient()
                .map(|v| v.to_be_bytes_trimmed_vartime()),
        ),
    ];
    for (field, derived) in derived {
        if let Some(text) = members.optional(field)? {
            let given = decode_secret(field, text)?;
            let given = strip_leading_zeros(&given);
            let derived = Zeroizing::new(derived.unwrap_or_default());
            if given != &derived[..] {
                return Err(JoseError::JwkInconsistent);
            }
        }
    }
    Ok(KeyMaterial::Rsa(Box::new(key)))
}

fn import_private_ec(members: &Members<'_>, curve: Curve) -> Result<KeyMaterial, JoseError> {
    let x_text = members.required("x")?;
    let y_text = members.required("y")?;
    let d_text = members.optional("d")?.ok_or(JoseError::JwkPublicOnly)?;
    let x = decode_coordinate("x", x_text, curve)?;
    let y = decode_coordinate("y", y_text, curve)?;
    let d = decode_secret("d", d_text)?;
    let d = left_pad("d", &d, curve)?;
    let invalid_d = |_| JoseError::JwkInvalidField {
        field: "d",
        reason: format!("not a valid {} private key", curve.crv()),
    };
    let (material, point) = match curve {
        Curve::P256 => {
            let key = p256::ecdsa::SigningKey::from_slice(&d).map_err(invalid_d)?;
            let point = key.verifying_key().to_sec1_point(false);
            (KeyMaterial::P256(key), point.as_bytes().to_vec())
        }
        Curve::P384 => {
            let key = p384::ecdsa::SigningKey::from_slice(&d).map_err(invalid_d)?;
            let point = key.verifying_key().to_sec1_point(false);
            (KeyMaterial::P384(key), point.as_bytes().to_vec())
        }
        Curve::P521 => {
            let key = p521::ecdsa::SigningKey::from_slice(&d).map_err(invalid_d)?;
            let point = key.verifying_key().to_sec1_point(false);
            (KeyMaterial::P521(key), point.as_bytes().to_vec())
        }
    };
    // The public point of `d` must be the JWK's (x, y).
    if point != [&[0x04][..], &x, &y].concat() {
        return Err(JoseError::JwkInconsistent);
    }
    Ok(material)
}

/// Builds an RSA public key, refusing moduli below [`MIN_RSA_BITS`].
pub(crate) fn rsa_public_key(n: &[u8], e: &[u8]) -> Result<rsa::PublicKey, JoseError> {
    let n = strip_leading_zeros(n);
    let bits = bit_length(n);
    if bits < MIN_RSA_BITS {
        return Err(JoseError::RsaKeyTooSmall { bits });
    }
    let modulus = BoxedUint::from_be_slice_vartime(n);
    let exponent = BoxedUint::from_be_slice_vartime(strip_leading_zeros(e));
    rsa::PublicKey::new(modulus, exponent).map_err(|error| match error {
        rsa::Error::ModulusTooLarge => JoseError::JwkInvalidField {
            field: "n",
            reason: format!("the modulus has {bits} bits, more than the 8192 supported"),
        },
        rsa::Error::InvalidExponent
        | rsa::Error::PublicExponentTooSmall
        | rsa::Error::PublicExponentTooLarge => JoseError::JwkInvalidField {
            field: "e",
            reason: "not a valid RSA public exponent".to_owned(),
        },
        _ => JoseError::JwkInvalidField {
            field: "n",
            reason: "not a valid RSA modulus for this exponent".to_owned(),
        },
    })
}

/// Number of significant bits of a big-endian unsigned integer.
pub(crate) fn bit_length(bytes: &[u8]) -> usize {
    let bytes = strip_leading_zeros(bytes);
    match bytes.first() {
        None => 0,
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Decodes a base64url member.
fn decode_member(field: &'static str, text: &str) -> Result<Vec<u8>, JoseError> {
    LENIENT_BASE64URL
        .decode(text)
        .map_err(|error| JoseError::JwkInvalidField {
            field,
            reason: format!("not base64url: {error}"),
        })
}

/// Decodes a private base64url member into memory that is wiped when dropped.
fn decode_secret(field: &'static str, text: &str) -> Result<Zeroizing<Vec<u8>>, JoseError> {
    LENIENT_BASE64URL
        .decode(text)
        .map(Zeroizing::new)
        // The decoder's message names only a position, never the value.
        .map_err(|error| JoseError::JwkInvalidField {
            field,
            reason: format!("not base64url: {error}"),
        })
}

/// Decodes an EC coordinate and left-pads it to the field size.
fn decode_coordinate(field: &'static str, text: &str, curve: Curve) -> Result<Vec<u8>, JoseError> {
    let bytes = decode_member(field, text)?;
    Ok(left_pad(field, &bytes, curve)?.to_vec())
}

/// RFC 7518 §6.2.1.2 wants full-length coordinates, but some encoders drop leading zero
/// octets; pad those back rather than refuse the key. Longer values are refused.
fn left_pad(
    field: &'static str,
    bytes: &[u8],
    curve: Curve,
) -> Result<Zeroizing<Vec<u8>>, JoseError> {
    let size = curve.field_size();
    let bytes = if bytes.len() > size {
        // A leading zero octet beyond the field size is harmless; anything else is not.
        let (extra, rest) = bytes.split_at(bytes.len() - size);
        if extra.iter().any(|&b| b != 0) {
            return Err(JoseError::JwkInvalidField {
                field,
                reason: format!(
                    "{} octets, more than the {size} of {}",
                    bytes.len(),
                    curve.crv()
                ),
            });
        }
        rest
    } else {
        bytes
    };
    if bytes.is_empty() {
        return Err(JoseError::JwkInvalidField {
            field,
            reason: "empty".to_owned(),
        });
    }
    let mut padded = Zeroizing::new(vec![0u8; size]);
    padded[size - bytes.len()..].copy_from_slice(bytes);
    Ok(padded)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The members of a JWK object.
struct Members<'a>(&'a Map<String, Value>);

impl<'a> Members<'a> {
    fn optional(&self, field: &'static str) -> Result<Option<&'a str>, JoseError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(JoseError::JwkInvalidField {
                field,
                reason: format!("expected a string, found {}", json_kind(other)),
            }),
        }
    }

    fn required(&self, field: &'static str) -> Result<&'a str, JoseError> {
        self.optional(field)?
            .ok_or(JoseError::JwkMissingField { field })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::SigningKey;
    use crate::testdata;

    fn import_error(json: &str) -> JoseError {
        match SigningKey::from_jwk_json(json) {
            Ok(key) => panic!("imported {key:?} from {json}"),
            Err(error) => error,
        }
    }

    fn edited(json: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
        let mut value: Value = serde_json::from_str(json).unwrap();
        edit(value.as_object_mut().unwrap());
        value.to_string()
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 §3.1.
        let jwk = PublicJwk {
            kty: "RSA".into(),
            kid: Some("2011-04-29".into()),
            alg: Some("RS256".into()),
            n: Some(testdata::RFC7638_N.into()),
            e: Some("AQAB".into()),
            ..PublicJwk::default()
        };
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn rfc9449_example_jkt() {
        // RFC 9449 §6.1: the `jkt` of the example DPoP key.
        let jwk = PublicJwk {
            kty: "EC".into(),
            crv: Some("P-256".into()),
            x: Some("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs".into()),
            y: Some("9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA".into()),
            ..PublicJwk::default()
        };
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        );
    }

    #[test]
    fn thumbprint_errors() {
        let missing_n = PublicJwk {
            kty: "RSA".into(),
            e: Some("AQAB".into()),
            ..PublicJwk::default()
        };
        assert_eq!(
            thumbprint(&missing_n),
            Err(JoseError::JwkMissingField { field: "n" })
        );
        let oct = PublicJwk {
            kty: "oct".into(),
            ..PublicJwk::default()
        };
        assert_eq!(
            thumbprint(&oct),
            Err(JoseError::UnsupportedKeyType { kty: "oct".into() })
        );
        assert_eq!(
            thumbprint(&PublicJwk::default()),
            Err(JoseError::JwkMissingField { field: "kty" })
        );
    }

    #[test]
    fn not_json_is_refused() {
        let error = import_error("not-json");
        assert!(matches!(error, JoseError::JwkNotJson { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("the JSON Web Key is not valid JSON: "),
            "{error}"
        );
        assert_eq!(
            import_error("[1, 2]").to_string(),
            "the JSON Web Key is not valid JSON: expected a JSON object, found an array"
        );
    }

    #[test]
    fn missing_members_are_named() {
        let error = import_error(r#"{"n": "AQAB"}"#);
        assert_eq!(error, JoseError::JwkMissingField { field: "kty" });
        assert_eq!(error.to_string(), "the JSON Web Key has no `kty` member");
        let no_n = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
            m.remove("n");
        });
        assert_eq!(
            import_error(&no_n),
            JoseError::JwkMissingField { field: "n" }
        );
        let no_crv = edited(testdata::RFC7515_A3_EC_JWK, |m| {
            m.remove("crv");
        });
        assert_eq!(
            import_error(&no_crv),
            JoseError::JwkMissingField { field: "crv" }
        );
        let no_q = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
            m.remove("q");
        });
        assert_eq!(
            import_error(&no_q),
            JoseError::JwkMissingField { field: "q" }
        );
    }

    #[test]
    fn public_only_jwks_are_refused() {
        for json in [testdata::RFC7515_A2_RSA_JWK, testdata::RFC7515_A3_EC_JWK] {
            let public = edited(json, |m| {
                m.remove("d");
            });
            let error = import_error(&public);
            assert_eq!(error, JoseError::JwkPublicOnly);
            assert_eq!(
                error.to_string(),
                "the JSON Web Key is public only (no `d` member): the private key is needed to sign"
            );
        }
    }

    #[test]
    fn unsupported_key_types_are_refused() {
        let error = import_error(r#"{"kty": "oct", "k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ"}"#);
        assert_eq!(error, JoseError::UnsupportedKeyType { kty: "oct".into() });
        assert_eq!(
            error.to_string(),
            "unsupported key type `kty: oct`: expected RSA or EC"
        );
        let error = import_error(
            r#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        );
        assert_eq!(error, JoseError::UnsupportedKeyType { kty: "OKP".into() });
    }

    #[test]
    fn unsupported_curves_are_refused() {
        let json = edited(testdata::RFC7515_A3_EC_JWK, |m| {
            m.insert("crv".into(), json!("secp256k1"));
        });
        let error = import_error(&json);
        assert_eq!(
            error,
            JoseError::UnsupportedCurve {
                crv: "secp256k1".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "unsupported curve `crv: secp256k1`: expected P-256, P-384 or P-521"
        );
    }

    #[test]
    fn invalid_base64url_members_are_refused() {
        let json = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
            m.insert("d".into(), json!("not*base64"));
        });
        let error = import_error(&json);
        assert!(
            matches!(error, JoseError::JwkInvalidField { field: "d", .. }),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("the JSON Web Key member `d` is invalid: not base64url"),
            "{error}"
        );
        let json = edited(testdata::RFC7515_A3_EC_JWK, |m| {
            m.insert("x".into(), json!(17));
        });
        assert_eq!(
            import_error(&json).to_string(),
            "the JSON Web Key member `x` is invalid: expected a string, found a number"
        );
        // A coordinate longer than the field.
        let json = edited(testdata::RFC7515_A3_EC_JWK, |m| {
            m.insert("x".into(), json!(crate::base64url(&[1u8; 33])));
        });
        assert!(matches!(
            import_error(&json),
            JoseError::JwkInvalidField { field: "x", .. }
        ));
    }

    #[test]
    fn mismatched_public_members_are_refused() {
        // EC: y of another key.
        let other: Value = serde_json::from_str(
            &SigningKey::generate(crate::KeyKind::P256)
                .unwrap()
                .to_private_jwk_json(),
        )
        .unwrap();
        let json = edited(testdata::RFC7515_A3_EC_JWK, |m| {
            m.insert("y".into(), other["y"].clone());
        });
        let error = import_error(&json);
        assert_eq!(error, JoseError::JwkInconsistent);
        assert_eq!(
            error.to_string(),
            "the JSON Web Key's public members do not match its private key"
        );
        // RSA: the RFC 7638 example modulus with the RFC 7515 private exponent, with and
        // without primes.
        for json in [
            testdata::RFC7515_A2_RSA_JWK.to_owned(),
            testdata::without_members(testdata::RFC7515_A2_RSA_JWK, &["p", "q", "dp", "dq", "qi"]),
        ] {
            let json = edited(&json, |m| {
                m.insert("n".into(), json!(testdata::RFC7638_N));
            });
            assert_eq!(import_error(&json), JoseError::JwkInconsistent);
        }
        // RSA: a wrong CRT value.
        let json = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
            let dq = m["dq"].clone();
            m.insert("dp".into(), dq);
        });
        assert_eq!(import_error(&json), JoseError::JwkInconsistent);
    }

    #[test]
    fn small_rsa_keys_are_refused() {
        let json = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
            m.insert("n".into(), json!(crate::base64url(testdata::RSA_1024_N)));
        });
        let error = import_error(&json);
        assert_eq!(error, JoseError::RsaKeyTooSmall { bits: 1024 });
        assert_eq!(
            error.to_string(),
            "the RSA key has 1024 bits: Okta requires at least 2048"
        );
    }

    #[test]
    fn alg_members_are_checked() {
        let json = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
            m.insert("alg".into(), json!("ES256"));
        });
        let error = import_error(&json);
        assert_eq!(
            error,
            JoseError::AlgorithmMismatch {
                alg: "ES256".into(),
                kty: "RSA".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "the key's `alg` ES256 does not fit a RSA key"
        );
        let json = edited(testdata::RFC7515_A3_EC_JWK, |m| {
            m.insert("alg".into(), json!("ES512"));
        });
        assert_eq!(
            import_error(&json).to_string(),
            "the key's `alg` ES512 does not fit a EC P-256 key"
        );
        for alg in ["none", "HS256", "PS256"] {
            let json = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
                m.insert("alg".into(), json!(alg));
            });
            assert!(matches!(
                import_error(&json),
                JoseError::AlgorithmMismatch { .. }
            ));
        }
        let json = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
            m.insert("alg".into(), json!("RS512"));
            m.insert("kid".into(), json!("k-512"));
        });
        let key = SigningKey::from_jwk_json(&json).unwrap();
        assert_eq!(key.algorithm(), Algorithm::RS512);
        assert_eq!(key.kid(), Some("k-512"));
    }

    #[test]
    fn short_and_padded_ec_members_are_accepted() {
        // Padding characters (32 octets → 43 characters and one `=`).
        let json = edited(testdata::RFC7515_A3_EC_JWK, |m| {
            let d = format!("{}=", m["d"].as_str().unwrap());
            m.insert("d".into(), json!(d));
        });
        SigningKey::from_jwk_json(&json).unwrap();
        // A dropped leading zero octet in `y` of the P-521 example.
        let original: Value = serde_json::from_str(testdata::RFC7515_A4_EC_JWK).unwrap();
        let y = LENIENT_BASE64URL
            .decode(original["y"].as_str().unwrap())
            .unwrap();
        assert_eq!(y[0], 0, "the RFC's P-521 y starts with a zero octet");
        let json = edited(testdata::RFC7515_A4_EC_JWK, |m| {
            m.insert("y".into(), json!(crate::base64url(&y[1..])));
        });
        let key = SigningKey::from_jwk_json(&json).unwrap();
        assert_eq!(key.public_jwk().y.as_deref(), original["y"].as_str());
    }

    #[test]
    fn verifying_key_import_errors() {
        use crate::VerifyingKey;
        let rsa_small = PublicJwk {
            kty: "RSA".into(),
            n: Some(crate::base64url(testdata::RSA_1024_N)),
            e: Some("AQAB".into()),
            ..PublicJwk::default()
        };
        assert_eq!(
            VerifyingKey::from_jwk(&rsa_small).unwrap_err(),
            JoseError::RsaKeyTooSmall { bits: 1024 }
        );
        let off_curve = PublicJwk {
            kty: "EC".into(),
            crv: Some("P-256".into()),
            x: Some(crate::base64url(&[1u8; 32])),
            y: Some(crate::base64url(&[2u8; 32])),
            ..PublicJwk::default()
        };
        assert_eq!(
            VerifyingKey::from_jwk(&off_curve).unwrap_err().to_string(),
            "the JSON Web Key member `x` is invalid: (x, y) is not a point on P-256"
        );
        let wrong_alg = PublicJwk {
            alg: Some("RS256".into()),
            ..SigningKey::from_jwk_json(testdata::RFC7515_A3_EC_JWK)
                .unwrap()
                .dpop_jwk()
        };
        assert!(matches!(
            VerifyingKey::from_jwk(&wrong_alg).unwrap_err(),
            JoseError::AlgorithmMismatch { .. }
        ));
        let okp = PublicJwk {
            kty: "OKP".into(),
            ..PublicJwk::default()
        };
        assert_eq!(
            VerifyingKey::from_jwk(&okp).unwrap_err(),
            JoseError::UnsupportedKeyType { kty: "OKP".into() }
        );
        let no_e = PublicJwk {
            e: None,
            ..rsa_small
        };
        assert_eq!(
            VerifyingKey::from_jwk(&no_e).unwrap_err(),
            JoseError::JwkMissingField { field: "e" }
        );
    }

    #[test]
    fn degenerate_rsa_members_fail_without_panicking() {
        let n: Value =
            serde_json::from_str::<Value>(testdata::RFC7515_A2_RSA_JWK).unwrap()["n"].clone();
        let n_bytes = LENIENT_BASE64URL.decode(n.as_str().unwrap()).unwrap();
        let mut n_minus_one = n_bytes.clone();
        *n_minus_one.last_mut().unwrap() -= 1;
        let bare =
            testdata::without_members(testdata::RFC7515_A2_RSA_JWK, &["p", "q", "dp", "dq", "qi"]);
        let cases: Vec<(&str, Value)> = vec![
            ("e", json!("")),
            ("e", json!("AA")),
            ("e", json!("Ag")),
            ("e", json!(crate::base64url(&[0xff; 300]))),
            ("d", json!("")),
            ("d", json!("AA")),
            ("d", json!("AQ")),
            ("d", json!(crate::base64url(&n_minus_one))),
            ("d", json!(crate::base64url(&[0xff; 300]))),
            ("n", json!("")),
            ("n", json!(crate::base64url(&[0xff; 256]))),
            ("n", json!(crate::base64url(&[0xfe; 256]))),
            ("n", json!(crate::base64url(&[0xff; 1100]))),
        ];
        for (member, value) in cases {
            for base in [testdata::RFC7515_A2_RSA_JWK, bare.as_str()] {
                let json = edited(base, |m| {
                    m.insert(member.into(), value.clone());
                });
                assert!(
                    SigningKey::from_jwk_json(&json).is_err(),
                    "{member}: {value}"
                );
            }
        }
        // A small e needs the primes.
        let json = edited(&bare, |m| {
            m.insert("e".into(), json!("Aw"));
        });
        assert_eq!(
            SigningKey::from_jwk_json(&json).unwrap_err().to_string(),
            "the JSON Web Key member `e` is invalid: the primes `p` and `q` are needed when e is \
             at most 65536"
        );
        // Primes that multiply to n but are not a real factorisation.
        let json = edited(testdata::RFC7515_A2_RSA_JWK, |m| {
            m.insert("p".into(), json!("AQ"));
            m.insert("q".into(), n.clone());
        });
        assert!(SigningKey::from_jwk_json(&json).is_err());
    }

    #[test]
    fn bit_length_counts_significant_bits() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0, 0x7f, 0]), 15);
    }
}
