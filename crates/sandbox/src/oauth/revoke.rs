//! `POST /oauth2/v1/revoke` (RFC 7009) and `POST /oauth2/v1/introspect` (RFC 7662).
//!
//! Both authenticate the client like the token endpoint, with assertions addressed to their own
//! URL (reference §6). Neither demands DPoP.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use oktactl_wire::{Confirmation, IntrospectionResponse};

use crate::oauth::client_auth::authenticate;
use crate::oauth::form::Form;
use crate::oauth::{INTROSPECT_PATH, REVOKE_PATH, access_token};
use crate::responses::{OAuthError, json_no_store};
use crate::state::AppState;

/// Token type hints Okta knows (RFC 7009 §2.1; Okta adds `device_secret`).
const TOKEN_TYPE_HINTS: [&str; 4] = ["access_token", "refresh_token", "id_token", "device_secret"];

/// Handles a revocation request: 200 with an empty body, also for unknown tokens (RFC 7009 §2.2).
pub(crate) async fn revoke(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        let (form, token) = token_request(&body)?;
        let client = authenticate(&state, &headers, &form, &state.url(REVOKE_PATH))?;
        if let Some(known) = access_token::lookup(&state, &token) {
            // RFC 7009 §2.1: a client may only revoke its own tokens; others are left alone and
            // the answer is the same.
            if state.revoke(&known.jti, client.client_id()) {
                tracing::info!(client_id = %client.client_id(), "access token revoked");
            }
        } else {
            let mut ledger = crate::state::lock(&state.user_ledger);
            let own = ledger
                .refresh_tokens
                .get(&token)
                .is_some_and(|grant| grant.client_id == client.client_id());
            if own {
                ledger.refresh_tokens.remove(&token);
                tracing::info!(client_id = %client.client_id(), "refresh token revoked");
            }
        }
        Ok::<_, OAuthError>(())
    })();
    match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(err) => err.into_response(),
    }
}

/// Handles an introspection request.
pub(crate) async fn introspect(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        let (form, token) = token_request(&body)?;
        let client = authenticate(&state, &headers, &form, &state.url(INTROSPECT_PATH))?;
        let active = access_token::active(&state, &token)
            .ok()
            .filter(|known| known.record.client_id == client.client_id());
        Ok::<_, OAuthError>(match active {
            None => IntrospectionResponse::default(),
            Some(known) => IntrospectionResponse {
                active: true,
                scope: Some(known.record.scopes.join(" ")),
                client_id: Some(known.record.client_id.clone()),
                sub: Some(known.record.client_id.clone()),
                token_type: Some(
                    if known.record.jkt.is_some() {
                        "DPoP"
                    } else {
                        "Bearer"
                    }
                    .into(),
                ),
                exp: Some(known.record.exp),
                iat: Some(known.record.iat),
                iss: Some(state.base_url.clone()),
                jti: Some(known.jti),
                cnf: known.record.jkt.map(|jkt| Confirmation { jkt }),
            },
        })
    })();
    match result {
        Ok(response) => json_no_store(&response),
        Err(err) => err.into_response(),
    }
}

/// Parses the form and its `token` and `token_type_hint` parameters.
fn token_request(body: &[u8]) -> Result<(Form, String), OAuthError> {
    let form = Form::parse(body)?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("The 'token' parameter is required."))?
        .to_owned();
    if let Some(hint) = form.get("token_type_hint")
        && !TOKEN_TYPE_HINTS.contains(&hint)
    {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_token_type",
            "The 'token_type_hint' parameter is invalid.",
        ));
    }
    Ok((form, token))
}
