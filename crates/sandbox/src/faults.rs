//! Fault injection: the next requests to a path answer with a server error, a delay past the
//! client's timeout, a connection dropped mid-body, invalid JSON or a 429 whose reset lies in
//! the past or far future — so tests can check oktactl's retries, exit codes and messages, and
//! that a failed renewal never corrupts what is stored (issue 5).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::{AppState, lock};

/// One injected misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (500, 502, 503…) and an Okta-style body (HTML for 502, as a
    /// load balancer would).
    Status(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Send the status line and part of the body, then break the connection.
    DropMidBody,
    /// Answer 200 with `Content-Type: application/json` and a body that is not JSON.
    InvalidJson,
    /// Answer 429 (Okta's E0000047) with `X-Rate-Limit-Reset` this many seconds from now
    /// (negative: in the past).
    RateLimited {
        /// Offset of `X-Rate-Limit-Reset` from the sandbox clock.
        reset_in_secs: i64,
    },
}

/// Faults waiting for their requests: (path, fault) in order.
#[derive(Default, Debug)]
pub(crate) struct FaultPlan {
    queue: std::sync::Mutex<VecDeque<(String, Fault)>>,
    injected: std::sync::atomic::AtomicUsize,
    /// How many of the next requests, whatever their path, get a 429 (`force_429_next`).
    pub(crate) force_429: std::sync::atomic::AtomicUsize,
}

impl FaultPlan {
    /// Queues `fault` for the next `times` requests to exactly `path`.
    pub(crate) fn push(&self, path: &str, fault: Fault, times: usize) {
        let mut queue = lock(&self.queue);
        for _ in 0..times {
            queue.push_back((path.to_string(), fault.clone()));
        }
    }

    /// Removes the queued faults.
    pub(crate) fn clear(&self) {
        lock(&self.queue).clear();
    }

    /// How many faults were served.
    pub(crate) fn injected(&self) -> usize {
        self.injected.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn take(&self, path: &str) -> Option<Fault> {
        // Forced 429s apply to any path and come first (reset one second ahead).
        let forced = self
            .force_429
            .fetch_update(
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
                |n| n.checked_sub(1),
            )
            .is_ok();
        if forced {
            self.injected
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Some(Fault::RateLimited { reset_in_secs: 1 });
        }
        let mut queue = lock(&self.queue);
        let index = queue.iter().position(|(p, _)| p == path)?;
        let fault = queue.remove(index).map(|(_, fault)| fault);
        if fault.is_some() {
            self.injected
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        fault
    }
}

/// Middleware: serves the next queued fault for this path, if any.
pub(crate) async fn inject(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let Some(fault) = state.controls.faults.take(&path) else {
        return next.run(request).await;
    };
    tracing::debug!(%path, ?fault, "injecting a fault");
    if !matches!(fault, Fault::Delay(_)) {
        // A delayed request is counted when it goes on; the others stop here.
        state.controls.count_request(&path);
    }
    let now = state.controls.now();
    let mut response = match fault {
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            return next.run(request).await;
        }
        Fault::Status(502) => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorLink":"E0000009","errorId":"sandbox-fault","errorCauses":[]}"#;
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Fault::InvalidJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"access_token": "eyJ"#,
        )
            .into_response(),
        Fault::DropMidBody => {
            // A stream that yields half a JSON object and then fails: hyper closes the
            // connection without finishing the chunked body.
            let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok(r#"{"access_token":"#),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "fault: dropped",
                )),
            ];
            let body = Body::from_stream(tokio_stream_iter(chunks));
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        }
        Fault::RateLimited { reset_in_secs } => {
            let body = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"sandbox-fault","errorCauses":[]}"#;
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
            let headers = response.headers_mut();
            headers.insert("x-rate-limit-limit", HeaderValue::from(600));
            headers.insert("x-rate-limit-remaining", HeaderValue::from(0));
            headers.insert(
                "x-rate-limit-reset",
                HeaderValue::from(now.saturating_add(reset_in_secs)),
            );
            response
        }
    };
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(state.controls.now_system())) {
        response.headers_mut().insert(header::DATE, date);
    }
    response
}

/// A stream over a vector, without pulling in a streams crate for one test knob.
fn tokio_stream_iter<T: Send + Unpin + 'static>(
    items: Vec<T>,
) -> impl futures_core::Stream<Item = T> + Send {
    IterStream(items.into_iter())
}

struct IterStream<I>(I);

impl<I: Iterator + Unpin> futures_core::Stream for IterStream<I> {
    type Item = I::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}
