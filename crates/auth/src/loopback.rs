//! The one-shot loopback listener that receives the authorization code (RFC 8252 §7.3, with
//! Okta's exact-match redirect rule from `shared/okta-reference.md` §4).
//!
//! Hand-written on `tokio::net::TcpListener` rather than axum or hyper: it answers a single
//! `GET` with a tiny HTML page and then closes, so a ~150-line HTTP/1 reader keeps a server
//! framework out of the auth library (which otherwise only needs an HTTP client). It reads at
//! most [`MAX_REQUEST_HEAD`] bytes per connection, under a per-connection timeout, and handles
//! each connection on its own task so a slow or bogus client cannot hold up the real callback.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use url::Url;

use crate::error::AuthError;
use crate::secret::SecretString;

/// The redirect URI upstream's module registers (reference §4).
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:8080/login/callback";

/// A browser request head larger than this is refused.
pub const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// How long one connection may take to send its request head.
const CONNECTION_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A loopback `http://` redirect URI and the exact socket address it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    url: Url,
    bind: SocketAddr,
}

impl RedirectUri {
    /// Parses a redirect URI: `http` only, host `localhost` (bound as 127.0.0.1), `127.0.0.1`
    /// or `[::1]`, never a wildcard address; no query or fragment.
    pub fn parse(text: &str) -> Result<Self, AuthError> {
        let invalid = |reason: &str| AuthError::InvalidRedirectUri {
            input: text.to_string(),
            reason: reason.to_string(),
        };
        let url = Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
        if url.scheme() != "http" {
            return Err(invalid(
                "only http:// loopback redirect URIs can be received by oktactl",
            ));
        }
        let ip: IpAddr = match url.host() {
            Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
                Ipv4Addr::LOCALHOST.into()
            }
            Some(url::Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => ip.into(),
            Some(url::Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => ip.into(),
            _ => {
                return Err(invalid(
                    "the host must be localhost, 127.0.0.1 or [::1] (the listener never binds a \
                     public address)",
                ));
            }
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a redirect URI has no query or fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("a redirect URI has no user information"));
        }
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(RedirectUri {
            bind: SocketAddr::new(ip, port),
            url,
        })
    }

    /// The URI as sent in `redirect_uri` (exactly as registered with the app).
    pub fn as_str(&self) -> &str {
        // `Url` normalises `http://localhost:8080/x` without changing it; an empty path becomes
        // "/", which is also what Okta compares.
        self.url.as_str()
    }

    /// The address the listener binds.
    pub fn bind_addr(&self) -> SocketAddr {
        self.bind
    }

    /// The callback path, e.g. `/login/callback`.
    pub fn path(&self) -> &str {
        self.url.path()
    }
}

/// What the authorization server sent back on the redirect.
#[derive(Debug)]
pub struct Callback {
    /// The authorization code.
    pub code: SecretString,
}

/// A bound listener, waiting for one valid callback.
#[derive(Debug)]
pub struct LoopbackListener {
    listener: TcpListener,
    redirect: RedirectUri,
}

