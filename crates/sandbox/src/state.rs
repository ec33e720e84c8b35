//! Shared server state: the configuration, the sandbox's signing key, the test knobs and the
//! in-memory ledger of used `jti`s, nonces, issued tokens and rate-limit windows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oktactl_jose::{SigningKey, VerifyingKey};

use crate::SandboxError;
use crate::config::{AppConfig, SandboxConfig};

/// How long a token-endpoint DPoP nonce is handed out before a new one is made. Okta rotates
/// about daily and keeps older nonces valid for days (reference §3); an hour keeps tests honest
/// without making nonces expire under them.
const NONCE_ROTATE_SECONDS: i64 = 3600;
/// How long a nonce stays valid after it was made.
const NONCE_LIFETIME_SECONDS: i64 = 24 * 3600;
/// A DPoP proof's `iat` may differ from the sandbox clock by this much.
pub(crate) const PROOF_IAT_WINDOW_SECONDS: i64 = 300;
/// Maps are pruned of expired entries once they grow past this.
const PRUNE_THRESHOLD: usize = 1024;

/// Test knobs and counters, shared by the server and every [`crate::Controls`] handle.
#[derive(Debug)]
pub(crate) struct ControlsInner {
    pub clock_skew: AtomicI64,
    pub request_counts: Mutex<HashMap<String, usize>>,
    pub tokens_issued: AtomicUsize,
    pub revoked_tokens: AtomicUsize,
    pub require_resource_nonce: AtomicBool,
    pub token_endpoint_nonce_required: AtomicBool,
    pub faults: crate::faults::FaultPlan,
    /// RFC 8628 polling interval handed out by `/oauth2/v1/device/authorize`.
    pub device_interval: AtomicI64,
    /// Refresh tokens issued in an earlier epoch are refused (`Controls::forget_refresh_tokens`).
    pub refresh_epoch: AtomicUsize,
    pub factors: Arc<crate::api::factors::FactorLedger>,
    /// Family (or `*`) → `(limit, window seconds)`.
    pub rate_limits: Mutex<HashMap<String, (u32, u64)>>,
    /// Family → `(window start, requests in it)`.
    pub rate_windows: Mutex<HashMap<&'static str, (i64, u32)>>,
    /// Requests answered 429.
    pub throttled: AtomicUsize,
    /// Retry headers seen.
    pub retries: Mutex<Vec<RetryHeaders>>,
    /// Overrides the base URL of `rel="next"` links.
    pub next_link_base: Mutex<Option<String>>,
    /// Added to the `X-Rate-Limit-Reset` header (a fault: a reset in the past or far away).
    pub reset_shift: AtomicI64,
}

/// The retry headers an Okta SDK sends when it repeats a request answered 429.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryHeaders {
    /// The request path.
    pub path: String,
    /// `X-Okta-Retry-For`: the `X-Okta-Request-Id` of the first 429.
    pub retry_for: Option<String>,
    /// `X-Okta-Retry-Count`.
    pub retry_count: Option<String>,
}

impl ControlsInner {
    pub(crate) fn new() -> Self {
        ControlsInner {
            clock_skew: AtomicI64::new(0),
            request_counts: Mutex::new(HashMap::new()),
            tokens_issued: AtomicUsize::new(0),
            revoked_tokens: AtomicUsize::new(0),
            require_resource_nonce: AtomicBool::new(false),
            token_endpoint_nonce_required: AtomicBool::new(true),
            faults: crate::faults::FaultPlan::default(),
            device_interval: AtomicI64::new(5),
            refresh_epoch: AtomicUsize::new(0),
            factors: Arc::default(),
            rate_limits: Mutex::new(HashMap::new()),
            rate_windows: Mutex::new(HashMap::new()),
            throttled: AtomicUsize::new(0),
            retries: Mutex::new(Vec::new()),
            next_link_base: Mutex::new(None),
            reset_shift: AtomicI64::new(0),
        }
    }

    /// `(limit, window seconds)` of `family`.
    fn rate_limit_of(&self, family: &str) -> Option<(u32, u64)> {
        let limits = lock(&self.rate_limits);
        limits.get(family).or_else(|| limits.get("*")).copied()
    }

    /// Requests counted against `family` in its current window.
    pub(crate) fn window_count(&self, family: &str) -> u32 {
        let now = self.now();
        let window = self.rate_limit_of(family).map_or(60, |(_, w)| w);
        let start = window_start(now, window);
        lock(&self.rate_windows)
            .iter()
            .find(|(name, _)| **name == family)
            .filter(|(_, (started, _))| *started == start)
            .map_or(0, |(_, (_, count))| *count)
    }

