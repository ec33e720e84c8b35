//! The one HTTP client every request goes through, and how its failures become [`AuthError`]s.

use std::path::PathBuf;
use std::time::Duration;

use oktactl_wire::{OAuthErrorBody, OktaErrorBody};
use reqwest::header::HeaderMap;

use crate::error::AuthError;

/// Default timeout for one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A configured HTTP client (rustls, no redirects, a timeout, oktactl's user agent).
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    timeout: Duration,
}

impl HttpClient {
    /// Builds a client whose requests time out after `timeout`.
    ///
    /// Redirects are never followed: a token request that follows a redirect could send the
    /// client's credentials to another host (the SSRF warning in oauth2-rs's docs).
    pub fn new(timeout: Duration) -> Result<Self, AuthError> {
        Self::with_options(&HttpOptions {
            timeout,
            ..HttpOptions::default()
        })
    }

    /// Builds a client from [`HttpOptions`]: the timeout, and extra trusted CA certificates
    /// added to the platform's roots (corporate TLS-inspecting proxies, private CAs).
    ///
    /// Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and `NO_PROXY` (reqwest's
    /// default `system-proxy` behaviour, which does not exempt loopback hosts by itself).
    pub fn with_options(options: &HttpOptions) -> Result<Self, AuthError> {
        let timeout = options.timeout;
        let mut extra_roots = Vec::new();
        for path in &options.ca_files {
            let pem = std::fs::read(path).map_err(|e| {
                AuthError::Usage(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                AuthError::Usage(format!(
                    "the CA file {} holds no usable PEM certificate: {e}",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(AuthError::Usage(format!(
                    "the CA file {} holds no PEM certificate",
                    path.display()
                )));
            }
            extra_roots.extend(certs);
        }
        let inner = reqwest::Client::builder()
            // Merged with (not replacing) the platform's roots: the tenant may be public while
            // a proxy re-signs other hosts.
            .tls_certs_merge(extra_roots)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("oktactl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AuthError::Network {
                url: "(client setup)".into(),
                reason: e.to_string(),
            })?;
        Ok(HttpClient { inner, timeout })
    }

    /// The underlying reqwest client.
    pub fn inner(&self) -> &reqwest::Client {
        &self.inner
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Turns a failed send into a [`AuthError::Timeout`], [`AuthError::Tls`] or
    /// [`AuthError::Network`] naming `url`.
    pub fn send_error(&self, url: &str, err: &reqwest::Error) -> AuthError {
        if let Some(reason) = tls_failure(err) {
            let host = url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| url.to_string());
            return AuthError::Tls {
                url: url.to_string(),
                host,
                reason,
            };
        }
        if err.is_timeout() {
            return AuthError::Timeout {
                url: url.to_string(),
                seconds: self.timeout.as_secs(),
            };
        }
        let reason = root_cause(err);
        // hyper reports a server that closed the connection mid-answer as IncompleteMessage,
        // which reqwest files under "connect"; it is a broken exchange, not an unreachable host.
        if err.is_connect() && !reason.contains("connection closed before message completed") {
            return AuthError::Network {
                url: url.to_string(),
                reason,
            };
        }
        // Connected, then the exchange failed: a closed connection or a cut-off body.
        AuthError::Interrupted {
            url: url.to_string(),
            reason,
        }
    }
}

/// Settings of an [`HttpClient`].
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Timeout of one request.
    pub timeout: Duration,
    /// PEM files of extra CA certificates to trust (`--ca-file`, `SSL_CERT_FILE`).
    pub ca_files: Vec<PathBuf>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: DEFAULT_TIMEOUT,
            ca_files: Vec::new(),
        }
    }
}

/// A certificate problem in the error chain (rustls says "invalid peer certificate: …").
fn tls_failure(err: &reqwest::Error) -> Option<String> {
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(current) = source {
        let text = current.to_string();
        if text.contains("invalid peer certificate") || text.contains("certificate verify") {
            return Some(text);
        }
        source = current.source();
    }
    None
}

