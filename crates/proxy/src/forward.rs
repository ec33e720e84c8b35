//! One proxied request: check the key, pace, authorize, send, retry what Okta asks to be
//! retried, relay the answer.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use oktactl_auth::AuthError;
use oktactl_auth::http::unix_now;
use oktactl_auth::session::RENEW_WITHIN_SECS;
use subtle::ConstantTimeEq;
use tokio::sync::OwnedSemaphorePermit;
use url::Url;

use crate::Shared;
use crate::pacing::{bucket, retry_after_429};

/// Nonce demands from the resource server are retried at most this often (reference §3).
const MAX_NONCE_RETRIES: u32 = 2;

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The handler for every path.
pub(crate) async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if !authorized(&shared, request.headers()) {
        tracing::warn!("refused a request without the proxy key");
        return refuse_key();
    }
    let Ok(permit) = shared.permits.clone().acquire_owned().await else {
        return proxy_error(StatusCode::SERVICE_UNAVAILABLE, "the proxy is stopping");
    };
    let (parts, body) = request.into_parts();
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let url = match Url::parse(&format!("{}{path_and_query}", shared.tenant_base)) {
        Ok(url) => url,
        Err(e) => {
            return proxy_error(
                StatusCode::BAD_REQUEST,
                &format!("invalid path '{path_and_query}': {e}"),
            );
        }
    };
    let body = match axum::body::to_bytes(body, shared.config.max_request_body).await {
        Ok(body) => body,
        Err(_) => {
            return proxy_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "request body larger than {} bytes (or broken)",
                    shared.config.max_request_body
                ),
            );
        }
    };
    let headers = forwardable(&parts.headers);
    match exchange(&shared, &parts.method, &url, &headers, &body).await {
        Ok(response) => {
            tracing::info!(method = %parts.method, url = %url, status = response.status().as_u16(), "proxied");
            relay(&shared, response, permit)
        }
        Err(e) => {
            tracing::warn!(error = %e, "proxied request failed");
            proxy_error(StatusCode::BAD_GATEWAY, &e.to_string())
        }
    }
}