    /// The sandbox clock: the real clock moved by the configured skew.
    pub(crate) fn now_system(&self) -> SystemTime {
        let skew = self.clock_skew.load(Ordering::Relaxed);
        let real = SystemTime::now();
        let moved = if skew >= 0 {
            real.checked_add(Duration::from_secs(skew.unsigned_abs()))
        } else {
            real.checked_sub(Duration::from_secs(skew.unsigned_abs()))
        };
        moved.unwrap_or(real)
    }

    /// The sandbox clock in seconds since the epoch.
    pub(crate) fn now(&self) -> i64 {
        let since = self
            .now_system()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
    }

    pub(crate) fn count_request(&self, path: &str) {
        *lock(&self.request_counts)
            .entry(path.to_owned())
            .or_default() += 1;
    }
}

/// An app with its registered keys parsed once, at start.
pub(crate) struct RegisteredApp {
    pub config: AppConfig,
    /// `(kid, key)` for each registered JWK.
    pub keys: Vec<(Option<String>, VerifyingKey)>,
    /// RFC 7638 thumbprints of the registered JWKs: a DPoP key must not be one of them.
    pub thumbprints: Vec<String>,
}

/// What the sandbox remembers about an access token it issued.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub iat: i64,
    pub exp: i64,
    pub jkt: Option<String>,
    pub revoked: bool,
}

/// Everything the server handlers share.
pub(crate) struct AppState {
    pub base_url: String,
    pub config: SandboxConfig,
    pub apps: HashMap<String, RegisteredApp>,
    pub signing_key: SigningKey,
    pub verifying_key: VerifyingKey,
    pub controls: Arc<ControlsInner>,
    ledger: Mutex<Ledger>,
    /// Codes, refresh tokens and device codes of interactive sign-ins.
    pub user_ledger: Mutex<crate::oauth::user_ledger::UserLedger>,
    /// WebAuthn factors of every user.
    pub factors: Arc<crate::api::factors::FactorLedger>,
}

#[derive(Default)]
struct Ledger {
    /// `client_id \n jti` → the assertion's `exp` (forgotten after that).
    assertion_jtis: HashMap<String, i64>,
    /// Proof `jti` → when it may be forgotten.
    proof_jtis: HashMap<String, i64>,
    /// Access token `jti` → state.
    tokens: HashMap<String, IssuedToken>,
    /// `(nonce, made at)` per issuing server, newest last.
    nonces: HashMap<NonceIssuer, Vec<(String, i64)>>,
}

/// Which server hands out a DPoP nonce. RFC 9449 §8 and §9 make nonces specific to the server
/// that issued them, so a token-endpoint nonce is no good at the users API and the other way
/// round; clients must keep them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NonceIssuer {
    /// The token endpoint (RFC 9449 §8).
    AuthorizationServer,
    /// The users API (RFC 9449 §9).
    ResourceServer,
}

/// Rate-limit headers for one response.
pub(crate) struct RateLimitStatus {
    pub limit: u32,
    pub remaining: u32,
    pub reset: i64,
    /// The request is beyond the limit: answer 429.
    pub exceeded: bool,
}

impl AppState {
    pub(crate) fn new(
        base_url: String,
        mut config: SandboxConfig,
        signing_key: SigningKey,
        controls: Arc<ControlsInner>,
    ) -> Result<Self, SandboxError> {
        config.users = config.expanded_users();
        config.generated_users = 0;
        let mut apps = HashMap::new();
        for app in &config.apps {
            let mut keys = Vec::new();
            let mut thumbprints = Vec::new();
            for jwk in &app.jwks {
                let invalid = |err: oktactl_jose::JoseError| SandboxError::InvalidAppKey {
                    client_id: app.client_id.clone(),
                    reason: err.to_string(),
                };
                keys.push((
                    jwk.kid.clone(),
                    VerifyingKey::from_jwk(jwk).map_err(invalid)?,
                ));
                thumbprints.push(oktactl_jose::jwk_thumbprint(jwk).map_err(invalid)?);
            }
            let registered = RegisteredApp {
                config: app.clone(),
                keys,
                thumbprints,
            };
            if apps.insert(app.client_id.clone(), registered).is_some() {
                return Err(SandboxError::DuplicateClient {
                    client_id: app.client_id.clone(),
                });
            }
        }
        {
            let mut limits = lock(&controls.rate_limits);
            for limit in &config.rate_limits {
                limits.insert(
                    limit.family.clone(),
                    (limit.limit, limit.window_seconds.max(1)),
                );
            }
        }
        let verifying_key = VerifyingKey::from_jwk(&signing_key.public_jwk()).map_err(|err| {
            SandboxError::KeyGeneration {
                reason: err.to_string(),
            }
        })?;
        Ok(AppState {
            base_url,
            config,
            apps,
            signing_key,
            verifying_key,
            factors: controls_factors(&controls),
            controls,
            ledger: Mutex::new(Ledger::default()),
            user_ledger: Mutex::new(Default::default()),
        })
    }

    /// The sandbox clock in seconds since the epoch.
    pub(crate) fn now(&self) -> i64 {
        self.controls.now()
    }

