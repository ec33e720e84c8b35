/*!
A local, Okta-compatible HTTP server: the org authorization server (`/oauth2/v1/…`, including
the interactive sign-in pages of `/oauth2/v1/authorize` and the device flow's `/activate`) and
the users API (`/api/v1/users`), so that oktactl, its tests and the official Okta SDKs can run
with no real tenant. Wire formats and error texts follow `shared/okta-reference.md` §1–7.

Main types: [`Sandbox`] (a running server), [`SandboxConfig`] (apps, users, API tokens),
[`Controls`] (test knobs and counters), [`write_demo`] (a ready-made configuration with keys on
disk) and [`SandboxError`].

```no_run
# async fn demo() -> Result<(), oktactl_sandbox::SandboxError> {
let dir = std::path::Path::new("/tmp/oktactl-demo");
let demo = oktactl_sandbox::write_demo(dir)?;
let sandbox = oktactl_sandbox::Sandbox::start(demo.config, "127.0.0.1:0".parse().unwrap()).await?;
println!("issuer: {}", sandbox.base_url());
sandbox.shutdown().await;
# Ok(()) }
```
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod api;
mod config;
mod demo;
mod error;
mod faults;
mod oauth;
mod responses;
mod router;
mod state;
mod tls;
mod webauthn;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use oktactl_jose::{KeyKind, SigningKey};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::config::{
    ApiTokenConfig, AppConfig, AuthMethod, DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
    DEFAULT_FACTOR_ACTIVATION_LIMIT, DEFAULT_FACTOR_ACTIVATION_WINDOW_SECONDS, DEFAULT_RATE_LIMIT,
    RateLimitConfig, SandboxConfig, UserConfig,
};
pub use crate::demo::{
    API_TOKEN_FILE, BEARER_EC_CLIENT_ID, CONFIG_FILE, DEMO_PASSWORD, DPOP_RSA_CLIENT_ID,
    DemoClient, DemoSetup, NATIVE_CLIENT_ID, NATIVE_REDIRECT_URI, SECRET_CLIENT_ID, write_demo,
};
pub use crate::error::SandboxError;
pub use crate::faults::Fault;
pub use crate::state::RetryHeaders;
use crate::state::{AppState, ControlsInner};
pub use crate::tls::SandboxTls;

/// How long [`Sandbox::shutdown`] waits for open connections before it stops the server task.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running sandbox server.
pub struct Sandbox {
    local_addr: SocketAddr,
    base_url: String,
    controls: Controls,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Binds `addr` (port 0 picks a free port), spawns the server on the current tokio runtime
    /// and returns once it accepts connections.
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> Result<Sandbox, SandboxError> {
        let signing_key = tokio::task::spawn_blocking(sandbox_signing_key)
            .await
            .map_err(|err| SandboxError::KeyGeneration {
                reason: err.to_string(),
            })??;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let base_url = format!("http://{}", reachable(local_addr));
        let controls = Controls {
            inner: Arc::new(ControlsInner::new()),
        };
        let state = Arc::new(AppState::new(
            base_url.clone(),
            config,
            signing_key,
            controls.inner.clone(),
        )?);
        let app = router::router(state);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = server.await {
                tracing::error!(error = %err, "sandbox server stopped with an error");
            }
        });
        tracing::info!(%base_url, "sandbox listening");
        Ok(Sandbox {
            local_addr,
            base_url,
            controls,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The org URL, e.g. `http://127.0.0.1:41234` (no trailing slash); also the issuer.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle to the test knobs and counters.
    pub fn controls(&self) -> Controls {
        self.controls.clone()
    }

    /// Stops accepting requests, lets open ones finish (up to 5 s) and stops the server.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Test knobs and counters of a running sandbox. Cheap to clone; every method is thread-safe.
#[derive(Clone)]
pub struct Controls {
    inner: Arc<ControlsInner>,
}

impl std::fmt::Debug for Controls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controls").finish_non_exhaustive()
    }
}

impl Controls {
    /// Makes the sandbox clock run `secs` ahead (negative: behind) of the real clock. It moves
    /// the `Date` header, the `iat`/`exp` checks of assertions and proofs, and token expiry.
    pub fn set_clock_skew(&self, secs: i64) {
        self.inner.clock_skew.store(secs, Ordering::Relaxed);
    }

    /// How many requests hit exactly this path, e.g. `"/oauth2/v1/token"`.
    pub fn request_count(&self, path: &str) -> usize {
        state::lock(&self.inner.request_counts)
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// How many access tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.inner.tokens_issued.load(Ordering::Relaxed)
    }

    /// How many access tokens were revoked.
    pub fn revoked_tokens(&self) -> usize {
        self.inner.revoked_tokens.load(Ordering::Relaxed)
    }

    /// Makes the users API demand a DPoP nonce: a proof without a valid one gets 401 with
    /// `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a `DPoP-Nonce` header (RFC 9449 §9).
    pub fn require_resource_nonce(&self, required: bool) {
        self.inner
            .require_resource_nonce
            .store(required, Ordering::Relaxed);
    }

    /// Answers the next `times` requests to exactly `path` with `fault` instead of normally.
    pub fn inject_fault(&self, path: &str, fault: Fault, times: usize) {
        self.inner.faults.push(path, fault, times);
    }

    /// Answers the next `n` requests (any path) with Okta's rate-limit error: 429 `E0000047`,
    /// `X-Rate-Limit-Remaining: 0` and an `X-Rate-Limit-Reset` one second ahead.
    pub fn force_429_next(&self, n: usize) {
        self.inner.faults.force_429.store(n, Ordering::Relaxed);
    }

    /// Drops the faults not yet served.
    pub fn clear_faults(&self) {
        self.inner.faults.clear();
    }

    /// How many injected faults were served.
    pub fn faults_injected(&self) -> usize {
        self.inner.faults.injected()
    }

    /// Forgets every issued refresh token, as when an admin revokes a user's sessions: the next
    /// refresh gets `invalid_grant`.
    pub fn forget_refresh_tokens(&self) {
        self.inner.refresh_epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// The polling interval (seconds) `/oauth2/v1/device/authorize` hands out (default 5);
    /// polling faster than it gets `slow_down`.
    pub fn set_device_poll_interval(&self, secs: i64) {
        self.inner.device_interval.store(secs, Ordering::Relaxed);
    }

    /// Whether the token endpoint demands a nonce in the proofs of `dpop_required` apps
    /// (default `true`, as Okta does).
    pub fn set_token_endpoint_nonce_required(&self, required: bool) {
        self.inner
            .token_endpoint_nonce_required
            .store(required, Ordering::Relaxed);
    }
}

impl Controls {
    /// Active WebAuthn factors (passkeys) of the user with this id or login.
    pub fn active_webauthn_factors(&self, user: &str) -> usize {
        self.inner.factors.active_count(user)
    }

    /// Active WebAuthn factors of all users.
    pub fn total_active_webauthn_factors(&self) -> usize {
        self.inner.factors.total_active()
    }

    /// Limits the endpoint `family` to `limit` requests per `window_secs`-second window
    /// (windows start at multiples of `window_secs` since the epoch). Further requests get Okta's
    /// 429 `E0000047` with `X-Rate-Limit-Remaining: 0` and `X-Rate-Limit-Reset` at the window's
    /// end. Families: `users-list` (`GET /api/v1/users`), `users-id` (`/api/v1/users/{id}` and
    /// below), `token`, `revoke`, `introspect`, `keys`, `well-known`, `oauth2`, `other`; `*`
    /// sets every family without its own limit. The default is 600 per 60 s.
    pub fn set_rate_limit(&self, family: &str, limit: u32, window_secs: u64) {
        state::lock(&self.inner.rate_limits).insert(family.to_owned(), (limit, window_secs.max(1)));
    }

    /// How many requests were answered 429 because their family's window was used up.
    pub fn throttled_count(&self) -> usize {
        self.inner.throttled.load(Ordering::Relaxed)
    }

    /// How many requests counted against `family` in its current window.
    pub fn window_count(&self, family: &str) -> u32 {
        self.inner.window_count(family)
    }

    /// The `X-Okta-Retry-For`/`X-Okta-Retry-Count` headers of every request that had them, in
    /// arrival order.
    pub fn retry_headers(&self) -> Vec<RetryHeaders> {
        state::lock(&self.inner.retries).clone()
    }

    /// Moves the `X-Rate-Limit-Reset` header by `secs` (negative: into the past) without moving
    /// the real windows: a fault for testing how clients bound their waits.
    pub fn shift_rate_limit_reset(&self, secs: i64) {
        self.inner.reset_shift.store(secs, Ordering::Relaxed);
    }

    /// Makes `rel="next"` links of lists point at `base` (e.g. `http://elsewhere.example:9`)
    /// instead of the sandbox, to test that clients refuse to follow them. `None` restores.
    pub fn set_next_link_base(&self, base: Option<String>) {
        *state::lock(&self.inner.next_link_base) = base;
    }
}

/// The sandbox's token-signing key. Generating a 2048-bit RSA key takes seconds in debug
/// builds, so one key is made per process and shared by every sandbox in it; tokens still
/// cannot cross sandboxes, because each checks `iss` and its own record of issued tokens.
fn sandbox_signing_key() -> Result<SigningKey, SandboxError> {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    if let Some(key) = KEY.get() {
        return Ok(key.clone());
    }
    let key = SigningKey::generate(KeyKind::Rsa { bits: 2048 })
        .map_err(|err| SandboxError::KeyGeneration {
            reason: err.to_string(),
        })?
        .with_kid(format!("sandbox-{}", oktactl_jose::random_base64url(12)));
    Ok(KEY.get_or_init(|| key).clone())
}

/// A wildcard bind address is not a URL clients can use; name the loopback address instead.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}