impl LoopbackListener {
    /// Binds exactly the redirect URI's host and port. A port in use is
    /// [`AuthError::PortInUse`], naming the port and `--redirect-uri`.
    pub async fn bind(redirect: &RedirectUri) -> Result<Self, AuthError> {
        let listener =
            TcpListener::bind(redirect.bind_addr())
                .await
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::AddrInUse | std::io::ErrorKind::PermissionDenied => {
                        AuthError::PortInUse {
                            port: redirect.bind_addr().port(),
                            redirect_uri: redirect.as_str().to_string(),
                            reason: e.to_string(),
                        }
                    }
                    _ => AuthError::Loopback {
                        reason: format!("cannot listen on {}: {e}", redirect.bind_addr()),
                    },
                })?;
        Ok(LoopbackListener {
            listener,
            redirect: redirect.clone(),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> Result<SocketAddr, AuthError> {
        self.listener.local_addr().map_err(|e| AuthError::Loopback {
            reason: e.to_string(),
        })
    }

    /// Serves requests until one valid callback arrives or `timeout` passes, then stops.
    ///
    /// Other paths (e.g. `/favicon.ico`) get 404 and are ignored; a callback whose `state` is
    /// not `expected_state` is refused (RFC 6749 §10.12, CSRF) and the wait goes on. A valid
    /// `error` redirect ends the wait with [`AuthError::AuthorizationDenied`]; the timeout with
    /// [`AuthError::LoginTimeout`].
    pub async fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
    ) -> Result<Callback, AuthError> {
        let (sender, mut outcomes) = mpsc::channel::<Result<Callback, AuthError>>(4);
        let done = Arc::new(AtomicBool::new(false));
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let expected = Arc::new(Handling {
            state: expected_state.to_string(),
            path: self.redirect.path().to_string(),
        });
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut deadline => {
                    tasks.abort_all();
                    return Err(AuthError::LoginTimeout { seconds: timeout.as_secs() });
                }
                Some(outcome) = outcomes.recv() => {
                    // Let the task that produced it finish writing its page.
                    let _ = tokio::time::timeout(Duration::from_secs(2), async {
                        while tasks.join_next().await.is_some() {}
                    })
                    .await;
                    tasks.abort_all();
                    return outcome;
                }
                accepted = self.listener.accept() => {
                    let Ok((stream, _)) = accepted else {
                        // E.g. out of file descriptors under a flood: pause instead of spinning.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    };
                    let sender = sender.clone();
                    let done = done.clone();
                    let expected = expected.clone();
                    // Reap finished connection tasks so a flood does not pile them up.
                    while tasks.try_join_next().is_some() {}
                    tasks.spawn(async move {
                        if let Some(outcome) = handle(stream, &expected, &done).await {
                            let _ = sender.send(outcome).await;
                        }
                    });
                }
            }
        }
    }
}

struct Handling {
    state: String,
    path: String,
}

/// Answers one connection; returns an outcome only for the one valid callback.
async fn handle(
    mut stream: TcpStream,
    expected: &Handling,
    done: &AtomicBool,
) -> Option<Result<Callback, AuthError>> {
    let head = match tokio::time::timeout(CONNECTION_READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        _ => {
            respond(&mut stream, 400, &page(Page::BadRequest)).await;
            return None;
        }
    };
    let Some(target) = request_target(&head) else {
        respond(&mut stream, 400, &page(Page::BadRequest)).await;
        return None;
    };
    let Ok(url) = Url::parse(&format!("http://localhost{target}")) else {
        respond(&mut stream, 400, &page(Page::BadRequest)).await;
        return None;
    };
    if url.path() != expected.path {
        respond(&mut stream, 404, &page(Page::NotFound)).await;
        return None;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let state_ok = param("state").is_some_and(|s| constant_time_eq(&s, &expected.state));
    if !state_ok {
        tracing::warn!("refused a sign-in callback whose state does not match this sign-in");
        respond(&mut stream, 400, &page(Page::StateMismatch)).await;
        return None;
    }
    if done.swap(true, Ordering::SeqCst) {
        respond(&mut stream, 409, &page(Page::AlreadyDone)).await;
        return None;
    }
    if let Some(error) = param("error") {
        let description = param("error_description");
        respond(
            &mut stream,
            200,
            &page(Page::Failed {
                error: &error,
                description: description.as_deref(),
            }),
        )
        .await;
        return Some(Err(AuthError::AuthorizationDenied { error, description }));
    }
    match param("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            respond(&mut stream, 200, &page(Page::Success)).await;
            Some(Ok(Callback {
                code: SecretString::new(code),
            }))
        }
        None => {
            respond(
                &mut stream,
                400,
                &page(Page::Failed {
                    error: "invalid_request",
                    description: Some("the callback carried neither a code nor an error"),
                }),
            )
            .await;
            Some(Err(AuthError::AuthorizationDenied {
                error: "invalid_request".into(),
                description: Some("the callback carried neither a code nor an error".into()),
            }))
        }
    }
}

/// Reads up to the blank line that ends the request head.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if buffer.windows(4).any(|w| w == b"\r\n\r\n") || buffer.windows(2).any(|w| w == b"\n\n") {
            return String::from_utf8(buffer).ok();
        }
        if buffer.len() > MAX_REQUEST_HEAD {
            return None;
        }
    }
}

/// The target of a `GET <target> HTTP/1.x` request line.
fn request_target(head: &str) -> Option<&str> {
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    (method == "GET" && target.starts_with('/') && version.starts_with("HTTP/1.")).then_some(target)
}