/// Sends the request, answering nonce challenges, renewing an invalid token once and retrying
/// 429s after their reset. Returns the final answer, whatever its status.
async fn exchange(
    shared: &Shared,
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<reqwest::Response, AuthError> {
    let bucket = bucket(url.path());
    let delay = shared
        .pacer
        .delay(&bucket, unix_now(), shared.config.max_wait);
    if !delay.is_zero() {
        tracing::info!(?delay, %bucket, "rate limit exhausted; waiting for its reset");
        tokio::time::sleep(delay).await;
    }
    renew(shared, None).await?;
    let mut nonce: Option<String> = None;
    let mut nonce_retries = 0;
    let mut renewed = false;
    let mut retries_429 = 0;
    let mut first_request_id: Option<String> = None;
    loop {
        let (response, obtained_at) = send_once(
            shared,
            method,
            url,
            headers,
            body,
            nonce.as_deref(),
            first_request_id.as_deref().map(|id| (id, retries_429)),
        )
        .await?;
        shared.pacer.record(&bucket, response.headers(), unix_now());
        let status = response.status().as_u16();
        if status == 401 {
            let challenge = header_text(response.headers(), "www-authenticate");
            if challenge.contains("use_dpop_nonce")
                && nonce_retries < MAX_NONCE_RETRIES
                && let Some(value) = header_opt(response.headers(), "dpop-nonce")
            {
                nonce_retries += 1;
                nonce = Some(value);
                continue;
            }
            let can_renew = shared.session.read().await.can_renew();
            if !renewed && can_renew && !challenge.contains("use_dpop_nonce") {
                tracing::info!("the API refused the token; getting a new one");
                renewed = true;
                renew(shared, Some(obtained_at)).await?;
                continue;
            }
        }
        if status == 429 && retries_429 < shared.config.retries_429 {
            retries_429 += 1;
            if first_request_id.is_none() {
                first_request_id = Some(
                    header_opt(response.headers(), "x-okta-request-id")
                        .unwrap_or_else(|| "unknown".into()),
                );
            }
            let wait = retry_after_429(response.headers(), unix_now(), shared.config.max_wait);
            tracing::info!(?wait, "429 from Okta; retrying after the reset");
            drop(response);
            tokio::time::sleep(wait).await;
            continue;
        }
        return Ok(response);
    }
}

/// Renews the token when it expires within 60 s, or — with `failed_at` — when the token that
/// was refused (obtained at `failed_at`) is still the current one. Saves it to the store.
async fn renew(shared: &Shared, failed_at: Option<i64>) -> Result<(), AuthError> {
    let needed = |session: &oktactl_auth::Session| match failed_at {
        Some(obtained) => session.profile().obtained_at == obtained,
        None => session.expires_within(RENEW_WITHIN_SECS, unix_now()),
    };
    if !needed(&*shared.session.read().await) {
        return Ok(());
    }
    let mut session = shared.session.write().await;
    // Another request may have renewed while this one waited for the lock.
    if !needed(&session) {
        return Ok(());
    }
    session.renew(&shared.http).await?;
    if let Some(store) = &shared.store {
        let name = session.profile().name.clone();
        let lock = store.lock_profile(&name)?;
        session.save_locked(store, &lock)?;
    }
    Ok(())
}

/// One attempt: fresh `Authorization` and DPoP proof for exactly `url`.
async fn send_once(
    shared: &Shared,
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    body: &Bytes,
    nonce: Option<&str>,
    retry: Option<(&str, u32)>,
) -> Result<(reqwest::Response, i64), AuthError> {
    let (auth, obtained_at) = {
        let session = shared.session.read().await;
        (
            session.request_auth(method.as_str(), url, nonce)?,
            session.profile().obtained_at,
        )
    };
    let mut request = shared
        .http
        .inner()
        .request(method.clone(), url.clone())
        .headers(headers.clone())
        .header(header::AUTHORIZATION, auth.authorization.secret());
    if let Some(proof) = auth.dpop_proof {
        request = request.header("DPoP", proof);
    }
    if let Some((first_id, count)) = retry {
        // What Okta's SDKs send on a retry after 429 (reference §7).
        request = request
            .header("X-Okta-Retry-For", first_id)
            .header("X-Okta-Retry-Count", count.to_string());
    }
    if !body.is_empty() {
        request = request.body(body.clone());
    }
    let response = request
        .send()
        .await
        .map_err(|e| shared.http.send_error(url.as_str(), &e))?;
    Ok((response, obtained_at))
}

/// Okta's answer as the client's answer: same status and headers (less hop-by-hop ones), `Link`
/// pointing at the proxy, body streamed. The concurrency permit lives until the body is sent.
fn relay(shared: &Shared, response: reqwest::Response, permit: OwnedSemaphorePermit) -> Response {
    let mut builder = Response::builder().status(response.status().as_u16());
    for (name, value) in response.headers() {
        if is_hop_by_hop(name) {
            continue;
        }
        if name == header::LINK {
            builder = builder.header(name, rewrite_link(shared, value));
        } else {
            builder = builder.header(name, value);
        }
    }
    let url = response.url().to_string();
    let stream = response.bytes_stream().map(move |chunk| {
        let _held = &permit;
        chunk.map_err(|e| {
            tracing::warn!(%url, error = %e, "upstream body broke off");
            e
        })
    });
    builder
        .body(Body::from_stream(stream))
        .unwrap_or_else(|e| proxy_error(StatusCode::BAD_GATEWAY, &e.to_string()))
}

/// `<https://tenant/api/v1/users?after=x>; rel="next"` → `<http://127.0.0.1:p/api/v1/users?after=x>; rel="next"`.
fn rewrite_link(shared: &Shared, value: &HeaderValue) -> HeaderValue {
    let Ok(text) = value.to_str() else {
        return value.clone();
    };
    let rewritten = text.replace(
        &format!("<{}/", shared.tenant_base),
        &format!("<{}/", shared.proxy_base),
    );
    HeaderValue::from_str(&rewritten).unwrap_or_else(|_| value.clone())
}

/// The client's headers that go on to Okta: not its `Authorization` (the proxy key) nor any
/// `DPoP`, `Host`, length or hop-by-hop header.
fn forwardable(incoming: &HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in incoming {
        if is_hop_by_hop(name)
            || name == header::AUTHORIZATION
            || name == header::HOST
            || name == header::CONTENT_LENGTH
            || name.as_str() == "dpop"
        {
            continue;
        }
        headers.append(name.clone(), value.clone());
    }
    headers
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

/// Whether the request carries `Authorization: Bearer <key>`, compared in constant time so the
/// key cannot be guessed byte by byte from response times.
fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(given) = given
        .strip_prefix("Bearer ")
        .or_else(|| given.strip_prefix("bearer "))
    else {
        return false;
    };
    bool::from(
        given
            .trim()
            .as_bytes()
            .ct_eq(shared.key.secret().as_bytes()),
    )
}

fn refuse_key() -> Response {
    let mut response = proxy_error(
        StatusCode::UNAUTHORIZED,
        "the oktactl proxy needs its key: send Authorization: Bearer $OKTACTL_PROXY_KEY",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"oktactl-proxy\""),
    );
    response
}

/// An answer made by the proxy itself, in Okta's error shape so clients parse it the same way.
fn proxy_error(status: StatusCode, summary: &str) -> Response {
    let body = serde_json::json!({
        "errorCode": "oktactl_proxy",
        "errorSummary": summary,
        "errorLink": "oktactl_proxy",
        "errorId": "oktactl_proxy",
        "errorCauses": [],
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn header_opt(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn header_text(headers: &HeaderMap, name: &str) -> String {
    header_opt(headers, name).unwrap_or_default()
}
