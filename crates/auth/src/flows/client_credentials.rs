//! Client credentials grant (RFC 6749 §4.4) with `private_key_jwt` (RFC 7523 §2.2) or a client
//! secret, and DPoP (RFC 9449) — the seed's `-JsonWebKey` parameter set
//! (`shared/okta-reference.md` §2–3).

use crate::dpop::{DpopKey, DpopMode};
use crate::error::AuthError;
use crate::http::HttpClient;
use crate::tenant::{ClientId, Scopes, Tenant};
use crate::token_endpoint::{ClientAuth, TokenGrant, request_token};

/// Mints an access token for `scopes` with the client credentials grant.
pub async fn client_credentials(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    auth: &ClientAuth,
    scopes: &Scopes,
    mode: DpopMode,
    dpop_key: Option<DpopKey>,
) -> Result<TokenGrant, AuthError> {
    if matches!(auth, ClientAuth::Public) {
        return Err(AuthError::Usage(
            "the client credentials grant needs a private key or client secret".into(),
        ));
    }
    let grant = [
        ("grant_type", "client_credentials".to_string()),
        ("scope", scopes.to_param()),
    ];
    request_token(http, tenant, client_id, auth, &grant, mode, dpop_key).await
}
