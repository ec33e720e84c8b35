//! The device authorization grant's front half (RFC 8628): `POST /oauth2/v1/device/authorize`
//! hands out a device code and a user code (§3.1–3.2), and `/activate` is the verification page
//! (§3.3) where a person enters the user code, signs in and approves or denies.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use oktactl_wire::DeviceAuthorizationResponse;

use crate::config::AuthMethod;
use crate::oauth::ACTIVATE_PATH;
use crate::oauth::authorize::check_password;
use crate::oauth::form::Form;
use crate::oauth::pages::{FormPage, form_page, message_page};
use crate::oauth::user_ledger::{DEVICE_CODE_LIFETIME_SECONDS, DeviceGrant, DeviceStatus};
use crate::responses::{OAuthError, json_no_store};
use crate::state::{AppState, lock};

/// RFC 8628 §6.1: user codes from a small alphabet without look-alikes (no vowels either, so
/// no words), 8 characters shown as `XXXX-XXXX`.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// `POST /oauth2/v1/device/authorize`.
pub(crate) async fn device_authorize(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match start(&state, &body) {
        Ok(answer) => json_no_store(&answer),
        Err(err) => err.into_response(),
    }
}

fn start(state: &AppState, body: &[u8]) -> Result<DeviceAuthorizationResponse, OAuthError> {
    let form = Form::parse(body)?;
    let client_id = form
        .get("client_id")
        .ok_or_else(|| OAuthError::invalid_client("Invalid value for 'client_id' parameter."))?;
    let app = state
        .apps
        .get(client_id)
        .ok_or_else(|| OAuthError::invalid_client("Invalid value for 'client_id' parameter."))?;
    if app.config.token_endpoint_auth_method != AuthMethod::None {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "The client is not authorized to use the provided grant type.",
        ));
    }
    let scopes: Vec<String> = form
        .get("scope")
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope(
            "The 'scope' parameter is required.",
        ));
    }
    if scopes
        .iter()
        .any(|scope| !app.config.granted_scopes.contains(scope))
    {
        return Err(OAuthError::invalid_scope(
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    let device_code = oktactl_jose::random_base64url(32);
    let user_code = new_user_code();
    let interval = state
        .controls
        .device_interval
        .load(Ordering::Relaxed)
        .max(0);
    let now = state.now();
    {
        let mut ledger = lock(&state.user_ledger);
        ledger.prune(now);
        ledger.devices.insert(
            device_code.clone(),
            DeviceGrant {
                user_code: user_code.clone(),
                client_id: client_id.to_owned(),
                scopes,
                expires_at: now + DEVICE_CODE_LIFETIME_SECONDS,
                interval,
                last_poll: None,
                status: DeviceStatus::Pending,
            },
        );
    }
    let verification_uri = state.url(ACTIVATE_PATH);
    let complete = format!("{verification_uri}?user_code={user_code}");
    Ok(DeviceAuthorizationResponse {
        device_code,
        user_code,
        verification_uri,
        verification_uri_complete: Some(complete),
        expires_in: DEVICE_CODE_LIFETIME_SECONDS as u64,
        interval: Some(interval as u64),
    })
}

fn new_user_code() -> String {
    let random = oktactl_jose::random_base64url(8);
    let letters: String = random
        .bytes()
        .take(8)
        .map(|b| USER_CODE_ALPHABET[usize::from(b) % USER_CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// `GET /activate?user_code=…`: the verification page.
pub(crate) async fn activate_get(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let form = Form::parse(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let user_code = form.get("user_code").unwrap_or_default().to_owned();
    let app_name = app_name_for(&state, &user_code);
    activate_form(&app_name, user_code, String::new(), None, StatusCode::OK)
}

/// `POST /activate`: approve or deny.
pub(crate) async fn activate_post(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let form = Form::parse(&body).unwrap_or_default();
    let user_code = form.get("user_code").unwrap_or_default().to_owned();
    let username = form.get("username").unwrap_or_default().to_owned();
    let now = state.now();
    let app_name = app_name_for(&state, &user_code);
    let known = {
        let mut ledger = lock(&state.user_ledger);
        ledger
            .device_by_user_code(&user_code)
            .filter(|d| d.expires_at > now && d.status == DeviceStatus::Pending)
            .is_some()
    };
    if !known {
        return activate_form(
            &app_name,
            user_code,
            username,
            Some("That code is not valid or has expired. Check the code shown in your terminal."),
            StatusCode::BAD_REQUEST,
        );
    }
    let deny = form.get("action") == Some("deny");
    let user_id = if deny {
        None
    } else {
        match check_password(&state, &username, form.get("password").unwrap_or_default()) {
            Some(user) => Some(user.id.clone()),
            None => {
                return activate_form(
                    &app_name,
                    user_code,
                    username,
                    Some("Unable to sign in: check your username and password."),
                    StatusCode::UNAUTHORIZED,
                );
            }
        }
    };
    {
        let mut ledger = lock(&state.user_ledger);
        if let Some(device) = ledger.device_by_user_code(&user_code) {
            device.status = match user_id {
                Some(user_id) => DeviceStatus::Approved { user_id },
                None => DeviceStatus::Denied,
            };
        }
    }
    if deny {
        message_page(
            StatusCode::OK,
            "Request denied",
            "The device was not signed in. You can close this window.",
            false,
        )
    } else {
        message_page(
            StatusCode::OK,
            "Device activated",
            &format!(
                "{app_name} is signed in. Return to your terminal; you can close this window."
            ),
            true,
        )
    }
}

fn app_name_for(state: &AppState, user_code: &str) -> String {
    let client_id = lock(&state.user_ledger)
        .device_by_user_code(user_code)
        .map(|d| d.client_id.clone());
    client_id
        .and_then(|id| state.apps.get(&id))
        .map(|app| {
            if app.config.name.is_empty() {
                app.config.client_id.clone()
            } else {
                app.config.name.clone()
            }
        })
        .unwrap_or_else(|| "your device".to_owned())
}

fn activate_form(
    app_name: &str,
    user_code: String,
    username: String,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    form_page(
        status,
        &FormPage {
            title: "Activate your device",
            app_name,
            subtitle: "Enter the code shown in your terminal and sign in to approve",
            action: ACTIVATE_PATH,
            hidden: Vec::new(),
            user_code: Some(user_code),
            username,
            error: error.map(str::to_owned),
            primary: ("approve", "Approve"),
            secondary: ("deny", "Deny"),
        },
    )
}
