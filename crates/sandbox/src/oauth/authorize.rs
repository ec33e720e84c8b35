//! `/oauth2/v1/authorize`: the authorization code grant's front channel (RFC 6749 §4.1.1–4.1.2)
//! with PKCE (RFC 7636 §4.3, S256 only) and Okta's rules (reference §4): exact redirect URI
//! match, `state` required with characters `[A-Za-z0-9,._-]`. `GET` renders a sign-in form for
//! the sandbox's users; its `POST` signs in (redirect with `code` and `state`) or cancels
//! (redirect with `error=access_denied`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::config::UserConfig;
use crate::oauth::AUTHORIZE_PATH;
use crate::oauth::form::Form;
use crate::oauth::pages::{FormPage, form_page, message_page};
use crate::oauth::user_ledger::{CODE_LIFETIME_SECONDS, CodeGrant};
use crate::state::{AppState, RegisteredApp, lock};

/// A longer `state` is refused.
const MAX_STATE_LEN: usize = 2048;

/// `GET /oauth2/v1/authorize`: checks the request and shows the sign-in form.
pub(crate) async fn authorize_get(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let form = match Form::parse(query.unwrap_or_default().as_bytes()) {
        Ok(form) => form,
        Err(err) => return bad_request(&err.description),
    };
    match validate(&state, &form) {
        Ok(request) => sign_in_form(&request, "", None, StatusCode::OK),
        Err(refusal) => refusal.into_response(),
    }
}

/// `POST /oauth2/v1/authorize`: the sign-in form's submission.
pub(crate) async fn authorize_post(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let form = match Form::parse(&body) {
        Ok(form) => form,
        Err(err) => return bad_request(&err.description),
    };
    let request = match validate(&state, &form) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    if form.get("action") == Some("cancel") {
        return redirect_error(
            &request.redirect_uri,
            "access_denied",
            "The resource owner or authorization server denied the request.",
            Some(&request.state),
        );
    }
    let username = form.get("username").unwrap_or_default();
    let Some(user) = check_password(&state, username, form.get("password").unwrap_or_default())
    else {
        return sign_in_form(
            &request,
            username,
            Some("Unable to sign in: check your username and password."),
            StatusCode::UNAUTHORIZED,
        );
    };
    let code = oktactl_jose::random_base64url(32);
    let now = state.now();
    {
        let mut ledger = lock(&state.user_ledger);
        ledger.prune(now);
        ledger.codes.insert(
            code.clone(),
            CodeGrant {
                client_id: request.app.config.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                challenge: request.challenge.clone(),
                scopes: request.scopes.clone(),
                nonce: request.nonce.clone(),
                user_id: user.id.clone(),
                expires_at: now + CODE_LIFETIME_SECONDS,
            },
        );
    }
    tracing::info!(client_id = %request.app.config.client_id, user = %user.login, "authorization code issued");
    redirect_with(
        &request.redirect_uri,
        &[("code", code.as_str()), ("state", request.state.as_str())],
    )
}

/// The user with `login` (any case) whose password matches and who is active.
pub(crate) fn check_password<'a>(
    state: &'a AppState,
    login: &str,
    password: &str,
) -> Option<&'a UserConfig> {
    state.config.users.iter().find(|user| {
        user.login.eq_ignore_ascii_case(login)
            && user.status == "ACTIVE"
            && user
                .password
                .as_deref()
                .is_some_and(|p| !p.is_empty() && constant_time_eq(p, password))
    })
}

/// A checked authorization request.
pub(crate) struct AuthorizeRequest<'a> {
    pub app: &'a RegisteredApp,
    pub redirect_uri: String,
    pub state: String,
    pub scopes: Vec<String>,
    pub challenge: String,
    pub nonce: Option<String>,
    pub raw: Vec<(&'static str, String)>,
}

/// Why a request was refused: before the redirect URI is trusted, with a page; after, with a
/// redirect carrying `error` (RFC 6749 §4.1.2.1).
pub(crate) enum Refusal {
    Page(String),
    Redirect(Box<Response>),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(message) => bad_request(&message),
            Refusal::Redirect(response) => *response,
        }
    }
}

