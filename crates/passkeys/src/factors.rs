//! The Factors API calls for WebAuthn (reference §8): enrol, activate, list, delete, and the
//! whole "new passkey" round made of them. Upstream DSInternals.Passkeys does the same in
//! `Get-PasskeyRegistrationOptions` (enrol) and `Register-Passkey` (activate).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use oktactl_api::{ApiError, ApiResponse, OktaClient};
use oktactl_auth::Tenant;
use oktactl_wire::{
    FACTOR_TYPE_WEBAUTHN, Factor, FactorEnrollRequest, User, WebAuthnActivateRequest,
    WebAuthnActivation,
};
use reqwest::Method;

use crate::{AttestationFormat, PasskeyError, PasskeyExport, PublicKeyCredential};

/// A freshly enrolled, pending WebAuthn factor.
#[derive(Debug, Clone)]
pub struct Enrollment {
    /// The user's id.
    pub user_id: String,
    /// The pending factor's id.
    pub factor_id: String,
    /// Standard `PublicKeyCredentialCreationOptions` (byte fields base64url), with `rp.id` set
    /// to the tenant host, which Okta leaves out.
    pub options: WebAuthnActivation,
}

/// The origin a browser signing in to `tenant` has: `https://<host>`, or, for a loopback
/// tenant (the sandbox), its own base URL such as `http://localhost:8080`.
pub fn origin_for(tenant: &Tenant) -> String {
    if tenant.is_loopback() {
        tenant.base_url()
    } else {
        format!("https://{}", tenant.host())
    }
}

/// Looks a user up by login or id (`GET /api/v1/users/{id or login}`).
pub async fn resolve_user(okta: &OktaClient, login_or_id: &str) -> Result<User, PasskeyError> {
    let path = format!("/api/v1/users/{}", segment(login_or_id));
    Ok(send(okta, Method::GET, &path, None)
        .await?
        .error_for_status()?
        .json()?)
}

/// Enrols a WebAuthn factor for `user_id`, activating on first use, with a challenge valid for
/// `challenge_timeout` (`POST /api/v1/users/{id}/factors?activate=true&tokenLifetimeSeconds=N`).
pub async fn enroll(
    okta: &OktaClient,
    user_id: &str,
    challenge_timeout: Duration,
) -> Result<Enrollment, PasskeyError> {
    let path = format!(
        "/api/v1/users/{}/factors?activate=true&tokenLifetimeSeconds={}",
        segment(user_id),
        challenge_timeout.as_secs()
    );
    let body = serde_json::to_value(FactorEnrollRequest::webauthn())
        .map_err(|e| PasskeyError::crypto(e.to_string()))?;
    let factor: Factor = send(okta, Method::POST, &path, Some(&body))
        .await?
        .error_for_status()?
        .json()?;
    let mut options = factor.embedded.and_then(|e| e.activation).ok_or_else(|| {
        PasskeyError::MissingActivation {
            factor_id: factor.id.clone(),
        }
    })?;
    if options.rp.id.is_none() {
        options.rp.id = Some(okta.tenant().host());
    }
    Ok(Enrollment {
        user_id: user_id.to_owned(),
        factor_id: factor.id,
        options,
    })
}

/// Activates a pending factor with a credential a browser or authenticator made
/// (`POST …/factors/{fid}/lifecycle/activate`, body in Okta's standard base64).
pub async fn activate(
    okta: &OktaClient,
    user_id: &str,
    factor_id: &str,
    credential: &PublicKeyCredential,
) -> Result<Factor, PasskeyError> {
    let body = WebAuthnActivateRequest {
        attestation: to_standard_base64(
            &credential.response.attestation_object,
            "response.attestationObject",
        )?,
        client_data: to_standard_base64(
            &credential.response.client_data_json,
            "response.clientDataJSON",
        )?,
    };
    let body = serde_json::to_value(body).map_err(|e| PasskeyError::crypto(e.to_string()))?;
    let path = format!(
        "/api/v1/users/{}/factors/{}/lifecycle/activate",
        segment(user_id),
        segment(factor_id)
    );
    Ok(send(okta, Method::POST, &path, Some(&body))
        .await?
        .error_for_status()?
        .json()?)
}

