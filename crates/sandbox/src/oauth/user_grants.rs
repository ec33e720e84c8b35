//! The token endpoint's grants for people: authorization code with PKCE (RFC 6749 §4.1.3,
//! RFC 7636 §4.6), refresh token with rotation (RFC 6749 §6) and the device code (RFC 8628
//! §3.4–3.5). Tokens can be DPoP-bound (RFC 9449 §5); a public client's refresh token stays
//! bound to its DPoP key. With `openid` an RS256 id token comes along (OpenID Connect Core §2).

use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, StatusCode};
use oktactl_wire::{IdTokenClaims, JwsHeader, TokenResponse};

use crate::config::UserConfig;
use crate::oauth::authorize::constant_time_eq;
use crate::oauth::client_auth::{AuthenticatedClient, authenticate};
use crate::oauth::form::Form;
use crate::oauth::token::check_proof;
use crate::oauth::user_ledger::{DeviceStatus, RefreshGrant};
use crate::oauth::{TOKEN_PATH, access_token};
use crate::responses::OAuthError;
use crate::state::{AppState, lock};

/// The device grant's `grant_type` (RFC 8628 §3.4).
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Id tokens live an hour, as Okta's do.
const ID_TOKEN_LIFETIME_SECONDS: i64 = 3600;

/// Whether this module handles `grant_type`.
pub(crate) fn handles(grant_type: &str) -> bool {
    matches!(
        grant_type,
        "authorization_code" | "refresh_token" | DEVICE_CODE_GRANT
    )
}

/// Handles a token request for one of the grants in [`handles`].
pub(crate) fn token(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    grant_type: &str,
) -> Result<TokenResponse, OAuthError> {
    let form = Form::parse(body)?;
    let client = authenticate(state, headers, &form, &state.url(TOKEN_PATH))?;
    if client.app.config.redirect_uris.is_empty() && grant_type == "authorization_code" {
        return Err(unauthorized_client());
    }
    // The proof is checked before any code is consumed, so a client that learns here that the
    // app needs DPoP can retry with a proof and the same code.
    let jkt = if client.app.config.dpop_required {
        Some(check_proof(state, headers, &client)?)
    } else {
        None
    };
    match grant_type {
        "authorization_code" => authorization_code(state, &form, &client, jkt),
        "refresh_token" => refresh_token(state, &form, &client, jkt),
        _ => device_code(state, &form, &client, jkt),
    }
}

fn authorization_code(
    state: &AppState,
    form: &Form,
    client: &AuthenticatedClient<'_>,
    jkt: Option<String>,
) -> Result<TokenResponse, OAuthError> {
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("The 'code' parameter is required."))?;
    // Single use: whatever happens next, this code is gone (RFC 6749 §4.1.2).
    let grant = lock(&state.user_ledger)
        .codes
        .remove(code)
        .ok_or_else(|| invalid_grant("The authorization code is invalid or has expired."))?;
    if grant.client_id != client.client_id() {
        return Err(invalid_grant(
            "The authorization code is invalid or has expired.",
        ));
    }
    if grant.expires_at <= state.now() {
        return Err(invalid_grant(
            "The authorization code is invalid or has expired.",
        ));
    }
    if form.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "The 'redirect_uri' does not match the redirection URI used in the authorization \
             request.",
        ));
    }
    let verifier = form
        .get("code_verifier")
        .ok_or_else(|| invalid_grant("PKCE verification failed: no code_verifier."))?;
    // RFC 7636 §4.1: 43 to 128 unreserved characters.
    let verifier_ok = (43..=128).contains(&verifier.len())
        && verifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
    if !verifier_ok
        || !constant_time_eq(
            &oktactl_jose::sha256_base64url(verifier.as_bytes()),
            &grant.challenge,
        )
    {
        return Err(invalid_grant("PKCE verification failed."));
    }
    let user = user(state, &grant.user_id)?;
    issue(
        state,
        client,
        user,
        &grant.scopes,
        jkt,
        grant.nonce.as_deref(),
    )
}

fn refresh_token(
    state: &AppState,
    form: &Form,
    client: &AuthenticatedClient<'_>,
    jkt: Option<String>,
) -> Result<TokenResponse, OAuthError> {
    let token = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("The 'refresh_token' parameter is required."))?;
    let invalid = || invalid_grant("The refresh token is invalid or expired.");
    let grant = {
        let mut ledger = lock(&state.user_ledger);
        let grant = ledger
            .refresh_tokens
            .get(token)
            .cloned()
            .ok_or_else(invalid)?;
        let epoch = state.controls.refresh_epoch.load(Ordering::Relaxed);
        if grant.client_id != client.client_id() || grant.epoch != epoch {
            return Err(invalid());
        }
        // RFC 9449 §5: a public client's refresh token is bound to the DPoP key it was issued
        // with.
        if grant.jkt.is_some() && grant.jkt != jkt {
            return Err(OAuthError::invalid_dpop_proof(
                "The DPoP proof key does not match the key the refresh token is bound to.",
            ));
        }
        // Rotation: the presented token is spent, a new one comes with the answer.
        ledger.refresh_tokens.remove(token);
        grant
    };
    let scopes = match form.get("scope") {
        Some(_) => {
            let requested = crate::oauth::token::requested_scopes(form)?;
            if requested.iter().any(|s| !grant.scopes.contains(s)) {
                return Err(OAuthError::invalid_scope(
                    "The requested scope exceeds the scope granted by the resource owner.",
                ));
            }
            requested
        }
        None => grant.scopes.clone(),
    };
    let user = user(state, &grant.user_id)?;
    issue(state, client, user, &scopes, jkt, None)
}