async fn respond(stream: &mut TcpStream, status: u16, body: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        409 => "Conflict",
        _ => "Bad Request",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

enum Page<'a> {
    Success,
    Failed {
        error: &'a str,
        description: Option<&'a str>,
    },
    StateMismatch,
    AlreadyDone,
    NotFound,
    BadRequest,
}

/// The page the browser shows: inline CSS only, nothing loaded from elsewhere.
fn page(which: Page<'_>) -> String {
    let (icon, color, title, text) = match which {
        Page::Success => (
            "&#10003;",
            "#15803d",
            "Signed in".to_string(),
            "oktactl received your sign-in. You can close this tab and return to the terminal."
                .to_string(),
        ),
        Page::Failed { error, description } => (
            "&#10005;",
            "#b91c1c",
            "Sign-in did not complete".to_string(),
            format!(
                "The authorization server answered <code>{}</code>{}. Nothing was stored; \
                 return to the terminal for details.",
                escape(error),
                description
                    .map(|d| format!(" &ndash; {}", escape(d.trim().trim_end_matches('.'))))
                    .unwrap_or_default()
            ),
        ),
        Page::StateMismatch => (
            "!",
            "#b45309",
            "This response is not for this sign-in".to_string(),
            "The state parameter does not match the sign-in oktactl started, so it was refused. \
             oktactl is still waiting for the real sign-in."
                .to_string(),
        ),
        Page::AlreadyDone => (
            "!",
            "#b45309",
            "Already completed".to_string(),
            "This sign-in was already completed. You can close this tab.".to_string(),
        ),
        Page::NotFound => (
            "?",
            "#475569",
            "Not found".to_string(),
            "oktactl only answers its sign-in callback here.".to_string(),
        ),
        Page::BadRequest => (
            "!",
            "#475569",
            "Bad request".to_string(),
            "oktactl could not read this request.".to_string(),
        ),
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>oktactl &middot; {title}</title>
<style>
body{{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f1f5f9;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#0f172a}}
.card{{background:#fff;border-radius:12px;box-shadow:0 10px 30px rgba(15,23,42,.12);padding:40px 44px;max-width:420px;width:calc(100% - 48px);text-align:center}}
.icon{{width:56px;height:56px;border-radius:50%;margin:0 auto 18px;display:flex;align-items:center;justify-content:center;font-size:28px;font-weight:700;color:#fff;background:{color}}}
h1{{font-size:22px;margin:0 0 10px}}
p{{font-size:15px;line-height:1.5;color:#334155;margin:0}}
code{{background:#f1f5f9;border-radius:4px;padding:1px 5px}}
.brand{{margin-top:26px;font-size:12px;color:#64748b;letter-spacing:.04em}}
</style></head>
<body><main class="card"><div class="icon">{icon}</div><h1 id="title">{title}</h1><p id="message">{text}</p><div class="brand">oktactl</div></main></body></html>
"#
    )
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_binds_loopback_only() {
        let uri = RedirectUri::parse(DEFAULT_REDIRECT_URI).unwrap();
        assert_eq!(uri.bind_addr(), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(uri.path(), "/login/callback");
        assert_eq!(uri.as_str(), DEFAULT_REDIRECT_URI);
        let v6 = RedirectUri::parse("http://[::1]:9000/cb").unwrap();
        assert_eq!(v6.bind_addr(), "[::1]:9000".parse().unwrap());
        for bad in [
            "https://localhost:8080/cb",
            "http://0.0.0.0:8080/cb",
            "http://example.com:8080/cb",
            "http://localhost:8080/cb?x=1",
            "http://[::]:8080/cb",
            "not a url",
        ] {
            assert!(
                matches!(
                    RedirectUri::parse(bad),
                    Err(AuthError::InvalidRedirectUri { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn request_line_is_parsed_strictly() {
        assert_eq!(
            request_target("GET /cb?code=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some("/cb?code=1")
        );
        assert_eq!(request_target("POST /cb HTTP/1.1\r\n\r\n"), None);
        assert_eq!(request_target("GET http://x/cb HTTP/1.1\r\n\r\n"), None);
        assert_eq!(request_target("garbage"), None);
    }

    #[test]
    fn pages_escape_what_the_server_sent() {
        let html = page(Page::Failed {
            error: "access_denied",
            description: Some("<script>alert(1)</script>"),
        });
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
