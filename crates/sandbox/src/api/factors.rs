//! The Factors API subset for passkeys (reference §8): enrol a `webauthn` factor with creation
//! options, list, activate (verifying the attestation as a relying party would, see
//! [`crate::webauthn`]) and delete.
//!
//! Error choices: a malformed activation body is 400 E0000001 "Api validation failed"; an
//! attestation that fails verification (bad signature, origin, challenge, rpIdHash) or an
//! expired challenge is 403 E0000068 "Invalid Passcode/Answer", the code Okta's Factors API
//! documents for a rejected U2F/WebAuthn registration, with the reason in `errorCauses`; too
//! many activations for one user is 429 E0000047 (Okta allows about 5 per 5 minutes).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use oktactl_wire::{
    CredentialDescriptor, FACTOR_TYPE_WEBAUTHN, Factor, FactorEmbedded, FactorEnrollRequest,
    FactorProfile, PROVIDER_FIDO, PubKeyCredParam, RelyingParty, WebAuthnActivateRequest,
    WebAuthnActivation, WebAuthnUser,
};
use serde_json::json;

use crate::api::auth::{self, ResourceRequest};
use crate::config::UserConfig;
use crate::responses::{ApiError, json};
use crate::state::{AppState, lock};
use crate::webauthn::{self, Expected};

/// Scopes that allow managing factors.
const MANAGE_SCOPES: [&str; 1] = ["okta.users.manage"];
/// Scopes that allow listing factors.
const READ_SCOPES: [&str; 2] = ["okta.users.read", "okta.users.manage"];
/// Okta's default challenge lifetime for an enrolment without `tokenLifetimeSeconds`.
const DEFAULT_TOKEN_LIFETIME: i64 = 300;
const MAX_TOKEN_LIFETIME: i64 = 86_400;

/// Every factor of every user, and recent activations for the activation limit.
#[derive(Debug, Default)]
pub(crate) struct FactorLedger {
    inner: Mutex<LedgerInner>,
}

#[derive(Debug, Default)]
struct LedgerInner {
    /// lower-case login → user id, for [`FactorLedger::active_count`].
    logins: HashMap<String, String>,
    /// user id → factors, oldest first.
    factors: HashMap<String, Vec<FactorRecord>>,
    /// user id → times of recent activation attempts.
    activations: HashMap<String, VecDeque<i64>>,
}

#[derive(Debug, Clone)]
struct FactorRecord {
    id: String,
    status: &'static str,
    created: i64,
    last_updated: i64,
    challenge: String,
    expires_at: i64,
    credential_id: Option<String>,
}

impl FactorLedger {
    /// Active webauthn factors of the user with this id or login.
    pub(crate) fn active_count(&self, user: &str) -> usize {
        let ledger = lock(&self.inner);
        let id = ledger
            .logins
            .get(&user.to_lowercase())
            .map_or(user, String::as_str);
        ledger
            .factors
            .get(id)
            .map_or(0, |f| f.iter().filter(|r| r.status == "ACTIVE").count())
    }

    /// Active webauthn factors of all users.
    pub(crate) fn total_active(&self) -> usize {
        lock(&self.inner)
            .factors
            .values()
            .flatten()
            .filter(|r| r.status == "ACTIVE")
            .count()
    }
}

