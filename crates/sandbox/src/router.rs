//! The routes, and the headers every answer carries: `Date` from the sandbox clock, the
//! `X-Rate-Limit-*` trio and `X-Okta-Request-Id` (reference §7). Requests beyond their
//! family's rate limit get Okta's 429 without reaching a handler.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::api::factors;
use crate::api::users::{self, USERS_PATH};
use crate::oauth::{ACTIVATE_PATH, AUTHORIZE_PATH, DEVICE_AUTHORIZE_PATH, authorize, device};
use crate::oauth::{INTROSPECT_PATH, KEYS_PATH, REVOKE_PATH, TOKEN_PATH, metadata, revoke, token};
use crate::responses::ApiError;
use crate::state::AppState;

/// Builds the sandbox's router.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::metadata),
        )
        .route("/.well-known/openid-configuration", get(metadata::metadata))
        .route(KEYS_PATH, get(metadata::keys))
        .route(TOKEN_PATH, post(token::token))
        .route(REVOKE_PATH, post(revoke::revoke))
        .route(INTROSPECT_PATH, post(revoke::introspect))
        .route(
            AUTHORIZE_PATH,
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route(DEVICE_AUTHORIZE_PATH, post(device::device_authorize))
        .route(
            ACTIVATE_PATH,
            get(device::activate_get).post(device::activate_post),
        )
        .route(USERS_PATH, get(users::list_users))
        .route("/api/v1/users/{id}", get(users::get_user))
        .route(
            "/api/v1/users/{id}/factors",
            get(factors::factors).post(factors::factors),
        )
        .route(
            "/api/v1/users/{id}/factors/{fid}",
            get(factors::factor).delete(factors::factor),
        )
        .route(
            "/api/v1/users/{id}/factors/{fid}/lifecycle/activate",
            post(factors::activate),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            common_headers,
        ))
        // Outermost, so an injected fault (e.g. a 429 with its own reset) is sent as made.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::faults::inject,
        ))
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    ApiError::not_found(uri.path(), "Endpoint").into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "E0000022",
        "The endpoint does not support the provided HTTP method",
    )
    .into_response()
}

/// Counts the request, answers 429 beyond the rate limit, and adds `Date`, the rate-limit
/// headers and a request id to its answer.
async fn common_headers(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    state.controls.count_request(&path);
    record_retry_headers(&state, &path, request.headers());
    let rate = state.rate_limit_hit(family(&path));
    let mut response = if rate.exceeded {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
        .into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if !headers.contains_key("x-okta-request-id")
        && let Ok(id) = HeaderValue::from_str(&oktactl_jose::random_base64url(15))
    {
        headers.insert("x-okta-request-id", id);
    }
    let date = httpdate::fmt_http_date(state.controls.now_system());
    if let Ok(date) = HeaderValue::from_str(&date) {
        headers.insert(header::DATE, date);
    }
    // A handler that set its own limit headers (the per-user factor activation limit) keeps them.
    if !headers.contains_key("x-rate-limit-reset") {
        headers.insert("x-rate-limit-limit", HeaderValue::from(rate.limit));
        headers.insert("x-rate-limit-remaining", HeaderValue::from(rate.remaining));
        headers.insert("x-rate-limit-reset", HeaderValue::from(rate.reset));
    }
    response
}

/// Remembers `X-Okta-Retry-For`/`X-Okta-Retry-Count`, so tests can check how clients retry.
fn record_retry_headers(state: &AppState, path: &str, headers: &axum::http::HeaderMap) {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_for = text("x-okta-retry-for");
    let retry_count = text("x-okta-retry-count");
    if retry_for.is_some() || retry_count.is_some() {
        crate::state::lock(&state.controls.retries).push(crate::state::RetryHeaders {
            path: path.to_owned(),
            retry_for,
            retry_count,
        });
    }
}

/// The rate-limit bucket of a path: Okta limits per endpoint family.
fn factor_family(path: &str) -> &'static str {
    match path.split('/').count() {
        6 => "users-factors",
        7 => "users-factor",
        _ => "users-factor-lifecycle",
    }
}

fn family(path: &str) -> &'static str {
    match path {
        TOKEN_PATH => "token",
        REVOKE_PATH => "revoke",
        INTROSPECT_PATH => "introspect",
        KEYS_PATH => "keys",
        USERS_PATH => "users-list",
        // Factor paths count apart from the user itself, one family per path shape, as the
        // client's buckets do (crates/api `bucket_for`).
        _ if path.starts_with("/api/v1/users/") && path.contains("/factors") => factor_family(path),
        _ if path.starts_with("/api/v1/users/") => "users-id",
        _ if path.starts_with("/.well-known/") => "well-known",
        _ if path.starts_with("/oauth2/") => "oauth2",
        _ => "other",
    }
}
