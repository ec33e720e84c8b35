//! One function, [`request_token`], for every POST to `/oauth2/v1/token`: client
//! authentication (RFC 7523 §2.2 `private_key_jwt`, RFC 6749 §2.3.1 `client_secret_post`), DPoP
//! (RFC 9449 §5, §8) and the retries Okta makes necessary.
//!
//! Hand-written rather than on the `oauth2` crate: it cannot add a header per attempt, and a
//! DPoP proof and a client assertion must both be fresh on every attempt, nonce retries
//! included (`shared/dependency-notes.md`, "OAuth"). One small loop is easier to read and test.

use std::time::Duration;

use oktactl_jose::SigningKey;
use oktactl_wire::{CLIENT_ASSERTION_TYPE_JWT_BEARER, TokenResponse};
use url::Url;

use crate::assertion::client_assertion;
use crate::dpop::{DpopKey, DpopMode};
use crate::error::AuthError;
use crate::http::{Answer, HttpClient, clock_skew, error_from_body, rate_limit_wait, unix_now};
use crate::secret::SecretString;
use crate::tenant::{ClientId, Tenant};

/// Okta's SDKs retry at most twice on a nonce demand (reference §3); so do we.
const MAX_NONCE_RETRIES: u32 = 2;

/// Answers that say "try again" (429, 502, 503, 504) are retried at most this often, each time
/// with a fresh assertion and proof.
const MAX_TRANSIENT_RETRIES: u32 = 2;

/// The longest wait for a rate-limit reset; a later reset is reported instead of waited for.
const MAX_RATE_LIMIT_WAIT_SECS: i64 = 30;

/// How the client authenticates to the authorization server.
#[derive(Clone, Debug)]
pub enum ClientAuth {
    /// `private_key_jwt`: a fresh assertion signed by this key for every request.
    PrivateKey(Box<SigningKey>),
    /// `client_secret_post`.
    ClientSecret(SecretString),
    /// A public client (PKCE apps): only `client_id`.
    Public,
}