/// A whole HTTP answer: status, headers and body.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body (may hold a token: never log it).
    pub body: Vec<u8>,
}

impl HttpClient {
    /// Sends `request` (built for `url`) and reads the whole answer, whatever its status.
    /// Failures to send or read become [`AuthError::Timeout`], `Network` or `Interrupted`,
    /// naming `url`.
    pub async fn send(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, AuthError> {
        let response = request.send().await.map_err(|e| self.send_error(url, &e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.send_error(url, &e))?
            .to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// [`HttpClient::send`], with a non-2xx answer turned into its error
    /// ([`error_from_body`]).
    pub async fn send_expecting_success(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, AuthError> {
        let answer = self.send(url, request).await?;
        if !(200..300).contains(&answer.status) {
            return Err(error_from_body(
                url,
                answer.status,
                &answer.headers,
                &answer.body,
            ));
        }
        Ok(answer)
    }
}

/// The innermost cause of a reqwest error, without the URL (we print the URL ourselves).
fn root_cause(err: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    let text = source.to_string();
    if err.is_connect() && !text.contains("connect") {
        format!("connection failed: {text}")
    } else {
        text
    }
}

/// Turns a non-success answer into an error: an OAuth error body (RFC 6749 §5.2), an Okta API
/// error body, or [`AuthError::UnexpectedResponse`].
pub fn error_from_body(url: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> AuthError {
    if let Ok(oauth) = serde_json::from_slice::<OAuthErrorBody>(body) {
        return AuthError::OAuth {
            url: url.to_string(),
            status,
            error: oauth.error,
            description: oauth.error_description,
            hint: None,
        };
    }
    if let Ok(okta) = serde_json::from_slice::<OktaErrorBody>(body) {
        // errorCauses say what exactly failed (e.g. which attestation check); keep them.
        let mut summary = okta.error_summary;
        let causes: Vec<&str> = okta
            .error_causes
            .iter()
            .map(|c| c.error_summary.as_str())
            .filter(|c| !c.is_empty())
            .collect();
        if !causes.is_empty() {
            summary = format!("{summary}: {}", causes.join("; "));
        }
        return AuthError::Api {
            url: url.to_string(),
            status,
            code: okta.error_code,
            summary,
            hint: scope_hint(headers),
        };
    }
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    AuthError::UnexpectedResponse {
        url: url.to_string(),
        status,
        detail: Some(format!("{content_type}, {} bytes", body.len())),
    }
}

/// On 403, Okta names the scope the token lacks in `WWW-Authenticate` (reference §2); say it in
/// plain words.
fn scope_hint(headers: &HeaderMap) -> Option<String> {
    let challenge = headers
        .get(reqwest::header::WWW_AUTHENTICATE)?
        .to_str()
        .ok()?;
    if !challenge.contains("insufficient_scope") {
        return None;
    }
    let scope = challenge.split("scope=\"").nth(1)?.split('"').next()?;
    Some(format!(
        "the token lacks the scope {scope}: grant it to the app (Okta API Scopes tab) and connect \
         with --scopes {scope}"
    ))
}

/// Seconds between the server's `Date` header and the local clock (positive: local is ahead).
pub fn clock_skew(headers: &HeaderMap) -> Option<i64> {
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let server = httpdate::parse_http_date(date).ok()?;
    let now = std::time::SystemTime::now();
    Some(match now.duration_since(server) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    })
}

/// How long Okta asks a client to wait after a 429: `X-Rate-Limit-Reset - Date + 1` seconds
/// (reference §7), at least 1 s (a reset already past means "now"). `None` without a reset
/// header. `Date` is the answer's own, so a wrong local clock does not matter.
pub fn rate_limit_wait(headers: &HeaderMap) -> Option<i64> {
    let reset: i64 = headers
        .get("x-rate-limit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let date = headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .unwrap_or_else(unix_now);
    Some(reset.saturating_sub(date).saturating_add(1).max(1))
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