fn validate<'a>(state: &'a AppState, form: &Form) -> Result<AuthorizeRequest<'a>, Refusal> {
    let client_id = form
        .get("client_id")
        .ok_or_else(|| Refusal::Page("The 'client_id' parameter is required.".into()))?;
    let app = state
        .apps
        .get(client_id)
        .ok_or_else(|| Refusal::Page("Invalid value for 'client_id' parameter.".into()))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| Refusal::Page("The 'redirect_uri' parameter is required.".into()))?;
    // Okta compares the redirect URI exactly, port included (reference §4).
    if !app.config.redirect_uris.iter().any(|r| r == redirect_uri) {
        return Err(Refusal::Page(
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app \
             settings."
                .into(),
        ));
    }
    let state_value = form.get("state").unwrap_or_default();
    let state_ok = !state_value.is_empty()
        && state_value.len() <= MAX_STATE_LEN
        && state_value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ",._-".contains(c));
    if !state_ok {
        return Err(Refusal::Page(
            "The 'state' parameter is required and may only contain letters, digits and , . _ -"
                .into(),
        ));
    }
    let refuse = |error: &str, description: &str| {
        Refusal::Redirect(Box::new(redirect_error(
            redirect_uri,
            error,
            description,
            Some(state_value),
        )))
    };
    if form.get("response_type") != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "The response type is not supported by the authorization server. Configured \
             response types: [code].",
        ));
    }
    if form.get("code_challenge_method") != Some("S256") {
        return Err(refuse(
            "invalid_request",
            "PKCE code challenge method is required and must be S256.",
        ));
    }
    let challenge = form.get("code_challenge").unwrap_or_default();
    // base64url of a SHA-256 digest: 43 characters.
    let challenge_ok = challenge.len() == 43
        && challenge
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !challenge_ok {
        return Err(refuse(
            "invalid_request",
            "PKCE code challenge must be the base64url SHA-256 of the code verifier.",
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
        return Err(refuse(
            "invalid_scope",
            "The 'scope' parameter is required.",
        ));
    }
    if scopes
        .iter()
        .any(|scope| !app.config.granted_scopes.contains(scope))
    {
        return Err(refuse(
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    let nonce = form.get("nonce").map(str::to_owned);
    let mut raw = vec![
        ("client_id", client_id.to_owned()),
        ("redirect_uri", redirect_uri.to_owned()),
        ("response_type", "code".to_owned()),
        ("scope", scopes.join(" ")),
        ("state", state_value.to_owned()),
        ("code_challenge", challenge.to_owned()),
        ("code_challenge_method", "S256".to_owned()),
    ];
    if let Some(nonce) = &nonce {
        raw.push(("nonce", nonce.clone()));
    }
    Ok(AuthorizeRequest {
        app,
        redirect_uri: redirect_uri.to_owned(),
        state: state_value.to_owned(),
        scopes,
        challenge: challenge.to_owned(),
        nonce,
        raw,
    })
}

fn sign_in_form(
    request: &AuthorizeRequest<'_>,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let app_name = if request.app.config.name.is_empty() {
        request.app.config.client_id.as_str()
    } else {
        request.app.config.name.as_str()
    };
    form_page(
        status,
        &FormPage {
            title: "Sign In",
            app_name,
            subtitle: "to continue to",
            action: AUTHORIZE_PATH,
            hidden: request.raw.clone(),
            user_code: None,
            username: username.to_owned(),
            error: error.map(str::to_owned),
            primary: ("signin", "Sign in"),
            secondary: ("cancel", "Cancel"),
        },
    )
}

fn bad_request(message: &str) -> Response {
    message_page(
        StatusCode::BAD_REQUEST,
        "Sign-in request refused",
        message,
        false,
    )
}

/// A 303 to `redirect_uri` with `error`, `error_description` and `state`.
fn redirect_error(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> Response {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    redirect_with(redirect_uri, &params)
}

/// A 303 (the form was POSTed; the browser follows with GET) to `base` plus `params`.
pub(crate) fn redirect_with(base: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = Url::parse(base) else {
        return bad_request("The redirect URI is not a valid URL.");
    };
    {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in params {
            pairs.append_pair(name, value);
        }
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(url.as_str()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
