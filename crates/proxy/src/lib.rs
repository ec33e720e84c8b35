/*!
A local proxy that lends an oktactl connection to other tools (curl, Terraform, scripts)
without handing them the token — which, when DPoP-bound, would be useless without its key
anyway (reference §9, cli/cli#4865).

The proxy listens on 127.0.0.1 and forwards every request to the tenant. For each request it
adds `Authorization` (Bearer, DPoP or SSWS) and, for DPoP tokens, a fresh proof whose `htu` is
the exact URL sent and whose `ath` hashes the token (RFC 9449 §4.2, §7.1). It renews the token
when it is about to expire or the API says it is invalid, answers resource-server nonce
challenges, paces requests by the `X-Rate-Limit-*` headers and retries a 429 after
`Reset - Date + 1` seconds (reference §7). Okta's answers come back unchanged — status, headers,
streamed body — except that `Link` headers point at the proxy, so paging clients stay on it.

Other local users must not be able to borrow the connection: every request has to carry
`Authorization: Bearer <key>` with the random per-run key ([`Proxy::key`]), compared in
constant time. The client's own `Authorization` and `DPoP` headers are never forwarded.

Main types: [`Proxy`], [`ProxyConfig`], [`ProxyError`].
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod forward;
mod pacing;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use oktactl_auth::{AuthError, ErrorKind, HttpClient, SecretString, Session, TokenStore};
use tokio::sync::{RwLock, Semaphore, oneshot};
use tokio::task::JoinHandle;

use crate::pacing::Pacer;

/// How long [`Proxy::shutdown`] lets open requests finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Failures starting the proxy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The listening socket cannot be bound, e.g. the port is taken.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The stored connection cannot be used, e.g. its token expired and cannot be renewed.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl ProxyError {
    /// The kind of failure, for exit codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ProxyError::Bind { .. } => ErrorKind::BadInput,
            ProxyError::Auth(e) => e.kind(),
        }
    }
}

/// Settings of a [`Proxy`].
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Where to listen; port 0 picks a free one. Keep it on loopback.
    pub bind: SocketAddr,
    /// Requests forwarded at the same time; more wait for a slot.
    pub max_concurrent: usize,
    /// Largest request body accepted (it is kept in memory so that a nonce challenge or a
    /// renewed token can resend it).
    pub max_request_body: usize,
    /// How often a 429 is retried (after waiting for the reset) before it is passed back.
    pub retries_429: u32,
    /// The longest single wait for a rate-limit reset.
    pub max_wait: Duration,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_concurrent: 16,
            max_request_body: 16 * 1024 * 1024,
            retries_429: 2,
            max_wait: Duration::from_secs(60),
        }
    }
}

/// A running proxy.
pub struct Proxy {
    url: String,
    key: SecretString,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.url)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub http: HttpClient,
    pub session: RwLock<Session>,
    pub store: Option<TokenStore>,
    pub key: SecretString,
    pub tenant_base: String,
    pub proxy_base: String,
    pub permits: Arc<Semaphore>,
    pub pacer: Pacer,
    pub config: ProxyConfig,
}

impl Proxy {
    /// Binds `config.bind`, spawns the proxy on the current tokio runtime and returns once it
    /// accepts connections. Renewed tokens are saved to `store` when one is given.
    pub async fn start(
        http: HttpClient,
        session: Session,
        store: Option<TokenStore>,
        config: ProxyConfig,
    ) -> Result<Proxy, ProxyError> {
        let addr = config.bind;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ProxyError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ProxyError::Bind { addr, source })?;
        let url = format!("http://{local}");
        // 32 random bytes: not guessable, and a fresh one every run.
        let key = SecretString::new(oktactl_jose::random_base64url(32));
        let shared = Arc::new(Shared {
            http,
            tenant_base: session.tenant().base_url(),
            session: RwLock::new(session),
            store,
            key: key.clone(),
            proxy_base: url.clone(),
            permits: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            pacer: Pacer::default(),
            config,
        });
        let app = axum::Router::new()
            .fallback(forward::forward)
            .with_state(shared);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = server.await {
                tracing::error!(error = %err, "proxy stopped with an error");
            }
        });
        tracing::info!(%url, "proxy listening");
        Ok(Proxy {
            url,
            key,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The proxy's base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The per-run key clients send as `Authorization: Bearer <key>`.
    ///
    /// # Security warning
    /// Whoever holds it can act as this connection while the proxy runs: hand it only to the
    /// tool that should.
    pub fn key(&self) -> &SecretString {
        &self.key
    }

    /// Stops accepting requests, lets open ones finish (up to 5 s) and stops.
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

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