/// `GET` and `POST /api/v1/users/{id}/factors`.
pub(crate) async fn factors(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        let scopes: &[&str] = if method == Method::POST {
            &MANAGE_SCOPES
        } else {
            &READ_SCOPES
        };
        let shown = if method == Method::POST {
            "okta.users.manage"
        } else {
            "okta.users.read"
        };
        authorize(&state, &method, &uri, &headers, scopes, shown)?;
        let (user, _) = path_parts(&state, &uri)?;
        if method == Method::POST {
            enroll(&state, user, uri.query().unwrap_or_default(), &body)
        } else {
            let ledger = lock(&state.factors.inner);
            let list: Vec<Factor> = ledger
                .factors
                .get(&user.id)
                .map(|f| f.iter().map(|r| to_wire(&state, user, r, false)).collect())
                .unwrap_or_default();
            Ok(json(&list))
        }
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET` and `DELETE /api/v1/users/{id}/factors/{fid}`.
pub(crate) async fn factor(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        let delete = method == Method::DELETE;
        let scopes: &[&str] = if delete { &MANAGE_SCOPES } else { &READ_SCOPES };
        authorize(
            &state,
            &method,
            &uri,
            &headers,
            scopes,
            if delete {
                "okta.users.manage"
            } else {
                "okta.users.read"
            },
        )?;
        let (user, factor_id) = path_parts(&state, &uri)?;
        let factor_id = factor_id.unwrap_or_default();
        let mut ledger = lock(&state.factors.inner);
        let list = ledger.factors.entry(user.id.clone()).or_default();
        let index = list
            .iter()
            .position(|r| r.id == factor_id)
            .ok_or_else(|| ApiError::not_found(&factor_id, "UserFactor"))?;
        if delete {
            list.remove(index);
            Ok(StatusCode::NO_CONTENT.into_response())
        } else {
            Ok(json(&to_wire(&state, user, &list[index], false)))
        }
    })();
    let result: Result<Response, ApiError> = result;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /api/v1/users/{id}/factors/{fid}/lifecycle/activate`.
pub(crate) async fn activate(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        authorize(
            &state,
            &method,
            &uri,
            &headers,
            &MANAGE_SCOPES,
            "okta.users.manage",
        )?;
        let (user, factor_id) = path_parts(&state, &uri)?;
        let factor_id = factor_id.unwrap_or_default();
        let request: WebAuthnActivateRequest = serde_json::from_slice(&body)
            .map_err(|_| ApiError::validation("attestation and clientData are required"))?;
        let decode = |value: &str, name: &str| {
            STANDARD
                .decode(value.trim())
                .map_err(|_| ApiError::validation(format!("{name}: not base64")))
        };
        let attestation = decode(&request.attestation, "attestation")?;
        let client_data = decode(&request.client_data, "clientData")?;
        let now = state.now();
        let mut ledger = lock(&state.factors.inner);
        if let Err(limited) = check_activation_limit(&state, &mut ledger, &user.id, now) {
            return Ok(limited.into_response());
        }
        let list = ledger.factors.entry(user.id.clone()).or_default();
        let record = list
            .iter_mut()
            .find(|r| r.id == factor_id)
            .ok_or_else(|| ApiError::not_found(&factor_id, "UserFactor"))?;
        if record.status != "PENDING_ACTIVATION" {
            return Err(ApiError::validation("the factor is not pending activation"));
        }
        if now > record.expires_at {
            return Err(refused("the activation challenge has expired"));
        }
        let origins = allowed_origins(&state);
        let rp_id = rp_id(&state);
        let expected = Expected {
            challenge: &record.challenge,
            origins: &origins,
            rp_id: &rp_id,
        };
        let registered = webauthn::verify_registration(&attestation, &client_data, &expected)
            .map_err(|refusal| refused(&refusal.0))?;
        tracing::info!(user = %user.id, format = %registered.format, "webauthn factor activated");
        record.status = "ACTIVE";
        record.last_updated = now;
        record.credential_id = Some(URL_SAFE_NO_PAD.encode(&registered.credential_id));
        let record = record.clone();
        Ok(json(&to_wire(&state, user, &record, false)))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

fn enroll(
    state: &AppState,
    user: &UserConfig,
    query: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request: FactorEnrollRequest = serde_json::from_slice(body)
        .map_err(|_| ApiError::validation("factorType and provider are required"))?;
    if request.factor_type != FACTOR_TYPE_WEBAUTHN || request.provider != PROVIDER_FIDO {
        return Err(ApiError::validation(format!(
            "the sandbox enrols only factorType webauthn with provider FIDO, not {} / {}",
            request.factor_type, request.provider
        )));
    }
    let mut lifetime = DEFAULT_TOKEN_LIFETIME;
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix("tokenLifetimeSeconds=") {
            lifetime = value
                .parse::<i64>()
                .ok()
                .filter(|v| (1..=MAX_TOKEN_LIFETIME).contains(v))
                .ok_or_else(|| {
                    ApiError::validation("tokenLifetimeSeconds must be between 1 and 86400")
                })?;
        }
    }
    let now = state.now();
    let record = FactorRecord {
        id: format!("fwf{}", random_id(17)),
        status: "PENDING_ACTIVATION",
        created: now,
        last_updated: now,
        challenge: oktactl_jose::random_base64url(24),
        expires_at: now + lifetime,
        credential_id: None,
    };
    let mut ledger = lock(&state.factors.inner);
    ledger
        .logins
        .insert(user.login.to_lowercase(), user.id.clone());
    let list = ledger.factors.entry(user.id.clone()).or_default();
    let exclude: Vec<CredentialDescriptor> = list
        .iter()
        .filter_map(|r| r.credential_id.clone())
        .map(|id| CredentialDescriptor {
            type_: "public-key".into(),
            id,
            transports: None,
        })
        .collect();
    list.push(record.clone());
    let mut factor = to_wire(state, user, &record, true);
    if let Some(activation) = factor.embedded.as_mut().and_then(|e| e.activation.as_mut()) {
        activation.exclude_credentials = exclude;
    }
    Ok(json(&factor))
}

fn check_activation_limit(
    state: &AppState,
    ledger: &mut LedgerInner,
    user_id: &str,
    now: i64,
) -> Result<(), RateLimited> {
    let limit = state.config.factor_activation_limit;
    if limit == 0 {
        return Ok(());
    }
    let window = i64::try_from(state.config.factor_activation_window_seconds).unwrap_or(i64::MAX);
    let recent = ledger.activations.entry(user_id.to_owned()).or_default();
    while recent.front().is_some_and(|t| now - t >= window) {
        recent.pop_front();
    }
    if recent.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
        let reset = recent.front().map_or(now, |oldest| oldest + window);
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        );
        err.causes.push(format!(
            "at most {limit} factor activations per user in {window} s"
        ));
        return Err(RateLimited { err, limit, reset });
    }
    recent.push_back(now);
    Ok(())
}

