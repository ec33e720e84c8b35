//! Discovery: authorization server metadata (RFC 8414 §3, OpenID Connect Discovery §4) and the
//! sandbox's signing keys (`jwks_uri`, RFC 7517 §5).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use oktactl_jose::Algorithm;
use oktactl_wire::{AuthorizationServerMetadata, JwkSet};

use crate::oauth::{INTROSPECT_PATH, KEYS_PATH, REVOKE_PATH, TOKEN_PATH};
use crate::responses::json;
use crate::state::AppState;

/// Every algorithm the sandbox verifies, for assertions and DPoP proofs alike.
const SIGNING_ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::ES512,
];

/// Handles `/.well-known/oauth-authorization-server` and `/.well-known/openid-configuration`.
pub(crate) async fn metadata(State(state): State<Arc<AppState>>) -> Response {
    json(&authorization_server_metadata(&state))
}

/// Handles `/oauth2/v1/keys`.
pub(crate) async fn keys(State(state): State<Arc<AppState>>) -> Response {
    json(&JwkSet {
        keys: vec![state.signing_key.public_jwk()],
    })
}

fn authorization_server_metadata(state: &AppState) -> AuthorizationServerMetadata {
    let algorithms: Vec<String> = SIGNING_ALGORITHMS
        .iter()
        .map(|alg| alg.as_str().to_owned())
        .collect();
    let mut scopes: Vec<String> = vec!["okta.users.read".into(), "okta.users.manage".into()];
    for app in &state.config.apps {
        for scope in &app.granted_scopes {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
    }
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    AuthorizationServerMetadata {
        issuer: state.base_url.clone(),
        authorization_endpoint: state.url("/oauth2/v1/authorize"),
        token_endpoint: state.url(TOKEN_PATH),
        jwks_uri: state.url(KEYS_PATH),
        revocation_endpoint: Some(state.url(REVOKE_PATH)),
        introspection_endpoint: Some(state.url(INTROSPECT_PATH)),
        device_authorization_endpoint: Some(state.url("/oauth2/v1/device/authorize")),
        response_types_supported: strings(&["code"]),
        grant_types_supported: strings(&[
            "client_credentials",
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
        ]),
        scopes_supported: scopes,
        token_endpoint_auth_methods_supported: strings(&[
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
            "none",
        ]),
        token_endpoint_auth_signing_alg_values_supported: algorithms.clone(),
        code_challenge_methods_supported: strings(&["S256"]),
        dpop_signing_alg_values_supported: algorithms,
    }
}
