//! Okta's rate limits (reference §7, and Okta's "Rate limits" guide): every answer carries
//! `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (epoch seconds) for
//! the endpoint family ("bucket") the request counted against.
//!
//! Two mechanisms use them:
//! - **after** a 429: wait `Reset - Date + 1` seconds (Date = the 429's own `Date` header, so a
//!   skewed local clock does not matter), then retry with `X-Okta-Retry-For` (the
//!   `X-Okta-Request-Id` of the first 429) and `X-Okta-Retry-Count: n`, as okta-sdk-golang,
//!   okta-sdk-python and okta-sdk-nodejs do;
//! - **before** sending: a [`RateLimiter`] shared by every clone of the client remembers, per
//!   bucket, how many calls the window has left and when it resets, and makes callers wait once
//!   the calls in flight would use up the rest. Many tasks sharing one client therefore slow
//!   down instead of collecting 429s.
//!
//! Waits are reported through a [`RateLimitHook`] and counted in [`RateLimitStats`], so a
//! progress bar can show them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// A request answered 429 is retried at most this often (okta-sdk-golang's default `maxRetries`
/// is 2, okta-sdk-python's 2; one more makes bulk runs sturdier without looping long).
pub const MAX_RATE_LIMIT_RETRIES: u32 = 3;

/// Shortest wait after a 429: a `Reset` in the past (clock skew, a late answer) still waits 1 s
/// rather than hammering the API.
pub const MIN_RETRY_WAIT: Duration = Duration::from_secs(1);

/// Longest wait after a 429 or before a request. Okta's windows are one minute long, so a reset
/// further away than two minutes is not a real window: wait the maximum and try again rather than
/// hanging for hours on a bad header.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(120);

/// While a bucket's window is unknown (the first request is still out), or its remaining calls
/// are all taken by requests in flight, waiting callers look again this often.
const POLL: Duration = Duration::from_millis(25);

/// Added to the computed reset: the server's window must have rolled when we send again.
const RESET_MARGIN: Duration = Duration::from_millis(20);

/// Called for every wait the rate limits cause. Must be cheap; runs on the request's task.
pub type RateLimitHook = Arc<dyn Fn(&RateLimitEvent) + Send + Sync>;

/// A wait caused by rate limits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitEvent {
    /// The bucket's window is (nearly) used up: the request waits before it is sent.
    Throttled {
        /// The bucket, e.g. `/api/v1/users/{id}`.
        bucket: String,
        /// How long the request will wait at most.
        wait: Duration,
    },
    /// The API answered 429: the request waits, then is sent again.
    TooManyRequests {
        /// The bucket.
        bucket: String,
        /// How long the request waits before the retry.
        wait: Duration,
        /// Which retry follows (1 for the first).
        retry: u32,
        /// `X-Okta-Request-Id` of the 429.
        request_id: Option<String>,
    },
}

/// Counters of rate-limit waits since the client was made (shared by its clones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitStats {
    /// Requests that waited before being sent.
    pub throttled: u64,
    /// Their total wait.
    pub throttled_wait: Duration,
    /// 429 answers received.
    pub too_many_requests: u64,
    /// The total wait after 429s.
    pub retry_wait: Duration,
}

/// The `X-Rate-Limit-*` trio of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// `X-Rate-Limit-Limit`: calls allowed per window.
    pub limit: u32,
    /// `X-Rate-Limit-Remaining`: calls left in this window.
    pub remaining: u32,
    /// `X-Rate-Limit-Reset`: when the window resets, in epoch seconds.
    pub reset: i64,
}

impl RateLimitHeaders {
    /// Reads the trio; `None` when one is missing or not a number.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Some(RateLimitHeaders {
            limit: number(headers, "x-rate-limit-limit")?,
            remaining: number(headers, "x-rate-limit-remaining")?,
            reset: number(headers, "x-rate-limit-reset")?,
        })
    }
}

