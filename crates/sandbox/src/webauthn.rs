//! A small WebAuthn registration verifier (WebAuthn Level 2 §7.1 "Registering a New
//! Credential", steps 5–19 minus trust-anchor checks): clientDataJSON type, challenge and
//! origin; rpIdHash; UP flag; attested credential data; the COSE ES256 key; and the `none` or
//! packed self attestation statement.
//!
//! Hand-written rather than `webauthn-rs-core`: that crate pulls ~235 crates and cannot be
//! resolved together with `rsa` 0.10 (shared/dependency-notes.md "WebAuthn"). It shares no code
//! with oktactl's software authenticator, so the sandbox can still catch a client bug.

use std::io::Cursor;

use ciborium::Value as Cbor;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, Signature, VerifyingKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// What the relying party expects of a registration.
pub(crate) struct Expected<'a> {
    /// The challenge handed out (base64url).
    pub challenge: &'a str,
    /// Accepted `origin` values.
    pub origins: &'a [String],
    /// The relying party id (host).
    pub rp_id: &'a str,
}

/// A verified registration.
#[derive(Debug, Clone)]
pub(crate) struct Registered {
    /// Raw credential id.
    pub credential_id: Vec<u8>,
    /// `none` or `packed`.
    pub format: String,
}

/// Why a registration was refused (one lowercase line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal(pub String);

const FLAG_UP: u8 = 0x01;
const FLAG_AT: u8 = 0x40;
const COSE_ES256: i128 = -7;

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    type_: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: bool,
}

/// Verifies `attestation_object` and `client_data_json` against `expected`.
pub(crate) fn verify_registration(
    attestation_object: &[u8],
    client_data_json: &[u8],
    expected: &Expected<'_>,
) -> Result<Registered, Refusal> {
    let refuse = |reason: &str| Refusal(reason.to_owned());
    // §7.1 steps 5–10: the client data.
    let client: ClientData = serde_json::from_slice(client_data_json)
        .map_err(|_| refuse("clientDataJSON is not valid JSON"))?;
    if client.type_ != "webauthn.create" {
        return Err(Refusal(format!(
            "clientData type is '{}', expected 'webauthn.create'",
            client.type_
        )));
    }
    if client.challenge.trim_end_matches('=') != expected.challenge {
        return Err(refuse(
            "clientData challenge does not match the factor's challenge",
        ));
    }
    if !expected.origins.iter().any(|o| o == &client.origin) {
        return Err(Refusal(format!(
            "clientData origin '{}' is not an origin of this org",
            client.origin
        )));
    }
    if client.cross_origin {
        return Err(refuse("cross-origin registrations are not accepted"));
    }
    // Step 12: the attestation object.
    let object: Cbor = ciborium::from_reader(attestation_object)
        .map_err(|_| refuse("the attestation object is not CBOR"))?;
    let fmt = map_get(&object, "fmt")
        .and_then(Cbor::as_text)
        .ok_or_else(|| refuse("the attestation object has no fmt"))?
        .to_owned();
    let statement = map_get(&object, "attStmt")
        .and_then(Cbor::as_map)
        .ok_or_else(|| refuse("the attestation object has no attStmt"))?;
    let auth_data = map_get(&object, "authData")
        .and_then(Cbor::as_bytes)
        .ok_or_else(|| refuse("the attestation object has no authData"))?;
    // Steps 13–16: rpIdHash and flags.
    if auth_data.len() < 37 + 18 {
        return Err(refuse("authenticator data is too short"));
    }
    if auth_data[..32] != *Sha256::digest(expected.rp_id.as_bytes()) {
        return Err(refuse(
            "rpIdHash is not the SHA-256 of this org's relying party id",
        ));
    }
    let flags = auth_data[32];
    if flags & FLAG_UP == 0 {
        return Err(refuse("the user-present flag is not set"));
    }
    if flags & FLAG_AT == 0 {
        return Err(refuse("authenticator data has no attested credential data"));
    }
    // §6.5.1: aaguid(16) ‖ credentialIdLength(2) ‖ credentialId ‖ credentialPublicKey.
    let id_len = usize::from(u16::from_be_bytes([auth_data[53], auth_data[54]]));
    let key_start = 55 + id_len;
    if auth_data.len() <= key_start || id_len == 0 {
        return Err(refuse("attested credential data is truncated"));
    }
    let credential_id = auth_data[55..key_start].to_vec();
    let mut cursor = Cursor::new(&auth_data[key_start..]);
    let cose: Cbor = ciborium::from_reader(&mut cursor)
        .map_err(|_| refuse("the credential public key is not CBOR"))?;
    let key = es256_key(&cose)?;
    // Steps 17–19: the statement.
    let signed = || {
        let mut data = auth_data.clone();
        data.extend_from_slice(&Sha256::digest(client_data_json));
        data
    };
    match fmt.as_str() {
        "none" if statement.is_empty() => {}
        "none" => return Err(refuse("a 'none' attestation must have an empty attStmt")),
        "packed" => {
            let get = |name: &str| {
                statement
                    .iter()
                    .find(|(k, _)| k.as_text() == Some(name))
                    .map(|(_, v)| v)
            };
            if get("x5c").is_some() {
                return Err(refuse("packed attestation with x5c is not supported"));
            }
            let alg = get("alg").and_then(Cbor::as_integer).map(i128::from);
            if alg != Some(COSE_ES256) {
                return Err(refuse("packed self attestation must use alg -7 (ES256)"));
            }
            let sig = get("sig")
                .and_then(Cbor::as_bytes)
                .ok_or_else(|| refuse("packed attestation has no sig"))?;
            let sig = DerSignature::try_from(sig.as_slice())
                .ok()
                .and_then(|der| Signature::try_from(der).ok())
                .ok_or_else(|| refuse("the attestation signature is not a DER ECDSA signature"))?;
            key.verify(&signed(), &sig)
                .map_err(|_| refuse("the attestation signature does not verify"))?;
        }
        other => {
            return Err(Refusal(format!(
                "attestation format '{other}' is not supported"
            )));
        }
    }
    Ok(Registered {
        credential_id,
        format: fmt,
    })
}