/// The per-user activation limit's 429, with its own `X-Rate-Limit-*` headers: `Reset` is when
/// the oldest activation leaves the window (minutes away, so clients give up instead of waiting).
struct RateLimited {
    err: ApiError,
    limit: u32,
    reset: i64,
}

impl IntoResponse for RateLimited {
    fn into_response(self) -> Response {
        let mut response = self.err.into_response();
        let headers = response.headers_mut();
        headers.insert("x-rate-limit-limit", self.limit.into());
        headers.insert("x-rate-limit-remaining", 0u32.into());
        headers.insert("x-rate-limit-reset", self.reset.into());
        response
    }
}

fn refused(cause: &str) -> ApiError {
    let mut err = ApiError::new(StatusCode::FORBIDDEN, "E0000068", "Invalid Passcode/Answer");
    err.causes.push(cause.to_owned());
    err
}

fn authorize(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    scopes: &[&str],
    shown: &str,
) -> Result<(), ApiError> {
    let request = ResourceRequest {
        method: method.as_str(),
        raw_path: uri.path(),
        headers,
    };
    let caller = auth::authenticate(state, &request)?;
    auth::require_scope(state, &caller, scopes, shown, uri.path())
}

/// The user (by id or login) and the factor id of `/api/v1/users/{id}/factors[/{fid}[/…]]`.
fn path_parts<'a>(
    state: &'a AppState,
    uri: &Uri,
) -> Result<(&'a UserConfig, Option<String>), ApiError> {
    let rest = uri
        .path()
        .strip_prefix("/api/v1/users/")
        .unwrap_or_default();
    let mut parts = rest.split('/');
    let wanted = crate::api::users::percent_decode(parts.next().unwrap_or_default());
    let user = state
        .config
        .users
        .iter()
        .find(|u| u.id == wanted || u.login.eq_ignore_ascii_case(&wanted))
        .ok_or_else(|| ApiError::not_found(&wanted, "User"))?;
    let _factors = parts.next();
    let factor_id = parts.next().map(crate::api::users::percent_decode);
    Ok((user, factor_id))
}