/// How long to wait after a 429: `Reset - Date + 1` seconds, clamped to
/// [`MIN_RETRY_WAIT`]`..=`[`MAX_RETRY_WAIT`]. Without a `Date` header the local clock stands in;
/// without a `Reset` header the minimum is used.
pub fn retry_wait(headers: &HeaderMap) -> Duration {
    retry_wait_within(headers, MAX_RETRY_WAIT)
}

/// [`retry_wait`] with another upper bound.
pub fn retry_wait_within(headers: &HeaderMap, max: Duration) -> Duration {
    let Some(reset) = number::<i64>(headers, "x-rate-limit-reset") else {
        return MIN_RETRY_WAIT.min(max);
    };
    let date = server_date(headers).unwrap_or_else(oktactl_auth::http::unix_now);
    clamp_secs(reset.saturating_sub(date).saturating_add(1)).min(max)
}

/// The bucket a path counts against: the path with ids replaced by `{id}`. Okta's buckets are
/// per endpoint family (`/api/v1/users`, `/api/v1/users/{id}`, `/oauth2/v1/token`, …); below
/// `/api/v1/<collection>` every second segment is an id or a login, e.g.
/// `/api/v1/users/00u1/factors/fid` → `/api/v1/users/{id}/factors/{id}`.
pub fn bucket_for(path: &str) -> String {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if segments.len() < 3 || segments[0] != "api" {
        return path.to_string();
    }
    let mut bucket = String::new();
    for (index, segment) in segments.iter().enumerate() {
        bucket.push('/');
        if index >= 3 && index % 2 == 1 && !segment.is_empty() {
            bucket.push_str("{id}");
        } else {
            bucket.push_str(segment);
        }
    }
    bucket
}

/// Per-bucket knowledge of the rate-limit windows, shared by every clone of a client.
#[derive(Debug)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
    stats: Mutex<RateLimitStats>,
    /// The longest wait, in milliseconds ([`MAX_RETRY_WAIT`] unless changed).
    max_wait_ms: AtomicU64,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            buckets: Mutex::default(),
            stats: Mutex::default(),
            max_wait_ms: AtomicU64::new(MAX_RETRY_WAIT.as_millis() as u64),
        }
    }
}

#[derive(Debug, Default)]
struct Bucket {
    state: BucketState,
    /// Permits handed out whose answers have not been seen yet.
    in_flight: u32,
}

#[derive(Debug, Default)]
enum BucketState {
    /// No answer yet: one request goes first to learn the window.
    #[default]
    Unknown,
    /// Answers carry no rate-limit headers: nothing to throttle on.
    Unlimited,
    /// The current window.
    Window(Window),
}

#[derive(Debug)]
struct Window {
    limit: u32,
    remaining: u32,
    reset_epoch: i64,
    /// Local estimate of the reset; `None` once it passed and no answer of the new window has
    /// been seen (then `remaining` is assumed to be `limit` again).
    reset_at: Option<Instant>,
}

/// The right to send one request in a bucket. Dropping it without [`Permit::finish`] (an error,
/// a cancelled task) gives the slot back.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    limiter: &'a RateLimiter,
    bucket: String,
    finished: bool,
}

impl RateLimiter {
    /// A limiter that knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counters so far.
    pub fn stats(&self) -> RateLimitStats {
        *lock(&self.stats)
    }

    /// The longest wait before a request or after a 429.
    pub fn max_wait(&self) -> Duration {
        Duration::from_millis(self.max_wait_ms.load(Ordering::Relaxed))
    }

