//! A software WebAuthn authenticator (ES256 only) that answers Okta's creation options with a
//! `PublicKeyCredential` carrying `none` or packed self attestation (WebAuthn Level 2 §6.1,
//! §6.5, §8.2 "Self Attestation", §8.7 "None").
//!
//! Hand-written on `ciborium` + `p256` rather than 1Password's `passkey-*` crates: those only
//! produce the `none` format and refuse IP-address origins (shared/dependency-notes.md
//! "WebAuthn"); the CBOR here is two small maps and the signature one ECDSA call.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::Value as Cbor;
use oktactl_wire::WebAuthnActivation;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePrivateKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use signature::Signer;

use crate::PasskeyError;

/// COSE algorithm id of ES256 (RFC 9053 §2.1).
pub const COSE_ES256: i64 = -7;
/// Authenticator data flags (WebAuthn §6.1): user present, user verified, attested data.
const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;
/// Credential ids are 16 random bytes, so a password manager can show them as a UUID.
const CREDENTIAL_ID_LEN: usize = 16;

/// The attestation statement format the authenticator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttestationFormat {
    /// `none`: no statement (WebAuthn §8.7).
    None,
    /// `packed` self attestation: signed with the credential key itself (WebAuthn §8.2).
    #[default]
    Packed,
}

impl AttestationFormat {
    /// `none` or `packed`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttestationFormat::None => "none",
            AttestationFormat::Packed => "packed",
        }
    }
}

/// A `PublicKeyCredential` as browsers serialize it (`toJSON()`, WebAuthn Level 3
/// `RegistrationResponseJSON`): byte fields are base64url.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyCredential {
    /// Credential id (base64url).
    pub id: String,
    /// Same as `id`.
    #[serde(default)]
    pub raw_id: String,
    /// `public-key`.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// The attestation response.
    pub response: AttestationResponse,
    /// `platform` or `cross-platform`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// Extension outputs.
    #[serde(default)]
    pub client_extension_results: serde_json::Value,
}

/// `AuthenticatorAttestationResponseJSON`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponse {
    /// clientDataJSON bytes (base64url).
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// CBOR attestation object (base64url).
    pub attestation_object: String,
    /// Transports, e.g. `internal`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<String>,
}

/// What the software authenticator made: the credential for the relying party, and the
/// private key the user keeps.
#[derive(Clone)]
pub struct CreatedCredential {
    /// What goes to the relying party (no secret in it).
    pub credential: PublicKeyCredential,
    /// Raw credential id.
    pub credential_id: Vec<u8>,
    /// The relying party id the credential is scoped to.
    pub rp_id: String,
    /// The relying party's display name.
    pub rp_name: String,
    /// User handle (base64url, as in the options).
    pub user_handle: String,
    /// User name (the login).
    pub user_name: String,
    /// Display name.
    pub user_display_name: String,
    private_key_pkcs8: Vec<u8>,
}

impl fmt::Debug for CreatedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedCredential")
            .field(
                "credential_id",
                &URL_SAFE_NO_PAD.encode(&self.credential_id),
            )
            .field("rp_id", &self.rp_id)
            .field("user_name", &self.user_name)
            .field("private_key", &"[redacted]")
            .finish()
    }
}

impl CreatedCredential {
    /// The private key as PKCS#8 DER.
    ///
    /// # Security
    /// This is the passkey's secret: whoever has it can sign in as the user. Write it only to
    /// files with mode 0600 and never log it.
    pub fn private_key_pkcs8(&self) -> &[u8] {
        &self.private_key_pkcs8
    }
}

