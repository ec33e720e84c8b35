//! Refresh token grant (RFC 6749 §6), with rotation (a new refresh token replaces the old one
//! when the server sends one) and DPoP: a public client's refresh token is bound to its DPoP
//! key (RFC 9449 §5), so refreshes are signed with the stored key.

use crate::dpop::{DpopKey, DpopMode};
use crate::error::AuthError;
use crate::http::HttpClient;
use crate::secret::SecretString;
use crate::tenant::{ClientId, Scopes, Tenant};
use crate::token_endpoint::{ClientAuth, TokenGrant, request_token};

/// Trades `refresh_token` for a new access token for `scopes`.
#[allow(clippy::too_many_arguments)]
pub async fn refresh(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    auth: &ClientAuth,
    refresh_token: &SecretString,
    scopes: &Scopes,
    mode: DpopMode,
    dpop_key: Option<DpopKey>,
) -> Result<TokenGrant, AuthError> {
    let grant = [
        ("grant_type", "refresh_token".to_string()),
        ("refresh_token", refresh_token.secret().to_string()),
        ("scope", scopes.to_param()),
    ];
    request_token(http, tenant, client_id, auth, &grant, mode, dpop_key).await
}