/// A COSE_Key (RFC 9053 §7.1) for EC2 P-256 / ES256 as a verifying key.
fn es256_key(cose: &Cbor) -> Result<VerifyingKey, Refusal> {
    let refuse = |reason: &str| Refusal(reason.to_owned());
    let map = cose
        .as_map()
        .ok_or_else(|| refuse("the credential public key is not a COSE map"))?;
    let get = |label: i128| {
        map.iter()
            .find(|(k, _)| k.as_integer().map(i128::from) == Some(label))
            .map(|(_, v)| v)
    };
    let int = |label| get(label).and_then(Cbor::as_integer).map(i128::from);
    if int(1) != Some(2) || int(3) != Some(COSE_ES256) || int(-1) != Some(1) {
        return Err(refuse(
            "only ES256 credential keys (EC2, P-256, alg -7) are accepted",
        ));
    }
    let coordinate = |label| {
        get(label)
            .and_then(Cbor::as_bytes)
            .filter(|b| b.len() == 32)
            .ok_or_else(|| refuse("the COSE key coordinates are not 32 bytes"))
    };
    let mut point = vec![0x04];
    point.extend_from_slice(coordinate(-2)?);
    point.extend_from_slice(coordinate(-3)?);
    VerifyingKey::from_sec1_bytes(&point)
        .map_err(|_| refuse("the COSE key is not a point on P-256"))
}

fn map_get<'a>(value: &'a Cbor, name: &str) -> Option<&'a Cbor> {
    value
        .as_map()?
        .iter()
        .find(|(k, _)| k.as_text() == Some(name))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    // An independent registration: a `none` attestation from a real authenticator, from the
    // test suite of duo-labs/py_webauthn (tests/test_verify_registration_response.py,
    // `test_verifies_none_attestation_response`).
    const ATTESTATION: &str = "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjESZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NFAAAAFwAAAAAAAAAAAAAAAAAAAAAAQPctcQPE5oNRRJk_nO_371mf7qE7qIodzr0eOf6ACvnMB1oQG165dqutoi1U44shGezu5_gkTjmOPeJO0N8a7P-lAQIDJiABIVggSFbUJF-42Ug3pdM8rDRFu_N5oiVEysPDB6n66r_7dZAiWCDUVnB39FlGypL-qAoIO9xWHtJygo2jfDmHl-_eKFRLDA";
    const CLIENT_DATA: &str = "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiVHdON240V1R5R0tMYzRaWS1xR3NGcUtuSE00bmdscXN5VjBJQ0psTjJUTzlYaVJ5RnRya2FEd1V2c3FsLWdrTEpYUDZmbkYxTWxyWjUzTW00UjdDdnciLCJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
    const CHALLENGE: &str =
        "TwN7n4WTyGKLc4ZY-qGsFqKnHM4nglqsyV0ICJlN2TO9XiRyFtrkaDwUvsql-gkLJXP6fnF1MlrZ53Mm4R7Cvw";

    fn verify(origin: &str, rp_id: &str, challenge: &str) -> Result<Registered, Refusal> {
        let origins = [origin.to_owned()];
        verify_registration(
            &URL_SAFE_NO_PAD.decode(ATTESTATION).unwrap(),
            &URL_SAFE_NO_PAD.decode(CLIENT_DATA).unwrap(),
            &Expected {
                challenge,
                origins: &origins,
                rp_id,
            },
        )
    }

    #[test]
    fn accepts_a_real_authenticators_none_attestation() {
        let registered = verify("http://localhost:5000", "localhost", CHALLENGE).unwrap();
        assert_eq!(registered.format, "none");
        assert_eq!(
            URL_SAFE_NO_PAD.encode(&registered.credential_id),
            "9y1xA8Tmg1FEmT-c7_fvWZ_uoTuoih3OvR45_oAK-cwHWhAbXrl2q62iLVTjiyEZ7O7n-CROOY494k7Q3xrs_w"
        );
    }

    #[test]
    fn refuses_the_wrong_origin_rp_id_or_challenge() {
        let origin = verify("https://localhost", "localhost", CHALLENGE).unwrap_err();
        assert!(origin.0.contains("origin"), "{origin:?}");
        let rp = verify("http://localhost:5000", "example.com", CHALLENGE).unwrap_err();
        assert!(rp.0.contains("rpIdHash"), "{rp:?}");
        let challenge = verify("http://localhost:5000", "localhost", "AAAA").unwrap_err();
        assert!(challenge.0.contains("challenge"), "{challenge:?}");
    }
}