/// Creates an ES256 credential for `options` as a browser at `origin` would (WebAuthn §5.1.3
/// and the authenticator's `authenticatorMakeCredential`, §6.3.2).
///
/// `rp_id` is the relying party id to scope the credential to: `options.rp.id` if set, else
/// the tenant host (Okta omits `rp.id`, reference §8).
pub fn create_credential(
    options: &WebAuthnActivation,
    rp_id: &str,
    origin: &str,
    format: AttestationFormat,
) -> Result<CreatedCredential, PasskeyError> {
    if !options
        .pub_key_cred_params
        .iter()
        .any(|p| p.alg == COSE_ES256)
    {
        return Err(PasskeyError::UnsupportedAlgorithm {
            offered: options.pub_key_cred_params.iter().map(|p| p.alg).collect(),
        });
    }
    let key = random_signing_key()?;
    let mut credential_id = vec![0u8; CREDENTIAL_ID_LEN];
    getrandom::fill(&mut credential_id).map_err(PasskeyError::crypto)?;

    let client_data = serde_json::json!({
        "type": "webauthn.create",
        "challenge": options.challenge,
        "origin": origin,
        "crossOrigin": false,
    });
    let client_data_json = serde_json::to_vec(&client_data).map_err(PasskeyError::crypto)?;
    let auth_data = authenticator_data(rp_id, &credential_id, &key)?;
    let att_stmt = match format {
        AttestationFormat::None => Cbor::Map(Vec::new()),
        AttestationFormat::Packed => {
            // §8.2 step "self attestation": sig over authenticatorData ‖ clientDataHash,
            // with the credential private key, DER-encoded ECDSA; no x5c.
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&Sha256::digest(&client_data_json));
            let signature: DerSignature = key.sign(&signed);
            Cbor::Map(vec![
                (text("alg"), Cbor::Integer(COSE_ES256.into())),
                (text("sig"), Cbor::Bytes(signature.as_bytes().to_vec())),
            ])
        }
    };
    // CTAP2 canonical order: shorter keys first ("fmt", "attStmt", "authData").
    let attestation_object = cbor_bytes(&Cbor::Map(vec![
        (text("fmt"), text(format.as_str())),
        (text("attStmt"), att_stmt),
        (text("authData"), Cbor::Bytes(auth_data)),
    ]))?;
    let id = URL_SAFE_NO_PAD.encode(&credential_id);
    let private_key_pkcs8 = key
        .to_pkcs8_der()
        .map_err(PasskeyError::crypto)?
        .as_bytes()
        .to_vec();
    Ok(CreatedCredential {
        credential: PublicKeyCredential {
            raw_id: id.clone(),
            id,
            type_: "public-key".into(),
            response: AttestationResponse {
                client_data_json: URL_SAFE_NO_PAD.encode(&client_data_json),
                attestation_object: URL_SAFE_NO_PAD.encode(&attestation_object),
                transports: vec!["internal".into()],
            },
            authenticator_attachment: Some("platform".into()),
            client_extension_results: serde_json::json!({}),
        },
        credential_id,
        rp_id: rp_id.to_owned(),
        rp_name: options.rp.name.clone(),
        user_handle: options.user.id.clone(),
        user_name: options.user.name.clone(),
        user_display_name: options.user.display_name.clone(),
        private_key_pkcs8,
    })
}

/// `rpIdHash ‖ flags ‖ signCount ‖ attestedCredentialData` (WebAuthn §6.1, §6.5.1).
fn authenticator_data(
    rp_id: &str,
    credential_id: &[u8],
    key: &SigningKey,
) -> Result<Vec<u8>, PasskeyError> {
    let point = key.verifying_key().to_sec1_point(false);
    let (x, y) = match (point.x(), point.y()) {
        (Some(x), Some(y)) => (x.to_vec(), y.to_vec()),
        _ => return Err(PasskeyError::crypto("the public key is the identity point")),
    };
    // COSE_Key for EC2 P-256 (RFC 9053 §7.1): kty 2, alg -7, crv 1, x, y.
    let cose_key = cbor_bytes(&Cbor::Map(vec![
        (Cbor::Integer(1.into()), Cbor::Integer(2.into())),
        (Cbor::Integer(3.into()), Cbor::Integer(COSE_ES256.into())),
        (Cbor::Integer((-1).into()), Cbor::Integer(1.into())),
        (Cbor::Integer((-2).into()), Cbor::Bytes(x)),
        (Cbor::Integer((-3).into()), Cbor::Bytes(y)),
    ]))?;
    let id_len = u16::try_from(credential_id.len())
        .map_err(|_| PasskeyError::crypto("credential id too long"))?;
    let mut data = Vec::with_capacity(37 + 18 + credential_id.len() + cose_key.len());
    data.extend_from_slice(&Sha256::digest(rp_id.as_bytes()));
    data.push(FLAG_UP | FLAG_UV | FLAG_AT);
    data.extend_from_slice(&0u32.to_be_bytes());
    data.extend_from_slice(&[0u8; 16]); // AAGUID: all zero for a software authenticator.
    data.extend_from_slice(&id_len.to_be_bytes());
    data.extend_from_slice(credential_id);
    data.extend_from_slice(&cose_key);
    Ok(data)
}