/// The user's WebAuthn factors (`GET /api/v1/users/{id}/factors`, other types left out).
pub async fn list(okta: &OktaClient, user_id: &str) -> Result<Vec<Factor>, PasskeyError> {
    let path = format!("/api/v1/users/{}/factors", segment(user_id));
    let factors: Vec<Factor> = send(okta, Method::GET, &path, None)
        .await?
        .error_for_status()?
        .json()?;
    Ok(factors
        .into_iter()
        .filter(|f| f.factor_type == FACTOR_TYPE_WEBAUTHN)
        .collect())
}

/// Deletes a factor (`DELETE /api/v1/users/{id}/factors/{fid}`, 204).
pub async fn delete(okta: &OktaClient, user_id: &str, factor_id: &str) -> Result<(), PasskeyError> {
    let path = format!(
        "/api/v1/users/{}/factors/{}",
        segment(user_id),
        segment(factor_id)
    );
    send(okta, Method::DELETE, &path, None)
        .await?
        .error_for_status()?;
    Ok(())
}

/// Resolves the user, enrols a factor, creates the credential with the software authenticator
/// and activates it. Returns the user, the active factor and the export (with the private key).
pub async fn new_passkey(
    okta: &OktaClient,
    login_or_id: &str,
    format: AttestationFormat,
    challenge_timeout: Duration,
) -> Result<(User, Factor, PasskeyExport), PasskeyError> {
    let user = resolve_user(okta, login_or_id).await?;
    let enrollment = enroll(okta, &user.id, challenge_timeout).await?;
    let tenant = okta.tenant();
    let origin = origin_for(&tenant);
    let rp_id = enrollment
        .options
        .rp
        .id
        .clone()
        .unwrap_or_else(|| tenant.host());
    let created = crate::create_credential(&enrollment.options, &rp_id, &origin, format)?;
    let factor = activate(okta, &user.id, &enrollment.factor_id, &created.credential).await?;
    let created_at = factor
        .last_updated
        .clone()
        .or_else(|| factor.created.clone())
        .unwrap_or_default();
    let export = PasskeyExport::new(&created, &origin, &created_at);
    Ok((user, factor, export))
}

/// Sends one request. Rate limits (throttling before the limit, 429 waits and retries), token
/// renewal and DPoP are the API client's business (crates/api, reference §7).
async fn send(
    okta: &OktaClient,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<ApiResponse, ApiError> {
    okta.request(method, path, body).await
}

/// Percent-encodes one path segment (logins may hold `+` or `/`).
fn segment(value: &str) -> String {
    // form_urlencoded escapes everything but unreserved characters and turns a space into
    // `+` (a literal `+` becomes %2B), so every `+` left stands for a space.
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// base64url (browsers' `toJSON`) or standard base64 → standard base64 with padding, as Okta's
/// activate endpoint wants it (reference §8).
fn to_standard_base64(value: &str, field: &str) -> Result<String, PasskeyError> {
    let normalized: String = value
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let bytes = STANDARD_NO_PAD
        .decode(normalized.as_bytes())
        .map_err(|e| PasskeyError::credential(format!("{field} is not base64: {e}")))?;
    if bytes.is_empty() {
        return Err(PasskeyError::credential(format!("{field} is empty")));
    }
    Ok(STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_becomes_padded_standard_base64() {
        assert_eq!(to_standard_base64("-_8", "f").unwrap(), "+/8=");
        assert_eq!(to_standard_base64("+/8=", "f").unwrap(), "+/8=");
        assert!(to_standard_base64("***", "f").is_err());
        assert!(to_standard_base64("", "f").is_err());
    }

    #[test]
    fn segment_encodes_reserved_characters() {
        assert_eq!(segment("a+b/c d@x.com"), "a%2Bb%2Fc%20d%40x.com");
        assert_eq!(segment("00u1"), "00u1");
    }
}
