//! Token revocation (RFC 7009 §2; `shared/okta-reference.md` §6).

use crate::error::AuthError;
use crate::http::{HttpClient, error_from_body};
use crate::secret::SecretString;
use crate::tenant::{ClientId, Tenant};
use crate::token_endpoint::ClientAuth;

/// Revokes `token` at `/oauth2/v1/revoke`, authenticating like the token request did (a fresh
/// assertion whose `aud` is the revoke URL). Okta answers 200 even for unknown tokens.
pub async fn revoke(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    auth: &ClientAuth,
    token: &SecretString,
    token_type_hint: &str,
) -> Result<(), AuthError> {
    let url = tenant.endpoint("/oauth2/v1/revoke");
    let mut form: Vec<(&'static str, String)> = vec![
        ("token", token.secret().to_string()),
        ("token_type_hint", token_type_hint.to_string()),
    ];
    auth.add_to_form(&mut form, client_id, &url)?;
    let response = http
        .inner()
        .post(&url)
        .form(&form)
        .send()
        .await
        .map_err(|e| http.send_error(&url, &e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| http.send_error(&url, &e))?;
    if status.is_success() {
        return Ok(());
    }
    Err(error_from_body(&url, status.as_u16(), &headers, &body))
}