fn random_signing_key() -> Result<SigningKey, PasskeyError> {
    // A random 32-byte string is a valid P-256 scalar except with probability ~2^-32; retry
    // a few times rather than loop forever on a broken RNG.
    for _ in 0..8 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(PasskeyError::crypto)?;
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
    Err(PasskeyError::crypto("could not generate a P-256 key"))
}

fn text(value: &str) -> Cbor {
    Cbor::Text(value.to_owned())
}

fn cbor_bytes(value: &Cbor) -> Result<Vec<u8>, PasskeyError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(PasskeyError::crypto)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oktactl_wire::{PubKeyCredParam, RelyingParty, WebAuthnUser};
    use p256::ecdsa::VerifyingKey;
    use signature::Verifier;

    fn options() -> WebAuthnActivation {
        WebAuthnActivation {
            challenge: "Y2hhbGxlbmdl".into(),
            rp: RelyingParty {
                id: None,
                name: "Example".into(),
            },
            user: WebAuthnUser {
                id: "dXNlcg".into(),
                name: "alice@example.com".into(),
                display_name: "Alice".into(),
            },
            pub_key_cred_params: vec![PubKeyCredParam {
                type_: "public-key".into(),
                alg: -7,
            }],
            exclude_credentials: vec![],
            authenticator_selection: None,
            attestation: Some("direct".into()),
            timeout: None,
            extensions: None,
        }
    }

    #[test]
    fn packed_self_attestation_verifies_with_the_credential_key() {
        let created = create_credential(
            &options(),
            "example.okta.com",
            "https://example.okta.com",
            AttestationFormat::Packed,
        )
        .unwrap();
        let object = URL_SAFE_NO_PAD
            .decode(&created.credential.response.attestation_object)
            .unwrap();
        let value: Cbor = ciborium::from_reader(object.as_slice()).unwrap();
        let map = value.as_map().unwrap();
        let get = |k: &str| {
            map.iter()
                .find(|(key, _)| key.as_text() == Some(k))
                .unwrap()
                .1
                .clone()
        };
        assert_eq!(get("fmt").as_text(), Some("packed"));
        let auth_data = get("authData").as_bytes().unwrap().clone();
        assert_eq!(
            &auth_data[..32],
            Sha256::digest(b"example.okta.com").as_slice()
        );
        assert_eq!(auth_data[32], 0x45);
        let client_data = URL_SAFE_NO_PAD
            .decode(&created.credential.response.client_data_json)
            .unwrap();
        let statement = get("attStmt");
        let sig = statement.as_map().unwrap()[1].1.as_bytes().unwrap().clone();
        let key = SigningKey::from_pkcs8_der_compat(created.private_key_pkcs8());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let sig = p256::ecdsa::DerSignature::try_from(sig.as_slice()).unwrap();
        let sig = p256::ecdsa::Signature::try_from(sig).unwrap();
        VerifyingKey::from(&key).verify(&signed, &sig).unwrap();
        assert!(
            !format!("{created:?}").contains(&URL_SAFE_NO_PAD.encode(created.private_key_pkcs8()))
        );
    }

    #[test]
    fn refuses_options_without_es256() {
        let mut opts = options();
        opts.pub_key_cred_params[0].alg = -257;
        let err = create_credential(&opts, "h", "https://h", AttestationFormat::None).unwrap_err();
        assert!(matches!(err, PasskeyError::UnsupportedAlgorithm { .. }));
    }

    trait FromPkcs8Compat {
        fn from_pkcs8_der_compat(der: &[u8]) -> SigningKey;
    }
    impl FromPkcs8Compat for SigningKey {
        fn from_pkcs8_der_compat(der: &[u8]) -> SigningKey {
            use p256::pkcs8::DecodePrivateKey;
            SigningKey::from_pkcs8_der(der).unwrap()
        }
    }
}