    /// Changes the longest wait (at least 1 ms).
    pub fn set_max_wait(&self, max: Duration) {
        let ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX).max(1);
        self.max_wait_ms.store(ms, Ordering::Relaxed);
    }

    /// Waits until a request in `bucket` may be sent without exceeding the window, reporting
    /// the wait (once) through `hook`.
    pub(crate) async fn acquire<'a>(
        &'a self,
        bucket: &str,
        hook: Option<&RateLimitHook>,
    ) -> Permit<'a> {
        let started = Instant::now();
        let mut reported = false;
        loop {
            let wait = match self.try_acquire(bucket) {
                Ok(()) => break,
                Err(wait) => wait,
            };
            if !reported && wait > POLL {
                reported = true;
                tracing::debug!(bucket, ?wait, "rate limit nearly used up: waiting");
                if let Some(hook) = hook {
                    hook(&RateLimitEvent::Throttled {
                        bucket: bucket.to_string(),
                        wait,
                    });
                }
            }
            tokio::time::sleep(wait).await;
        }
        let waited = started.elapsed();
        if waited > POLL {
            let mut stats = lock(&self.stats);
            stats.throttled += 1;
            stats.throttled_wait += waited;
        }
        Permit {
            limiter: self,
            bucket: bucket.to_string(),
            finished: false,
        }
    }

    /// Counts a 429 and its wait.
    pub(crate) fn record_too_many_requests(&self, wait: Duration) {
        let mut stats = lock(&self.stats);
        stats.too_many_requests += 1;
        stats.retry_wait += wait;
    }

    /// Takes a slot, or says how long to wait before asking again.
    fn try_acquire(&self, bucket: &str) -> Result<(), Duration> {
        let mut buckets = lock(&self.buckets);
        let entry = buckets.entry(bucket.to_string()).or_default();
        let now = Instant::now();
        let allowed = match &mut entry.state {
            BucketState::Unlimited => return grant(entry),
            BucketState::Unknown if entry.in_flight == 0 => return grant(entry),
            BucketState::Unknown => return Err(POLL),
            BucketState::Window(window) => {
                if window.reset_at.is_some_and(|at| now >= at) {
                    window.remaining = window.limit;
                    window.reset_at = None;
                }
                if window.remaining > entry.in_flight {
                    true
                } else if window.remaining == 0 {
                    // Nothing left: wait for the reset (or poll when it is not known).
                    return Err(window
                        .reset_at
                        .map_or(POLL, |at| at.saturating_duration_since(now).max(POLL)));
                } else {
                    false
                }
            }
        };
        if allowed {
            grant(entry)
        } else {
            // The rest of the window is taken by requests in flight; their answers will say more.
            Err(POLL)
        }
    }

    /// Learns from an answer's headers and releases its slot.
    fn update(&self, bucket: &str, headers: Option<&HeaderMap>) {
        let received = Instant::now();
        let mut buckets = lock(&self.buckets);
        let entry = buckets.entry(bucket.to_string()).or_default();
        entry.in_flight = entry.in_flight.saturating_sub(1);
        let Some(headers) = headers else {
            return;
        };
        let Some(seen) = RateLimitHeaders::from_headers(headers) else {
            if matches!(entry.state, BucketState::Unknown) {
                entry.state = BucketState::Unlimited;
            }
            return;
        };
        // Date has whole seconds, so the server's clock is in [Date, Date + 1): waiting
        // `Reset - Date` seconds from now is never early. A reset already past gives no wait.
        let date = server_date(headers).unwrap_or_else(oktactl_auth::http::unix_now);
        let until_reset =
            Duration::from_secs(seen.reset.saturating_sub(date).max(0).unsigned_abs());
        let reset_at = received + until_reset.min(self.max_wait()) + RESET_MARGIN;
        match &mut entry.state {
            BucketState::Window(window) if window.reset_epoch == seen.reset => {
                window.limit = seen.limit;
                window.remaining = window.remaining.min(seen.remaining);
                if window.reset_at.is_none() {
                    window.reset_at = Some(reset_at);
                }
            }
            // Another window (the next one, or the server changed its limits): believe the
            // answer. A late answer from an older window has a reset already past, so it rolls
            // over at once.
            state => {
                *state = BucketState::Window(Window {
                    limit: seen.limit,
                    remaining: seen.remaining,
                    reset_epoch: seen.reset,
                    reset_at: Some(reset_at),
                });
            }
        }
    }
}

impl Permit<'_> {
    /// Releases the slot, learning the window from the answer's headers.
    pub(crate) fn finish(mut self, headers: &HeaderMap) {
        self.limiter.update(&self.bucket, Some(headers));
        self.finished = true;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.limiter.update(&self.bucket, None);
        }
    }
}