fn device_code(
    state: &AppState,
    form: &Form,
    client: &AuthenticatedClient<'_>,
    jkt: Option<String>,
) -> Result<TokenResponse, OAuthError> {
    let device_code = form
        .get("device_code")
        .ok_or_else(|| OAuthError::invalid_request("The 'device_code' parameter is required."))?;
    let now = state.now();
    let (user_id, scopes) = {
        let mut ledger = lock(&state.user_ledger);
        let device = ledger
            .devices
            .get_mut(device_code)
            .filter(|d| d.client_id == client.client_id())
            .ok_or_else(|| invalid_grant("The device code is invalid or has expired."))?;
        if device.expires_at <= now {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "expired_token",
                "The device code has expired.",
            ));
        }
        // RFC 8628 §3.5: polling faster than the interval gets `slow_down`, and the interval
        // grows by 5 s for this device code.
        let too_fast = device
            .last_poll
            .is_some_and(|last| now - last < device.interval);
        device.last_poll = Some(now);
        if too_fast {
            device.interval += 5;
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "slow_down",
                "The client is polling too quickly and should back off.",
            ));
        }
        match device.status.clone() {
            DeviceStatus::Pending => {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "authorization_pending",
                    "The device authorization is pending. Please try again later.",
                ));
            }
            DeviceStatus::Denied => {
                ledger.devices.remove(device_code);
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "access_denied",
                    "The resource owner or authorization server denied the request.",
                ));
            }
            DeviceStatus::Approved { user_id } => {
                let scopes = device.scopes.clone();
                ledger.devices.remove(device_code);
                (user_id, scopes)
            }
        }
    };
    let user = user(state, &user_id)?;
    issue(state, client, user, &scopes, jkt, None)
}

/// Mints the access token, and the refresh token with `offline_access`, and the id token with
/// `openid`.
fn issue(
    state: &AppState,
    client: &AuthenticatedClient<'_>,
    user: &UserConfig,
    scopes: &[String],
    jkt: Option<String>,
    nonce: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let app = &client.app.config;
    let lifetime = app
        .access_token_lifetime_seconds
        .unwrap_or(state.config.access_token_lifetime_seconds);
    let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
    let minted = access_token::mint_for(
        state,
        &app.client_id,
        scopes,
        lifetime,
        jkt.clone(),
        Some((&user.id, &user.login)),
    )
    .map_err(|_| server_error())?;
    let has = |scope: &str| scopes.iter().any(|s| s == scope);
    let refresh_token = has("offline_access").then(|| {
        let token = oktactl_jose::random_base64url(32);
        lock(&state.user_ledger).refresh_tokens.insert(
            token.clone(),
            RefreshGrant {
                client_id: app.client_id.clone(),
                scopes: scopes.to_vec(),
                user_id: user.id.clone(),
                jkt: jkt.clone(),
                epoch: state.controls.refresh_epoch.load(Ordering::Relaxed),
            },
        );
        token
    });
    let id_token = if has("openid") {
        let now = state.now();
        let claims = IdTokenClaims {
            iss: state.base_url.clone(),
            sub: user.id.clone(),
            aud: app.client_id.clone(),
            iat: now,
            exp: now + ID_TOKEN_LIFETIME_SECONDS,
            nonce: nonce.map(str::to_owned),
            preferred_username: Some(user.login.clone()),
            name: Some(format!("{} {}", user.first_name, user.last_name)),
        };
        let header = JwsHeader {
            alg: state.signing_key.algorithm().as_str().to_owned(),
            kid: state.signing_key.kid().map(str::to_owned),
            ..JwsHeader::default()
        };
        Some(
            state
                .signing_key
                .sign(&header, &claims)
                .map_err(|_| server_error())?,
        )
    } else {
        None
    };
    tracing::info!(client_id = %app.client_id, user = %user.login, token_type, "user token issued");
    Ok(TokenResponse {
        access_token: minted.token,
        token_type: token_type.to_owned(),
        expires_in: Some(minted.lifetime),
        scope: Some(scopes.join(" ")),
        refresh_token,
        id_token,
    })
}

fn user<'a>(state: &'a AppState, user_id: &str) -> Result<&'a UserConfig, OAuthError> {
    state
        .config
        .users
        .iter()
        .find(|u| u.id == user_id && u.status == "ACTIVE")
        .ok_or_else(|| invalid_grant("The user is no longer active."))
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn unauthorized_client() -> OAuthError {
    OAuthError::new(
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        "The client is not authorized to use the provided grant type.",
    )
}

fn server_error() -> OAuthError {
    OAuthError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "The token could not be signed.",
    )
}
