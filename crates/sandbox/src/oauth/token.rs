//! `POST /oauth2/v1/token`: the client credentials grant (RFC 6749 §4.4) with client
//! authentication (see `client_auth`) and DPoP-bound tokens (RFC 9449 §5, §8).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use oktactl_wire::TokenResponse;

use crate::config::AuthMethod;
use crate::oauth::client_auth::{AuthenticatedClient, authenticate};
use crate::oauth::dpop::{self, ProofContext, ProofError};
use crate::oauth::form::Form;
use crate::oauth::{TOKEN_PATH, access_token};
use crate::responses::{OAuthError, json_no_store};
use crate::state::{AppState, NonceIssuer};

/// Handles a token request.
pub(crate) async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let grant_type = crate::oauth::form::Form::parse(&body)
        .ok()
        .and_then(|form| form.get("grant_type").map(str::to_owned));
    if let Some(grant_type) = grant_type.filter(|g| crate::oauth::user_grants::handles(g)) {
        return match crate::oauth::user_grants::token(&state, &headers, &body, &grant_type) {
            Ok(response) => json_no_store(&response),
            Err(err) => err.into_response(),
        };
    }
    match client_credentials(&state, &headers, &body) {
        Ok(response) => json_no_store(&response),
        Err(err) => err.into_response(),
    }
}

fn client_credentials(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<TokenResponse, OAuthError> {
    let form = Form::parse(body)?;
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("The 'grant_type' parameter is required."))?;
    if grant_type != "client_credentials" {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server. \
             Configured grant types: [client_credentials].",
        ));
    }
    let client = authenticate(state, headers, &form, &state.url(TOKEN_PATH))?;
    if client.method == AuthMethod::None {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "The client is not authorized to use the provided grant type.",
        ));
    }
    let scopes = requested_scopes(&form)?;
    let uses_secret = matches!(
        client.method,
        AuthMethod::ClientSecretPost | AuthMethod::ClientSecretBasic
    );
    if uses_secret && scopes.iter().any(|scope| scope.starts_with("okta.")) {
        // Reference §2: only catalog integrations may use a secret for management scopes.
        return Err(OAuthError::invalid_client(
            "Client Credentials requests to the Org Authorization Server must use the \
             private_key_jwt token_endpoint_auth_method.",
        ));
    }
    let app = &client.app.config;
    // An app without "Require DPoP" ignores any proof and issues a Bearer token (reference §3).
    let jkt = if app.dpop_required {
        Some(check_proof(state, headers, &client)?)
    } else {
        None
    };
    // Real Okta sometimes leaves ungranted scopes out of the token silently instead (reference
    // §2); refusing them here makes the mistake visible at the token request.
    if scopes
        .iter()
        .any(|scope| !app.granted_scopes.contains(scope))
    {
        return Err(OAuthError::invalid_scope(
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    let lifetime = app
        .access_token_lifetime_seconds
        .unwrap_or(state.config.access_token_lifetime_seconds);
    let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
    let minted =
        access_token::mint(state, &app.client_id, &scopes, lifetime, jkt).map_err(|err| {
            tracing::error!(error = %err, "cannot sign an access token");
            OAuthError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The access token could not be signed.",
            )
        })?;
    tracing::info!(client_id = %app.client_id, token_type, scope = %scopes.join(" "), "access token issued");
    Ok(TokenResponse {
        access_token: minted.token,
        token_type: token_type.to_owned(),
        expires_in: Some(minted.lifetime),
        scope: Some(scopes.join(" ")),
        refresh_token: None,
        id_token: None,
    })
}

/// The `scope` parameter as a list without repeats (RFC 6749 §3.3).
pub(crate) fn requested_scopes(form: &Form) -> Result<Vec<String>, OAuthError> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in form
        .get("scope")
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        if !scopes.iter().any(|known| known == scope) {
            scopes.push(scope.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope(
            "The 'scope' parameter is required.",
        ));
    }
    Ok(scopes)
}

/// Checks the token request's DPoP proof and returns the key thumbprint to bind the token to.
pub(crate) fn check_proof(
    state: &AppState,
    headers: &HeaderMap,
    client: &AuthenticatedClient<'_>,
) -> Result<String, OAuthError> {
    let refuse = |err: ProofError| OAuthError::invalid_dpop_proof(err.description());
    let proof = dpop::proof_header(headers).map_err(refuse)?;
    let url = state.url(TOKEN_PATH);
    let context = ProofContext {
        method: "POST",
        url: &url,
        access_token: None,
    };
    let verified = dpop::verify_proof(state, proof, &context).map_err(refuse)?;
    if dpop::is_client_key(&client.app.thumbprints, &verified.jkt) {
        return Err(refuse(ProofError::SameKeyAsClient));
    }
    match verified.nonce {
        Some(nonce) if state.nonce_is_valid(NonceIssuer::AuthorizationServer, &nonce) => {
            Ok(verified.jkt)
        }
        Some(_) => {
            let mut err = refuse(ProofError::Nonce);
            err.dpop_nonce = Some(state.current_nonce(NonceIssuer::AuthorizationServer));
            Err(err)
        }
        None if state
            .controls
            .token_endpoint_nonce_required
            .load(Ordering::Relaxed) =>
        {
            Err(OAuthError {
                dpop_nonce: Some(state.current_nonce(NonceIssuer::AuthorizationServer)),
                ..OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "use_dpop_nonce",
                    "Authorization server requires nonce in DPoP proof.",
                )
            })
        }
        None => Ok(verified.jkt),
    }
}
