//! Injected faults that the normal routes do not produce by themselves: for now, forced rate
//! limiting (`429 E0000047`, reference §7) of the next requests, whatever their path.
//!
//! Kept apart from the per-family rate windows in `state.rs` so that a test can provoke exactly
//! one 429 without sending hundreds of requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::Controls;
use crate::responses::ApiError;
use crate::state::AppState;

/// The fault knobs, part of the shared controls.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// How many of the next requests get a 429.
    force_429: AtomicUsize,
}

impl Controls {
    /// Answers the next `n` requests (any path) with Okta's rate-limit error: 429 `E0000047`,
    /// `X-Rate-Limit-Remaining: 0` and an `X-Rate-Limit-Reset` one second ahead of the sandbox
    /// clock.
    pub fn force_429_next(&self, n: usize) {
        self.inner.faults.force_429.store(n, Ordering::Relaxed);
    }
}

/// Middleware: answers 429 while forced 429s remain; otherwise passes the request on.
pub(crate) async fn forced_429(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let faults = &state.controls.faults;
    let take = faults
        .force_429
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok();
    if !take {
        return next.run(request).await;
    }
    state.controls.count_request(request.uri().path());
    let now = state.controls.now();
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "E0000047",
        "API call exceeded rate limit due to too many requests.",
    )
    .into_response();
    let headers = response.headers_mut();
    let date = httpdate::fmt_http_date(state.controls.now_system());
    if let Ok(date) = HeaderValue::from_str(&date) {
        headers.insert(header::DATE, date);
    }
    headers.insert(
        "x-rate-limit-limit",
        HeaderValue::from(state.config.rate_limit),
    );
    headers.insert("x-rate-limit-remaining", HeaderValue::from(0u32));
    headers.insert("x-rate-limit-reset", HeaderValue::from(now + 1));
    response
}
