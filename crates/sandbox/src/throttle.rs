//! An enforced request limit for the management API (`/api/v1/*`): a fixed window of
//! `requests` per `window_seconds` over all API requests, answering 429 E0000047 with
//! `X-Rate-Limit-*` headers whose `Reset` is the window's end (reference §7).
//!
//! Kept in its own module, apart from the per-family informational headers of `router.rs`, so
//! bulk tests can run against a small limit.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::responses::ApiError;
use crate::state::{AppState, lock};

/// An enforced limit (see the module docs).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct EnforcedRateLimit {
    /// Requests allowed in each window.
    pub requests: u32,
    /// Window length in seconds (windows start at multiples of it on the sandbox clock).
    pub window_seconds: u64,
}

/// `(window start, requests counted)`.
#[derive(Debug, Default)]
pub(crate) struct ThrottleWindow {
    window: std::sync::Mutex<(i64, u32)>,
}

/// Middleware: counts `/api/v1/*` requests and refuses those beyond the limit.
pub(crate) async fn enforce(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limit) = state.config.enforced_rate_limit else {
        return next.run(request).await;
    };
    if !request.uri().path().starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let now = state.now();
    let window = i64::try_from(limit.window_seconds.max(1)).unwrap_or(i64::MAX);
    let start = now - now.rem_euclid(window);
    let count = {
        let mut current = lock(&state.controls.throttle.window);
        if current.0 != start {
            *current = (start, 0);
        }
        current.1 = current.1.saturating_add(1);
        current.1
    };
    let mut response = if count > limit.requests {
        state.controls.throttled.fetch_add(1, Ordering::Relaxed);
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
        .into_response();
        let date = httpdate::fmt_http_date(state.controls.now_system());
        if let Ok(date) = HeaderValue::from_str(&date) {
            response.headers_mut().insert(header::DATE, date);
        }
        response
    } else {
        next.run(request).await
    };
    if count <= limit.requests && response.status() == StatusCode::TOO_MANY_REQUESTS {
        return response; // a handler's own limit (factor activations) with its own headers
    }
    let headers = response.headers_mut();
    headers.insert("x-rate-limit-limit", HeaderValue::from(limit.requests));
    headers.insert(
        "x-rate-limit-remaining",
        HeaderValue::from(limit.requests.saturating_sub(count)),
    );
    headers.insert("x-rate-limit-reset", HeaderValue::from(start + window));
    response
}
