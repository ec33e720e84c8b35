//! The exported passkey: a Bitwarden unencrypted JSON export with one login item whose
//! `login.fido2Credentials` holds the credential. Bitwarden documents this format for its
//! JSON export/import ("Export Vault Data" / "Condition a Bitwarden .json", bitwarden.com help)
//! and its clients' `Fido2CredentialExport` fields are: credentialId, keyType, keyAlgorithm,
//! keyCurve, keyValue (PKCS#8, base64url), rpId, userHandle, userName, counter, rpName,
//! userDisplayName, discoverable, creationDate. Chosen over the FIDO Credential Exchange
//! Format because CXF is still a draft and no manager imports it from a plain file yet.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};

use crate::CreatedCredential;

/// A passkey ready to be written as JSON a password manager can import. Its `Debug` hides the
/// private key; [`PasskeyExport::to_json`] contains it.
#[derive(Clone)]
pub struct PasskeyExport {
    value: Value,
    credential_id: String,
}

impl fmt::Debug for PasskeyExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasskeyExport")
            .field("credential_id", &self.credential_id)
            .field("private_key", &"[redacted]")
            .finish()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fido2Credential<'a> {
    credential_id: String,
    key_type: &'a str,
    key_algorithm: &'a str,
    key_curve: &'a str,
    key_value: String,
    rp_id: &'a str,
    user_handle: &'a str,
    user_name: &'a str,
    counter: &'a str,
    rp_name: &'a str,
    user_display_name: &'a str,
    discoverable: &'a str,
    creation_date: &'a str,
}

impl PasskeyExport {
    /// Builds the export of `created`; `origin` is the sign-in URL, `created_at` an ISO 8601
    /// time.
    pub fn new(created: &CreatedCredential, origin: &str, created_at: &str) -> Self {
        let credential = Fido2Credential {
            credential_id: uuid_text(&created.credential_id).unwrap_or_else(|| {
                format!("b64.{}", URL_SAFE_NO_PAD.encode(&created.credential_id))
            }),
            key_type: "public-key",
            key_algorithm: "ECDSA",
            key_curve: "P-256",
            key_value: URL_SAFE_NO_PAD.encode(created.private_key_pkcs8()),
            rp_id: &created.rp_id,
            user_handle: &created.user_handle,
            user_name: &created.user_name,
            counter: "0",
            rp_name: &created.rp_name,
            user_display_name: &created.user_display_name,
            discoverable: "true",
            creation_date: created_at,
        };
        let value = json!({
            "encrypted": false,
            "folders": [],
            "items": [{
                "type": 1,
                "name": created.rp_id,
                "notes": null,
                "favorite": false,
                "folderId": null,
                "organizationId": null,
                "collectionIds": null,
                "reprompt": 0,
                "login": {
                    "username": created.user_name,
                    "password": null,
                    "totp": null,
                    "uris": [{"match": null, "uri": origin}],
                    "fido2Credentials": [credential],
                },
            }],
        });
        PasskeyExport {
            value,
            credential_id: URL_SAFE_NO_PAD.encode(&created.credential_id),
        }
    }

    /// The credential id (base64url), as Okta shows it in `profile.credentialId`.
    pub fn credential_id(&self) -> &str {
        &self.credential_id
    }

    /// The JSON, private key included.
    ///
    /// # Security
    /// Contains the passkey's private key: write it only to 0600 files or a terminal the user
    /// asked for.
    pub fn to_json(&self) -> &Value {
        &self.value
    }
}

/// 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the form Bitwarden stores ids in.
fn uuid_text(bytes: &[u8]) -> Option<String> {
    if bytes.len() != 16 {
        return None;
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_text_formats_16_bytes() {
        let bytes: Vec<u8> = (0u8..16).collect();
        assert_eq!(
            uuid_text(&bytes).unwrap(),
            "00010203-0405-0607-0809-0a0b0c0d0e0f"
        );
        assert_eq!(uuid_text(&[1, 2]), None);
    }
}
