//! Token revocation (RFC 7009 §2; `shared/okta-reference.md` §6).

use crate::error::AuthError;
use crate::http::HttpClient;
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
    http.send_expecting_success(&url, http.inner().post(&url).form(&form))
        .await?;
    Ok(())
}
