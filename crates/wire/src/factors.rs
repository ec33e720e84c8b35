//! Okta factor objects for WebAuthn (reference §8): enrolment request, the factor with its
//! `_embedded.activation` creation options, and the activation body. Field names follow Okta's
//! Factors API (`/api/v1/users/{userId}/factors`) and WebAuthn Level 2 §5.4 for the options.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `factorType` of a passkey / security key factor.
pub const FACTOR_TYPE_WEBAUTHN: &str = "webauthn";
/// `provider` of a WebAuthn factor.
pub const PROVIDER_FIDO: &str = "FIDO";

/// Body of `POST /api/v1/users/{userId}/factors` for a WebAuthn factor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FactorEnrollRequest {
    /// `webauthn`.
    pub factor_type: String,
    /// `FIDO`.
    pub provider: String,
}

impl FactorEnrollRequest {
    /// `{"factorType":"webauthn","provider":"FIDO"}`.
    pub fn webauthn() -> Self {
        FactorEnrollRequest {
            factor_type: FACTOR_TYPE_WEBAUTHN.to_owned(),
            provider: PROVIDER_FIDO.to_owned(),
        }
    }
}

/// A user's factor as Okta returns it from enrol, list, get and activate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Factor {
    /// Factor id, e.g. `fwf1a2b3c4d5e6f7g8h9`.
    pub id: String,
    /// `webauthn`, `sms`, …
    pub factor_type: String,
    /// `FIDO`, `OKTA`, …
    pub provider: String,
    /// `FIDO` for WebAuthn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_name: Option<String>,
    /// `PENDING_ACTIVATION`, `ACTIVE`, …
    pub status: String,
    /// ISO 8601 creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// ISO 8601 time of the last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// For an active WebAuthn factor: `credentialId` and `authenticatorName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<FactorProfile>,
    /// HAL links (`activate`, `self`, `user`).
    #[serde(default, rename = "_links", skip_serializing_if = "Option::is_none")]
    pub links: Option<Value>,
    /// `activation`: the WebAuthn creation options while `PENDING_ACTIVATION`.
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<FactorEmbedded>,
}

/// [`Factor::profile`] of a WebAuthn factor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct FactorProfile {
    /// The credential id (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// Authenticator name Okta derived from the AAGUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_name: Option<String>,
}

/// [`Factor::embedded`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct FactorEmbedded {
    /// The creation options of a pending WebAuthn factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<WebAuthnActivation>,
}

/// Okta's `_embedded.activation` of a pending WebAuthn factor: a WebAuthn
/// `PublicKeyCredentialCreationOptions` with byte fields as base64url strings, and no `rp.id`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnActivation {
    /// The challenge (base64url).
    pub challenge: String,
    /// Relying party; Okta sends only `name`.
    pub rp: RelyingParty,
    /// The user entity; `id` is the user handle (base64url).
    pub user: WebAuthnUser,
    /// Accepted algorithms (COSE: -7 ES256, -257 RS256).
    pub pub_key_cred_params: Vec<PubKeyCredParam>,
    /// Credentials the user already has.
    #[serde(default)]
    pub exclude_credentials: Vec<CredentialDescriptor>,
    /// Authenticator requirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_selection: Option<Value>,
    /// `none`, `indirect`, `direct`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<String>,
    /// Milliseconds, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Extensions, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

/// `PublicKeyCredentialRpEntity`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RelyingParty {
    /// The relying party id (a host); Okta leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    pub name: String,
}

/// `PublicKeyCredentialUserEntity`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnUser {
    /// User handle (base64url).
    pub id: String,
    /// The login.
    pub name: String,
    /// Display name.
    pub display_name: String,
}

/// `PublicKeyCredentialParameters`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PubKeyCredParam {
    /// `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    /// COSE algorithm id.
    pub alg: i64,
}

/// `PublicKeyCredentialDescriptor`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CredentialDescriptor {
    /// `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Credential id (base64url).
    pub id: String,
    /// Transports, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<String>>,
}

/// Body of `POST …/factors/{factorId}/lifecycle/activate` for WebAuthn: both values in
/// *standard* base64 (with padding), not base64url.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnActivateRequest {
    /// The CBOR attestation object.
    pub attestation: String,
    /// The clientDataJSON bytes.
    pub client_data: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The enrol answer from Okta's Factors API reference ("Enroll WebAuthn Factor").
    #[test]
    fn okta_docs_enroll_response_parses() {
        let json = r#"{
          "id": "fwf2rhvnN0PDX7BL20g4", "factorType": "webauthn", "provider": "FIDO",
          "vendorName": "FIDO", "status": "PENDING_ACTIVATION",
          "created": "2019-10-16T23:37:26.000Z", "lastUpdated": "2019-10-16T23:37:26.000Z",
          "_links": {"activate": {"href": "https://x.okta.com/api/v1/users/00u15s1KDETTQMQYABRL/factors/fwf2rhvnN0PDX7BL20g4/lifecycle/activate", "hints": {"allow": ["POST"]}}},
          "_embedded": {"activation": {
            "attestation": "direct",
            "authenticatorSelection": {"userVerification": "preferred", "requireResidentKey": false},
            "challenge": "cdsZ1XR_ZHz8SfFzbJsE",
            "excludeCredentials": [],
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
            "rp": {"name": "Rain-Cloud59"},
            "user": {"displayName": "First Last", "name": "first.last@gmail.com", "id": "00u15s1KDETTQMQYABRL"}
          }}
        }"#;
        let factor: Factor = serde_json::from_str(json).unwrap();
        let activation = factor.embedded.unwrap().activation.unwrap();
        assert_eq!(activation.rp.id, None);
        assert_eq!(activation.pub_key_cred_params[1].alg, -257);
        assert_eq!(activation.user.name, "first.last@gmail.com");
        let body = serde_json::to_value(WebAuthnActivateRequest {
            attestation: "o2N=".into(),
            client_data: "eyJ=".into(),
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"attestation": "o2N=", "clientData": "eyJ="})
        );
        assert_eq!(
            serde_json::to_value(FactorEnrollRequest::webauthn()).unwrap(),
            serde_json::json!({"factorType": "webauthn", "provider": "FIDO"})
        );
    }
}
