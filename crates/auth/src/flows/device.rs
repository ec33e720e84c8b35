//! Device authorization grant (RFC 8628) for terminals without a browser
//! (`shared/okta-reference.md` §5): [`start`] asks for a user code (§3.1–3.2), [`poll`] polls
//! the token endpoint (§3.4–3.5) until the user approves, denies, or the code expires.
//!
//! Sleeping is a parameter, as in oauth2-rs's `devicecode.rs`, so tests never wait.

use std::future::Future;
use std::time::Duration;

use oktactl_wire::DeviceAuthorizationResponse;

use crate::dpop::{DpopKey, DpopMode};
use crate::error::{AuthError, ErrorKind};
use crate::http::HttpClient;
use crate::secret::SecretString;
use crate::tenant::{ClientId, Scopes, Tenant};
use crate::token_endpoint::{ClientAuth, TokenGrant, request_token};

/// RFC 8628 §3.5: "If no value is provided, clients MUST use 5 as the default."
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// RFC 8628 §3.5: on `slow_down` "the interval MUST be increased by 5 seconds".
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// Transport failures back off by doubling, up to this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Consecutive transport failures after which polling gives up.
pub const MAX_TRANSPORT_FAILURES: u32 = 5;

/// The user code and where to enter it.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    /// The device code (secret).
    pub device_code: SecretString,
    /// What the user types.
    pub user_code: String,
    /// Where the user goes.
    pub verification_uri: String,
    /// The same with the code filled in.
    pub verification_uri_complete: Option<String>,
    /// Seconds until the codes expire.
    pub expires_in: Duration,
    /// Seconds between polls.
    pub interval: Duration,
}

/// `POST /oauth2/v1/device/authorize` with `client_id` and `scope`.
pub async fn start(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    scopes: &Scopes,
) -> Result<DeviceAuthorization, AuthError> {
    let url = tenant.endpoint("/oauth2/v1/device/authorize");
    let form = [
        ("client_id", client_id.to_string()),
        ("scope", scopes.to_param()),
    ];
    let answer = http
        .send_expecting_success(
            &url,
            http.inner()
                .post(&url)
                .form(&form)
                .header("Accept", "application/json"),
        )
        .await?;
    let (status, body) = (answer.status, answer.body);
    let parsed: DeviceAuthorizationResponse =
        serde_json::from_slice(&body).map_err(|e| AuthError::UnexpectedResponse {
            url: url.clone(),
            status,
            detail: Some(format!(
                "the device authorization answer is not valid JSON at line {}, column {}",
                e.line(),
                e.column()
            )),
        })?;
    Ok(DeviceAuthorization {
        device_code: SecretString::new(parsed.device_code),
        user_code: parsed.user_code,
        verification_uri: parsed.verification_uri,
        verification_uri_complete: parsed.verification_uri_complete,
        expires_in: Duration::from_secs(parsed.expires_in),
        interval: parsed
            .interval
            .map_or(DEFAULT_INTERVAL, Duration::from_secs),
    })
}

/// What to do after one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollStep {
    /// Wait this long, then poll again.
    Wait(Duration),
    /// Stop with this error.
    Stop,
}

/// RFC 8628 §3.5, branch by branch: `authorization_pending` keeps the interval, `slow_down`
/// adds 5 s to it for good, anything else stops. Returns the next step and the new interval.
pub fn after_oauth_error(code: &str, interval: Duration) -> (PollStep, Duration) {
    match code {
        "authorization_pending" => (PollStep::Wait(interval), interval),
        "slow_down" => {
            let slower = interval + SLOW_DOWN_STEP;
            (PollStep::Wait(slower), slower)
        }
        _ => (PollStep::Stop, interval),
    }
}

/// Polls until a token, a refusal, or expiry. `sleep` waits (tests pass one that returns at
/// once and records the durations). Time is counted from the sleeps, so the wait stops after
/// `expires_in` even if the server never says `expired_token`.
pub async fn poll<S, F>(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    device: &DeviceAuthorization,
    mode: DpopMode,
    mut sleep: S,
) -> Result<TokenGrant, AuthError>
where
    S: FnMut(Duration) -> F,
    F: Future<Output = ()>,
{
    // With --dpop one key serves every poll, so the token is bound to the key we keep.
    let key = match mode {
        DpopMode::On => Some(DpopKey::generate()?),
        _ => None,
    };
    let grant = [
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:device_code".to_string(),
        ),
        ("device_code", device.device_code.secret().to_string()),
    ];
    let mut interval = device.interval;
    let mut waited = Duration::ZERO;
    let mut transport_failures = 0u32;
    loop {
        if waited >= device.expires_in {
            return Err(AuthError::DeviceCodeExpired);
        }
        sleep(interval).await;
        waited += interval;
        let result = request_token(
            http,
            tenant,
            client_id,
            &ClientAuth::Public,
            &grant,
            mode,
            key.clone(),
        )
        .await;
        let error = match result {
            Ok(grant) => return Ok(grant),
            Err(error) => error,
        };
        if error.kind() == ErrorKind::Network {
            // Not in RFC 8628, which only says to slow down: back off exponentially, bounded.
            transport_failures += 1;
            if transport_failures >= MAX_TRANSPORT_FAILURES {
                return Err(error);
            }
            interval = (interval * 2).min(MAX_BACKOFF);
            continue;
        }
        transport_failures = 0;
        let AuthError::OAuth {
            error: code,
            description,
            ..
        } = &error
        else {
            return Err(error);
        };
        match code.as_str() {
            "expired_token" => return Err(AuthError::DeviceCodeExpired),
            "access_denied" => {
                return Err(AuthError::AuthorizationDenied {
                    error: code.clone(),
                    description: description.clone(),
                });
            }
            _ => {}
        }
        match after_oauth_error(code, interval) {
            (PollStep::Wait(_), next) => interval = next,
            (PollStep::Stop, _) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_keeps_the_interval() {
        let (step, next) = after_oauth_error("authorization_pending", Duration::from_secs(5));
        assert_eq!(step, PollStep::Wait(Duration::from_secs(5)));
        assert_eq!(next, Duration::from_secs(5));
    }

    #[test]
    fn slow_down_adds_five_seconds_for_good() {
        let (_, next) = after_oauth_error("slow_down", Duration::from_secs(5));
        assert_eq!(next, Duration::from_secs(10));
        let (step, next) = after_oauth_error("slow_down", next);
        assert_eq!(step, PollStep::Wait(Duration::from_secs(15)));
        assert_eq!(next, Duration::from_secs(15));
    }

    #[test]
    fn other_errors_stop() {
        let (step, _) = after_oauth_error("invalid_grant", Duration::from_secs(5));
        assert_eq!(step, PollStep::Stop);
    }
}
