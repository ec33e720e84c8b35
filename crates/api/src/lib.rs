/*!
The authenticated Okta management API client: one request path for every call, whatever the
token type (Bearer, DPoP with a fresh proof per request, or SSWS), renewing the token when it is
about to expire or the API says it is invalid.

The client is cheap to clone and every clone shares the session, the DPoP nonce and the
rate-limit knowledge, so many tasks can call the API at once: renewal happens once, and callers
wait *before* a rate-limit window is used up instead of collecting 429s ([`rate_limit`]).
Lists are followed through `Link: rel="next"` headers ([`pagination`]).

Main types: [`OktaClient`], [`ApiResponse`], [`ApiError`], [`Pages`], [`RateLimitEvent`].

```
# #[tokio::main(flavor = "current_thread")]
# async fn main() -> Result<(), Box<dyn std::error::Error>> {
# // The example runs against the local sandbox; with a real org the tenant is
# // "example.okta.com" and the key is the JWK Okta generated for the app.
# let dir = tempfile::tempdir()?;
# let demo = oktactl_sandbox::write_demo(dir.path())?;
# let sandbox = oktactl_sandbox::Sandbox::start(demo.config.clone(), "127.0.0.1:0".parse()?).await?;
# let org = sandbox.base_url();
# let key_file = dir.path().join("0oasandboxdpoprsa001.jwk.json");
use oktactl_api::OktaClient;
use oktactl_auth::{ClientId, ConnectRequest, Credential, DpopMode, HttpClient, Scopes, Tenant};
use oktactl_jose::SigningKey;

let http = HttpClient::new(oktactl_auth::http::DEFAULT_TIMEOUT)?;
let tenant = Tenant::parse(&org)?;
let key = SigningKey::from_jwk_json(&std::fs::read_to_string(&key_file)?)?;
let request = ConnectRequest {
    client_id: ClientId::parse("0oasandboxdpoprsa001", &tenant)?,
    tenant,
    scopes: Scopes::parse(&["okta.users.read"])?,
    credential: Credential::PrivateKey(Box::new(key)),
    dpop: DpopMode::Auto, // this app requires DPoP: detected and handled
};
let session = oktactl_auth::connect(&http, "default", request).await?;
assert_eq!(session.profile().token_type.as_str(), "DPoP");

let okta = OktaClient::new(http, session);
let user = okta.user("alice@example.com").await?;
assert_eq!(user.profile.login, "alice@example.com");
let users: Vec<oktactl_wire::User> = okta.get_json("/api/v1/users?limit=2").await?;
assert_eq!(users.len(), 2);
# sandbox.shutdown().await;
# Ok(()) }
```
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
pub mod pagination;
pub mod rate_limit;
mod users;

use std::sync::{Arc, Mutex, RwLock};

use oktactl_auth::{HttpClient, Session, Tenant, TokenStore};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;

pub use crate::error::ApiError;
pub use crate::pagination::{MAX_PAGES, Pages};
use crate::rate_limit::RateLimiter;
pub use crate::rate_limit::{
    MAX_RATE_LIMIT_RETRIES, RateLimitEvent, RateLimitHeaders, RateLimitHook, RateLimitStats,
};
pub use crate::users::user_path;

/// Nonce demands from the resource server are retried at most this often (reference §3).
const MAX_NONCE_RETRIES: u32 = 2;

/// An API answer, whatever its status.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// The URL requested.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Turns a non-2xx answer into an error (Okta's errorCode and errorSummary).
    pub fn error_for_status(self) -> Result<ApiResponse, ApiError> {
        if self.is_success() {
            return Ok(self);
        }
        Err(self.error())
    }

    /// The error this answer stands for (meaningful for non-2xx answers): Okta's
    /// `errorCode`/`errorSummary` as [`oktactl_auth::AuthError::Api`], an OAuth error, or an
    /// unexpected answer.
    pub fn error(&self) -> ApiError {
        oktactl_auth::http::error_from_body(&self.url, self.status, &self.headers, &self.body)
            .into()
    }

    /// Parses the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::Json {
            url: self.url.clone(),
            reason: e.to_string(),
        })
    }

    /// `X-Okta-Request-Id`, Okta's id of this answer (quote it to Okta support).
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-okta-request-id")
            .and_then(|v| v.to_str().ok())
    }

    /// The `X-Rate-Limit-*` headers, when present.
    pub fn rate_limit(&self) -> Option<RateLimitHeaders> {
        RateLimitHeaders::from_headers(&self.headers)
    }
}

/// A client for one tenant's management API, authorized by a [`Session`].
///
/// Clones share the session (renewed once for all of them), the resource server's DPoP nonce
/// and the rate-limit windows; use one client per tenant and clone it into every task.
#[derive(Clone)]
pub struct OktaClient {
    http: HttpClient,
    store: Option<TokenStore>,
    hook: Option<RateLimitHook>,
    shared: Arc<Shared>,
}

/// What clones share.
struct Shared {
    session: RwLock<SessionState>,
    /// Held while renewing, so concurrent 401s renew once.
    renewal: tokio::sync::Mutex<()>,
    /// The last `DPoP-Nonce` the resource server sent (RFC 9449 §9); reusing it saves a 401
    /// round trip per request on servers that demand nonces.
    resource_nonce: Mutex<Option<String>>,
    limiter: RateLimiter,
}

struct SessionState {
    session: Session,
    /// Bumped on every renewal; a request that saw an older token after a 401 knows someone
    /// else already renewed.
    generation: u64,
}

impl std::fmt::Debug for OktaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaClient")
            .field("tenant", &self.tenant().base_url())
            .field("store", &self.store.is_some())
            .finish_non_exhaustive()
    }
}

impl OktaClient {
    /// A client using `session`'s token. Renewed tokens stay in memory only; see
    /// [`OktaClient::with_store`].
    pub fn new(http: HttpClient, session: Session) -> Self {
        OktaClient {
            http,
            store: None,
            hook: None,
            shared: Arc::new(Shared {
                session: RwLock::new(SessionState {
                    session,
                    generation: 0,
                }),
                renewal: tokio::sync::Mutex::new(()),
                resource_nonce: Mutex::new(None),
                limiter: RateLimiter::new(),
            }),
        }
    }

    /// Saves renewed tokens to `store`.
    pub fn with_store(mut self, store: TokenStore) -> Self {
        self.store = Some(store);
        self
    }

    /// Calls `hook` for every rate-limit wait (a throttled send or a 429 retry), e.g. to show
    /// it on a progress bar.
    pub fn with_rate_limit_hook(mut self, hook: RateLimitHook) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Caps every rate-limit wait at `max` instead of [`rate_limit::MAX_RETRY_WAIT`] (120 s),
    /// e.g. for an interactive command that should rather fail than wait two minutes. Applies
    /// to all clones.
    pub fn with_max_rate_limit_wait(self, max: std::time::Duration) -> Self {
        self.shared.limiter.set_max_wait(max);
        self
    }

    /// A copy of the session (profile metadata, tenant) as it is now.
    pub fn session(&self) -> Session {
        read(&self.shared.session).session.clone()
    }

    /// The tenant.
    pub fn tenant(&self) -> Tenant {
        read(&self.shared.session).session.tenant().clone()
    }

    /// Rate-limit waits so far, over all clones.
    pub fn rate_limit_stats(&self) -> RateLimitStats {
        self.shared.limiter.stats()
    }

    /// Sends one request to `path` (e.g. `/api/v1/users?limit=2`, or an absolute URL of the
    /// tenant) and returns the answer whatever its status. On the way it:
    /// - waits when the path's rate-limit window is nearly used up by this client's calls;
    /// - renews the token first when it expires within 60 s;
    /// - sends a fresh DPoP proof (with `ath`) for DPoP tokens and answers a `use_dpop_nonce`
    ///   demand (at most twice);
    /// - on 401 `invalid_token`, renews once and retries;
    /// - on 429, waits `Reset - Date + 1` s (1..=120, see [`rate_limit`]) and retries, at most
    ///   [`MAX_RATE_LIMIT_RETRIES`] times, with `X-Okta-Retry-For`/`X-Okta-Retry-Count`.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<ApiResponse, ApiError> {
        let url = self.url_for(path)?;
        self.ensure_fresh().await?;
        let bucket = rate_limit::bucket_for(url.path());
        let mut nonce = self.cached_nonce();
        let mut nonce_retries = 0;
        let mut renewed = false;
        let mut retry: Option<Retry> = None;
        // Bounded: every `continue` below uses up one of three bounded allowances.
        loop {
            let permit = self
                .shared
                .limiter
                .acquire(&bucket, self.hook.as_ref())
                .await;
            let generation = read(&self.shared.session).generation;
            let response = self
                .send_once(&method, &url, body, nonce.as_deref(), retry.as_ref())
                .await?;
            permit.finish(&response.headers);
            if let Some(value) = header_opt(&response.headers, "dpop-nonce") {
                *lock(&self.shared.resource_nonce) = Some(value);
            }
            if response.status == 429 {
                let count = retry.as_ref().map_or(0, |r| r.count);
                if count < MAX_RATE_LIMIT_RETRIES {
                    let wait = rate_limit::retry_wait_within(
                        &response.headers,
                        self.shared.limiter.max_wait(),
                    );
                    let request_id = response.request_id().map(str::to_string);
                    tracing::info!(
                        url = %response.url, ?wait, retry = count + 1,
                        "rate limit exceeded (429): waiting before retrying"
                    );
                    self.shared.limiter.record_too_many_requests(wait);
                    if let Some(hook) = &self.hook {
                        hook(&RateLimitEvent::TooManyRequests {
                            bucket: bucket.clone(),
                            wait,
                            retry: count + 1,
                            request_id: request_id.clone(),
                        });
                    }
                    tokio::time::sleep(wait).await;
                    retry = Some(Retry {
                        // Okta SDKs name the first 429's request id in every retry.
                        first_request_id: retry.and_then(|r| r.first_request_id).or(request_id),
                        count: count + 1,
                    });
                    continue;
                }
            }
            if response.status == 401 {
                let challenge = header_text(&response.headers, "www-authenticate");
                let wants_nonce = challenge.contains("use_dpop_nonce");
                if wants_nonce
                    && nonce_retries < MAX_NONCE_RETRIES
                    && let Some(value) = header_opt(&response.headers, "dpop-nonce")
                {
                    nonce_retries += 1;
                    nonce = Some(value);
                    continue;
                }
                if !renewed && !wants_nonce && self.can_renew() {
                    tracing::info!("the API refused the token; getting a new one");
                    renewed = true;
                    self.renew_after(generation).await?;
                    continue;
                }
            }
            return Ok(response);
        }
    }

    /// GETs `path` and parses a 2xx JSON answer; other statuses become errors.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.request(Method::GET, path, None)
            .await?
            .error_for_status()?
            .json()
    }

    /// Sends `body` as JSON with `method` (e.g. POST) and parses a 2xx JSON answer; other
    /// statuses become errors.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, ApiError> {
        self.request(method, path, Some(body))
            .await?
            .error_for_status()?
            .json()
    }

    /// Whether `url` is an absolute URL of the connected tenant.
    pub fn is_tenant_url(&self, url: &str) -> bool {
        url.starts_with(&format!("{}/", self.tenant().base_url()))
    }

    fn can_renew(&self) -> bool {
        read(&self.shared.session).session.can_renew()
    }

    fn cached_nonce(&self) -> Option<String> {
        lock(&self.shared.resource_nonce).clone()
    }

    /// Renews when the token expires within 60 s. Checked without the renewal lock first, so
    /// the common case costs one read lock.
    async fn ensure_fresh(&self) -> Result<(), ApiError> {
        let within = oktactl_auth::session::RENEW_WITHIN_SECS;
        let now = oktactl_auth::http::unix_now();
        if !read(&self.shared.session)
            .session
            .expires_within(within, now)
        {
            return Ok(());
        }
        let _gate = self.shared.renewal.lock().await;
        let mut session = self.session();
        if session.ensure_fresh(&self.http, within).await? {
            self.install(session)?;
        }
        Ok(())
    }

    /// Renews, unless another task already did since `generation`.
    async fn renew_after(&self, generation: u64) -> Result<(), ApiError> {
        let _gate = self.shared.renewal.lock().await;
        if read(&self.shared.session).generation != generation {
            return Ok(());
        }
        let mut session = self.session();
        session.renew(&self.http).await?;
        self.install(session)
    }

    /// Makes a renewed session current and saves it when there is a store.
    fn install(&self, mut session: Session) -> Result<(), ApiError> {
        if let Some(store) = &self.store {
            session.save(store)?;
        }
        let mut state = write(&self.shared.session);
        state.session = session;
        state.generation += 1;
        Ok(())
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        nonce: Option<&str>,
        retry: Option<&Retry>,
    ) -> Result<ApiResponse, ApiError> {
        let auth = read(&self.shared.session)
            .session
            .request_auth(method.as_str(), url, nonce)?;
        let mut request = self
            .http
            .inner()
            .request(method.clone(), url.clone())
            .header("Authorization", auth.authorization.secret())
            .header("Accept", "application/json");
        if let Some(proof) = auth.dpop_proof {
            request = request.header("DPoP", proof);
        }
        if let Some(retry) = retry {
            if let Some(id) = &retry.first_request_id {
                request = request.header("X-Okta-Retry-For", id);
            }
            request = request.header("X-Okta-Retry-Count", retry.count.to_string());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let url_text = url.to_string();
        let response = request
            .send()
            .await
            .map_err(|e| self.http.send_error(&url_text, &e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.http.send_error(&url_text, &e))?
            .to_vec();
        tracing::debug!(url = %url_text, status, "api response");
        Ok(ApiResponse {
            url: url_text,
            status,
            headers,
            body,
        })
    }

    /// Resolves `path` against the tenant; absolute URLs must point at the tenant itself, so a
    /// token is never sent to another host.
    fn url_for(&self, path: &str) -> Result<Url, ApiError> {
        let base = self.tenant().base_url();
        let bad = |reason: &str| ApiError::InvalidPath {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        let text = if path.starts_with("http://") || path.starts_with("https://") {
            if !path.starts_with(&format!("{base}/")) {
                return Err(bad("absolute URLs must point at the connected tenant"));
            }
            path.to_string()
        } else if path.starts_with('/') {
            format!("{base}{path}")
        } else {
            format!("{base}/{path}")
        };
        let url = Url::parse(&text).map_err(|e| bad(&e.to_string()))?;
        // `/../` could climb out of nothing on a tenant, but a parsed URL must still be ours.
        if !url.as_str().starts_with(&format!("{base}/")) {
            return Err(bad("the path leaves the connected tenant"));
        }
        Ok(url)
    }
}

/// The retry headers of a request answered 429 before.
#[derive(Debug, Clone)]
struct Retry {
    first_request_id: Option<String>,
    count: u32,
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

/// Locks past poisoning: the guarded values are replaced whole, never left half-written.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