/// The relying party id: the org's host.
fn rp_id(state: &AppState) -> String {
    url::Url::parse(&state.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `https://<host>` as on a real org, and the sandbox's own base URL (`http://…`) for
/// browsers and tools talking to the loopback sandbox directly.
fn allowed_origins(state: &AppState) -> Vec<String> {
    let mut origins = vec![format!("https://{}", rp_id(state)), state.base_url.clone()];
    if let Ok(mut url) = url::Url::parse(&state.base_url)
        && url.host_str() == Some("127.0.0.1")
        && url.set_host(Some("localhost")).is_ok()
    {
        origins.push(url.as_str().trim_end_matches('/').to_owned());
    }
    origins
}

fn to_wire(
    state: &AppState,
    user: &UserConfig,
    record: &FactorRecord,
    with_options: bool,
) -> Factor {
    let base = format!("/api/v1/users/{}/factors/{}", user.id, record.id);
    let mut links = json!({
        "self": {"href": state.url(&base), "hints": {"allow": ["GET", "DELETE"]}},
        "user": {"href": state.url(&format!("/api/v1/users/{}", user.id))},
    });
    if record.status == "PENDING_ACTIVATION" {
        links["activate"] = json!({
            "href": state.url(&format!("{base}/lifecycle/activate")),
            "hints": {"allow": ["POST"]},
        });
    }
    let display = format!("{} {}", user.first_name, user.last_name)
        .trim()
        .to_owned();
    let embedded = with_options.then(|| FactorEmbedded {
        activation: Some(WebAuthnActivation {
            challenge: record.challenge.clone(),
            rp: RelyingParty {
                id: None,
                name: "Sandbox".into(),
            },
            user: WebAuthnUser {
                id: URL_SAFE_NO_PAD.encode(user.id.as_bytes()),
                name: user.login.clone(),
                display_name: if display.is_empty() {
                    user.login.clone()
                } else {
                    display
                },
            },
            pub_key_cred_params: [-7, -257]
                .into_iter()
                .map(|alg| PubKeyCredParam {
                    type_: "public-key".into(),
                    alg,
                })
                .collect(),
            exclude_credentials: Vec::new(),
            authenticator_selection: Some(json!({
                "userVerification": "preferred",
                "requireResidentKey": false,
            })),
            attestation: Some("direct".into()),
            timeout: None,
            extensions: None,
        }),
    });
    Factor {
        id: record.id.clone(),
        factor_type: FACTOR_TYPE_WEBAUTHN.into(),
        provider: PROVIDER_FIDO.into(),
        vendor_name: Some(PROVIDER_FIDO.into()),
        status: record.status.into(),
        created: Some(iso(record.created)),
        last_updated: Some(iso(record.last_updated)),
        profile: record.credential_id.as_ref().map(|id| FactorProfile {
            credential_id: Some(id.clone()),
            authenticator_name: Some("oktactl sandbox authenticator".into()),
        }),
        links: Some(links),
        embedded,
    }
}

/// Epoch seconds as `2024-01-01T00:00:00.000Z`.
fn iso(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn random_id(len: usize) -> String {
    oktactl_jose::random_base64url(len)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .chain(std::iter::repeat('0'))
        .take(len)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_formats_epoch() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_704_067_200), "2024-01-01T00:00:00.000Z");
        assert_eq!(iso(1_709_210_096), "2024-02-29T12:34:56.000Z");
    }
}