    /// `<base_url><path>`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Remembers an assertion `jti` until `exp`; `false` when it was already used (Okta treats
    /// assertions as single use, reference §2).
    pub(crate) fn consume_assertion_jti(&self, client_id: &str, jti: &str, exp: i64) -> bool {
        let now = self.now();
        let mut ledger = lock(&self.ledger);
        if ledger.assertion_jtis.len() > PRUNE_THRESHOLD {
            ledger
                .assertion_jtis
                .retain(|_, forget_after| *forget_after >= now);
        }
        let key = format!("{client_id}\n{jti}");
        if ledger.assertion_jtis.contains_key(&key) {
            return false;
        }
        ledger.assertion_jtis.insert(key, exp.max(now));
        true
    }

    /// Remembers a DPoP proof `jti` for as long as its `iat` could still pass; `false` when it
    /// was already used (RFC 9449 §11.1).
    pub(crate) fn consume_proof_jti(&self, jti: &str) -> bool {
        let now = self.now();
        let mut ledger = lock(&self.ledger);
        if ledger.proof_jtis.len() > PRUNE_THRESHOLD {
            ledger
                .proof_jtis
                .retain(|_, forget_after| *forget_after >= now);
        }
        if ledger.proof_jtis.contains_key(jti) {
            return false;
        }
        ledger
            .proof_jtis
            .insert(jti.to_owned(), now + 2 * PROOF_IAT_WINDOW_SECONDS);
        true
    }

    /// The nonce `issuer` hands out now, making a new one when the newest is old.
    pub(crate) fn current_nonce(&self, issuer: NonceIssuer) -> String {
        let now = self.now();
        let mut ledger = lock(&self.ledger);
        let nonces = ledger.nonces.entry(issuer).or_default();
        nonces.retain(|(_, made)| now - made < NONCE_LIFETIME_SECONDS);
        if let Some((nonce, made)) = nonces.last()
            && now - made < NONCE_ROTATE_SECONDS
            && *made <= now
        {
            return nonce.clone();
        }
        let nonce = oktactl_jose::random_base64url(32);
        nonces.push((nonce.clone(), now));
        nonce
    }

    /// Whether `nonce` was handed out by `issuer` and is still valid.
    pub(crate) fn nonce_is_valid(&self, issuer: NonceIssuer, nonce: &str) -> bool {
        let now = self.now();
        lock(&self.ledger)
            .nonces
            .get(&issuer)
            .is_some_and(|nonces| {
                nonces
                    .iter()
                    .any(|(known, made)| known == nonce && now - made < NONCE_LIFETIME_SECONDS)
            })
    }

    pub(crate) fn record_token(&self, jti: String, token: IssuedToken) {
        lock(&self.ledger).tokens.insert(jti, token);
        self.controls.tokens_issued.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn issued_token(&self, jti: &str) -> Option<IssuedToken> {
        lock(&self.ledger).tokens.get(jti).cloned()
    }

    /// Marks a token revoked if it was issued to `client_id`; `true` when it changed state.
    pub(crate) fn revoke(&self, jti: &str, client_id: &str) -> bool {
        let mut ledger = lock(&self.ledger);
        match ledger.tokens.get_mut(jti) {
            Some(token) if token.client_id == client_id && !token.revoked => {
                token.revoked = true;
                self.controls.revoked_tokens.fetch_add(1, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// Counts one request in the current window of `family` (fixed windows starting at
    /// multiples of the window length, as Okta's per-minute windows do).
    pub(crate) fn rate_limit_hit(&self, family: &'static str) -> RateLimitStatus {
        let now = self.now();
        let (limit, window) = self
            .controls
            .rate_limit_of(family)
            .unwrap_or((self.config.rate_limit, 60));
        let start = window_start(now, window);
        let mut windows = lock(&self.controls.rate_windows);
        let entry = windows.entry(family).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        let exceeded = entry.1 > limit;
        if exceeded {
            self.controls.throttled.fetch_add(1, Ordering::Relaxed);
        }
        RateLimitStatus {
            limit,
            remaining: limit.saturating_sub(entry.1),
            reset: start
                + i64::try_from(window).unwrap_or(60)
                + self.controls.reset_shift.load(Ordering::Relaxed),
            exceeded,
        }
    }
}

/// The factor ledger lives in the controls, so tests can count active passkeys.
fn controls_factors(controls: &ControlsInner) -> Arc<crate::api::factors::FactorLedger> {
    controls.factors.clone()
}

/// The start of the `window`-second window holding `now`.
fn window_start(now: i64, window: u64) -> i64 {
    let window = i64::try_from(window.max(1)).unwrap_or(60);
    now - now.rem_euclid(window)
}

/// Locks a mutex, carrying on past poisoning: every critical section here leaves the maps
/// consistent even if a panic interrupted it, so the data is still usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