fn grant(entry: &mut Bucket) -> Result<(), Duration> {
    entry.in_flight += 1;
    Ok(())
}

/// Seconds (possibly negative) as a wait within [`MIN_RETRY_WAIT`]`..=`[`MAX_RETRY_WAIT`].
fn clamp_secs(secs: i64) -> Duration {
    let min = MIN_RETRY_WAIT.as_secs() as i64;
    let max = MAX_RETRY_WAIT.as_secs() as i64;
    Duration::from_secs(secs.clamp(min, max).unsigned_abs())
}

fn server_date(headers: &HeaderMap) -> Option<i64> {
    let text = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let time = httpdate::parse_http_date(text).ok()?;
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

fn number<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Locks a mutex past poisoning: every critical section here leaves the maps consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn date(epoch: i64) -> String {
        httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(epoch as u64))
    }

    #[test]
    fn retry_wait_is_reset_minus_date_plus_one() {
        let h = headers(&[("x-rate-limit-reset", "1000".into()), ("date", date(990))]);
        assert_eq!(retry_wait(&h), Duration::from_secs(11));
    }

    #[test]
    fn retry_wait_is_clamped() {
        let past = headers(&[("x-rate-limit-reset", "900".into()), ("date", date(990))]);
        assert_eq!(retry_wait(&past), MIN_RETRY_WAIT);
        let far = headers(&[("x-rate-limit-reset", "99999".into()), ("date", date(990))]);
        assert_eq!(retry_wait(&far), MAX_RETRY_WAIT);
        assert_eq!(retry_wait(&HeaderMap::new()), MIN_RETRY_WAIT);
    }

    #[test]
    fn buckets_replace_ids() {
        assert_eq!(bucket_for("/api/v1/users"), "/api/v1/users");
        assert_eq!(bucket_for("/api/v1/users/00u1"), "/api/v1/users/{id}");
        assert_eq!(
            bucket_for("/api/v1/users/a@b.c/factors/f1/lifecycle/activate"),
            "/api/v1/users/{id}/factors/{id}/lifecycle/{id}"
        );
        assert_eq!(bucket_for("/oauth2/v1/token"), "/oauth2/v1/token");
    }

    #[test]
    fn unknown_bucket_lets_one_request_probe() {
        let limiter = RateLimiter::new();
        assert!(limiter.try_acquire("b").is_ok());
        assert_eq!(limiter.try_acquire("b"), Err(POLL));
        limiter.update("b", Some(&HeaderMap::new()));
        // No headers: unlimited.
        assert!(limiter.try_acquire("b").is_ok());
        assert!(limiter.try_acquire("b").is_ok());
    }

    #[test]
    fn window_is_not_exceeded_by_requests_in_flight() {
        let limiter = RateLimiter::new();
        let now = oktactl_auth::http::unix_now();
        limiter.try_acquire("b").unwrap();
        let h = headers(&[
            ("x-rate-limit-limit", "5".into()),
            ("x-rate-limit-remaining", "2".into()),
            ("x-rate-limit-reset", (now + 30).to_string()),
            ("date", date(now)),
        ]);
        limiter.update("b", Some(&h));
        assert!(limiter.try_acquire("b").is_ok());
        assert!(limiter.try_acquire("b").is_ok());
        let wait = limiter.try_acquire("b").unwrap_err();
        assert_eq!(wait, POLL, "two in flight use the remaining two");
        let empty = headers(&[
            ("x-rate-limit-limit", "5".into()),
            ("x-rate-limit-remaining", "0".into()),
            ("x-rate-limit-reset", (now + 30).to_string()),
            ("date", date(now)),
        ]);
        limiter.update("b", Some(&empty));
        let wait = limiter.try_acquire("b").unwrap_err();
        assert!(
            wait > Duration::from_secs(25),
            "waits for the reset: {wait:?}"
        );
    }
}