impl ClientAuth {
    /// Adds the client authentication parameters for a request to `audience`.
    pub fn add_to_form(
        &self,
        form: &mut Vec<(&'static str, String)>,
        client_id: &ClientId,
        audience: &str,
    ) -> Result<(), AuthError> {
        form.push(("client_id", client_id.to_string()));
        match self {
            ClientAuth::PrivateKey(key) => {
                form.push((
                    "client_assertion_type",
                    CLIENT_ASSERTION_TYPE_JWT_BEARER.to_string(),
                ));
                form.push((
                    "client_assertion",
                    client_assertion(key, client_id, audience, unix_now())?,
                ));
            }
            ClientAuth::ClientSecret(secret) => {
                form.push(("client_secret", secret.secret().to_string()))
            }
            ClientAuth::Public => {}
        }
        Ok(())
    }
}

/// What the token endpoint gave.
#[derive(Debug)]
pub struct TokenGrant {
    /// The answer (its secrets are redacted in `Debug`).
    pub response: TokenResponse,
    /// The DPoP key the token is bound to, when `token_type` is `DPoP`.
    pub dpop_key: Option<DpopKey>,
    /// The server's answer was `DPoP`.
    pub dpop_bound: bool,
}

/// Sends a token request with `grant` parameters (e.g. `grant_type=client_credentials`,
/// `scope=…`), authenticating as `client_id` with `auth`.
///
/// DPoP: in [`DpopMode::Auto`] the first attempt carries no proof unless `dpop_key` is given (a
/// profile that needed DPoP before); `invalid_dpop_proof` then switches proofs on. A
/// `use_dpop_nonce` answer is retried with the nonce at most twice. Every attempt gets a fresh
/// assertion and proof, since Okta consumes both even when it refuses (reference §3).
pub async fn request_token(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    auth: &ClientAuth,
    grant: &[(&'static str, String)],
    mode: DpopMode,
    dpop_key: Option<DpopKey>,
) -> Result<TokenGrant, AuthError> {
    let url_text = tenant.endpoint("/oauth2/v1/token");
    let url = Url::parse(&url_text)
        .map_err(|e| AuthError::Usage(format!("bad token URL {url_text}: {e}")))?;
    let mut dpop_key = match (mode, dpop_key) {
        (DpopMode::Off, _) => None,
        (_, Some(key)) => Some(key),
        (DpopMode::On, None) => Some(DpopKey::generate()?),
        (DpopMode::Auto, None) => None,
    };
    let mut nonce: Option<String> = None;
    let mut nonce_retries = 0;
    let mut switched_on = false;
    let mut transient_retries = 0;
    loop {
        let mut form: Vec<(&'static str, String)> = grant.to_vec();
        auth.add_to_form(&mut form, client_id, &url_text)?;
        let mut request = http.inner().post(url.clone()).form(&form);
        if let Some(key) = &dpop_key {
            request = request.header(
                "DPoP",
                key.proof("POST", &url, nonce.as_deref(), None, unix_now())?,
            );
        }
        tracing::debug!(url = %url_text, dpop = dpop_key.is_some(), nonce = nonce.is_some(), "token request");
        let Answer {
            status,
            headers,
            body,
        } = http.send(&url_text, request).await?;
        tracing::debug!(status, "token response");
        if (200..300).contains(&status) {
            return parse_grant(&url_text, status, &body, dpop_key);
        }
        if let Some(wait) = transient_wait(status, &headers, transient_retries) {
            transient_retries += 1;
            tracing::info!(
                status = status,
                wait_ms = wait.as_millis() as u64,
                "token endpoint asks to retry"
            );
            tokio::time::sleep(wait).await;
            continue;
        }
        let mut error = error_from_body(&url_text, status, &headers, &body);
        if let AuthError::Api {
            status: 429, hint, ..
        } = &mut error
        {
            *hint = rate_limit_wait(&headers)
                .map(|s| format!("Okta's rate limit resets in {s} s; try again then"));
        }
        if let AuthError::OAuth {
            error: code,
            hint,
            description,
            ..
        } = &mut error
        {
            match code.as_str() {
                "invalid_dpop_proof"
                    if dpop_key.is_none() && mode == DpopMode::Auto && !switched_on =>
                {
                    tracing::info!("the app requires DPoP; retrying with a proof");
                    switched_on = true;
                    dpop_key = Some(DpopKey::generate()?);
                    continue;
                }
                "invalid_dpop_proof" if mode == DpopMode::Off => {
                    *hint = Some("this app requires DPoP: connect without --no-dpop".into());
                }
                "use_dpop_nonce" if dpop_key.is_some() && nonce_retries < MAX_NONCE_RETRIES => {
                    if let Some(value) = headers.get("dpop-nonce").and_then(|v| v.to_str().ok()) {
                        nonce_retries += 1;
                        nonce = Some(value.to_string());
                        continue;
                    }
                }
                _ => {}
            }
            if hint.is_none() {
                *hint = clock_hint(description.as_deref(), &headers);
            }
        }
        return Err(error);
    }
}

/// How long to wait before retrying an answer that says "try again", or `None` to give up.
fn transient_wait(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    retries: u32,
) -> Option<Duration> {
    if retries >= MAX_TRANSIENT_RETRIES {
        return None;
    }
    match status {
        429 => {
            let wait = rate_limit_wait(headers)?;
            (wait <= MAX_RATE_LIMIT_WAIT_SECS).then(|| Duration::from_secs(wait as u64))
        }
        // Exponential: 0.5 s, then 1 s.
        502..=504 => Some(Duration::from_millis(500 << retries)),
        _ => None,
    }
}

fn parse_grant(
    url: &str,
    status: u16,
    body: &[u8],
    dpop_key: Option<DpopKey>,
) -> Result<TokenGrant, AuthError> {
    // Never put the body in the error: it holds the token.
    let response: TokenResponse =
        serde_json::from_slice(body).map_err(|e| AuthError::UnexpectedResponse {
            url: url.to_string(),
            status,
            detail: Some(format!(
                "the token response is not valid JSON at line {}, column {}",
                e.line(),
                e.column()
            )),
        })?;
    if response.access_token.is_empty() {
        return Err(AuthError::UnexpectedResponse {
            url: url.to_string(),
            status,
            detail: Some("the token response has an empty access_token".into()),
        });
    }
    let dpop_bound = if response.token_type.eq_ignore_ascii_case("dpop") {
        true
    } else if response.token_type.eq_ignore_ascii_case("bearer") {
        false
    } else {
        return Err(AuthError::UnexpectedResponse {
            url: url.to_string(),
            status,
            detail: Some(format!("unknown token_type '{}'", response.token_type)),
        });
    };
    if dpop_bound && dpop_key.is_none() {
        return Err(AuthError::UnexpectedResponse {
            url: url.to_string(),
            status,
            detail: Some("a DPoP-bound token came back for a request without a proof".into()),
        });
    }
    Ok(TokenGrant {
        response,
        dpop_key: if dpop_bound { dpop_key } else { None },
        dpop_bound,
    })
}

/// Okta's "expiration too far into the future" / "expired" answers usually mean a wrong local
/// clock (reference §2): compare with the server's `Date` and say so.
fn clock_hint(description: Option<&str>, headers: &reqwest::header::HeaderMap) -> Option<String> {
    let description = description?.to_ascii_lowercase();
    let about_time = ["expir", "iat", "future", "not yet valid", "issued"]
        .iter()
        .any(|w| description.contains(w));
    if !about_time {
        return None;
    }
    let skew = clock_skew(headers)?;
    if skew.abs() <= 30 {
        return None;
    }
    let direction = if skew > 0 { "ahead of" } else { "behind" };
    Some(format!(
        "the local clock is {} s {direction} the server's: fix the system clock",
        skew.abs()
    ))
}
