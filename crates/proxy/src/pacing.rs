//! Pacing by Okta's rate-limit headers (reference §7): every answer carries
//! `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (epoch seconds of the server clock); when a
//! bucket has nothing left, the next request waits for its reset instead of earning a 429. On a
//! 429 the wait is `Reset - Date + 1` seconds.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;

/// What the last answer of one bucket said.
#[derive(Clone, Copy, Debug)]
struct Window {
    remaining: u64,
    /// The reset time on the local clock (the server's reset moved by the `Date` skew).
    reset_local: i64,
}

/// Rate-limit windows per endpoint bucket.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    windows: Mutex<HashMap<String, Window>>,
}

impl Pacer {
    /// How long a request to `bucket` should wait now (zero when it may go at once).
    pub(crate) fn delay(&self, bucket: &str, now: i64, cap: Duration) -> Duration {
        let windows = lock(&self.windows);
        match windows.get(bucket) {
            Some(w) if w.remaining == 0 && w.reset_local >= now => {
                Duration::from_secs((w.reset_local - now + 1).unsigned_abs()).min(cap)
            }
            _ => Duration::ZERO,
        }
    }

    /// Records the rate-limit headers of an answer from `bucket`.
    pub(crate) fn record(&self, bucket: &str, headers: &HeaderMap, now: i64) {
        let (Some(remaining), Some(reset)) = (
            number(headers, "x-rate-limit-remaining"),
            number(headers, "x-rate-limit-reset"),
        ) else {
            return;
        };
        let skew = server_date(headers).map(|date| date - now).unwrap_or(0);
        let reset_local = i64::try_from(reset).unwrap_or(i64::MAX) - skew;
        lock(&self.windows).insert(
            bucket.to_string(),
            Window {
                remaining,
                reset_local,
            },
        );
    }
}

/// How long to wait after a 429: `Reset - Date + 1` seconds (reference §7), at most `cap`.
pub(crate) fn retry_after_429(headers: &HeaderMap, now: i64, cap: Duration) -> Duration {
    let date = server_date(headers).unwrap_or(now);
    let wait = number(headers, "x-rate-limit-reset")
        .and_then(|reset| i64::try_from(reset).ok())
        .map(|reset| reset - date + 1)
        .unwrap_or(1)
        .max(1);
    Duration::from_secs(wait.unsigned_abs()).min(cap)
}

/// The bucket of a path: Okta limits per endpoint, e.g. `/api/v1/users` (the list) apart from
/// `/api/v1/users/*` (one user). Three segments plus a wildcard is close enough for pacing.
pub(crate) fn bucket(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut bucket: String = segments.iter().take(3).map(|s| format!("/{s}")).collect();
    if segments.len() > 3 {
        bucket.push_str("/*");
    }
    bucket
}

fn number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn server_date(headers: &HeaderMap) -> Option<i64> {
    let text = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let time = httpdate::parse_http_date(text).ok()?;
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// Every critical section leaves the map consistent, so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn buckets_group_ids_under_their_collection() {
        assert_eq!(bucket("/api/v1/users"), "/api/v1/users");
        assert_eq!(bucket("/api/v1/users/00u1"), "/api/v1/users/*");
        assert_eq!(bucket("/api/v1/users/00u1/factors"), "/api/v1/users/*");
    }

    #[test]
    fn an_empty_bucket_waits_until_its_reset() {
        let pacer = Pacer::default();
        let mut headers = HeaderMap::new();
        headers.insert("x-rate-limit-remaining", HeaderValue::from(0));
        headers.insert("x-rate-limit-reset", HeaderValue::from(1_000_010));
        pacer.record("/a", &headers, 1_000_000);
        let cap = Duration::from_secs(60);
        assert_eq!(pacer.delay("/a", 1_000_000, cap), Duration::from_secs(11));
        assert_eq!(pacer.delay("/b", 1_000_000, cap), Duration::ZERO);
        assert_eq!(pacer.delay("/a", 1_000_011, cap), Duration::ZERO);
    }

    #[test]
    fn a_429_waits_reset_minus_date_plus_one() {
        let mut headers = HeaderMap::new();
        headers.insert("x-rate-limit-reset", HeaderValue::from(1_000_003));
        let date = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(1_000_000));
        headers.insert("date", HeaderValue::from_str(&date).unwrap());
        let wait = retry_after_429(&headers, 5, Duration::from_secs(60));
        assert_eq!(wait, Duration::from_secs(4));
    }
}
