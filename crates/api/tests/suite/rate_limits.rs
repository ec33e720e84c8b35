//! 429 handling and throttling before the limit, against the sandbox's per-family limits.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oktactl_api::{OktaClient, RateLimitEvent};

use crate::{client, start};

const BEARER: &str = "0oasandboxbearerec01";
/// The sandbox's family of `/api/v1/users/{id}`.
const USERS_ID: &str = "users-id";

fn recorder() -> (Arc<Mutex<Vec<RateLimitEvent>>>, oktactl_api::RateLimitHook) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let hook: oktactl_api::RateLimitHook =
        Arc::new(move |event: &RateLimitEvent| sink.lock().unwrap().push(event.clone()));
    (events, hook)
}

#[tokio::test]
async fn sequential_calls_wait_for_the_window_and_all_succeed() {
    let env = start().await;
    let controls = env.sandbox.controls();
    controls.set_rate_limit(USERS_ID, 5, 2);
    let okta = client(&env, BEARER, "okta.users.read").await;
    let started = Instant::now();
    for _ in 0..12 {
        let user = tokio::time::timeout(Duration::from_secs(30), okta.user("bob@example.com"))
            .await
            .expect("lookup within 30 s")
            .unwrap();
        assert_eq!(user.profile.login, "bob@example.com");
    }
    let stats = okta.rate_limit_stats();
    assert!(
        controls.throttled_count() <= 1,
        "the client waits instead of running into the limit: {} 429s",
        controls.throttled_count()
    );
    assert!(
        stats.throttled >= 1,
        "12 calls at 5 per 2 s must wait: {stats:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "three windows cannot pass in under 2 s: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_429_is_retried_once_after_the_reset_with_okta_retry_headers() {
    let env = start().await;
    let controls = env.sandbox.controls();
    controls.set_rate_limit(USERS_ID, 2, 2);
    // Another client (its own limiter) uses up the window, so this one meets a 429 first.
    let other = client(&env, BEARER, "okta.users.read").await;
    let (events, hook) = recorder();
    let okta = client(&env, BEARER, "okta.users.read")
        .await
        .with_rate_limit_hook(hook);
    // Align to the start of a window so the other client's two calls and ours share it.
    wait_for_window_start(2).await;
    other.user("alice@example.com").await.unwrap();
    other.user("alice@example.com").await.unwrap();
    let user = tokio::time::timeout(Duration::from_secs(30), okta.user("carol@example.com"))
        .await
        .expect("lookup within 30 s")
        .unwrap();
    assert_eq!(user.profile.login, "carol@example.com");

    let events = events.lock().unwrap().clone();
    let retries: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            RateLimitEvent::TooManyRequests {
                retry,
                request_id,
                wait,
                ..
            } => Some((*retry, request_id.clone(), *wait)),
            _ => None,
        })
        .collect();
    assert_eq!(retries.len(), 1, "one 429, retried once: {events:?}");
    let (retry, request_id, wait) = &retries[0];
    assert_eq!(*retry, 1);
    assert!(
        (Duration::from_secs(1)..=Duration::from_secs(3)).contains(wait),
        "Reset - Date + 1 within a 2 s window: {wait:?}"
    );
    let recorded = controls.retry_headers();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].path, "/api/v1/users/carol@example.com");
    assert_eq!(recorded[0].retry_for, request_id.clone());
    assert!(recorded[0].retry_for.is_some(), "the 429 had a request id");
    assert_eq!(recorded[0].retry_count.as_deref(), Some("1"));
    assert_eq!(controls.throttled_count(), 1);
    assert_eq!(okta.rate_limit_stats().too_many_requests, 1);
}

#[tokio::test]
async fn concurrent_tasks_are_throttled_before_the_limit() {
    let env = start().await;
    let controls = env.sandbox.controls();
    controls.set_rate_limit(USERS_ID, 8, 1);
    let okta = client(&env, BEARER, "okta.users.read").await;
    const TASKS: usize = 16;
    const PER_TASK: usize = 2;
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let okta: OktaClient = okta.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..PER_TASK {
                let login = ["alice", "bob", "carol", "dave", "erin"][task % 5];
                okta.user(&format!("{login}@example.com")).await?;
            }
            Ok::<_, oktactl_api::ApiError>(())
        }));
    }
    for handle in handles {
        tokio::time::timeout(Duration::from_secs(60), handle)
            .await
            .expect("task within 60 s")
            .unwrap()
            .unwrap();
    }
    let throttled = controls.throttled_count();
    assert!(
        throttled <= TASKS,
        "at most one 429 per task, got {throttled} for {} calls",
        TASKS * PER_TASK
    );
    let stats = okta.rate_limit_stats();
    assert!(
        stats.throttled > 0,
        "tasks waited before sending: {stats:?}"
    );
    eprintln!(
        "{} calls, limit 8/1 s: {throttled} answered 429, {} waited before sending",
        TASKS * PER_TASK,
        stats.throttled
    );
}

#[tokio::test]
async fn a_reset_far_in_the_future_waits_only_up_to_the_cap() {
    let env = start().await;
    let controls = env.sandbox.controls();
    controls.set_rate_limit(USERS_ID, 1, 2);
    controls.shift_rate_limit_reset(100_000);
    let (events, hook) = recorder();
    let okta = client(&env, BEARER, "okta.users.read")
        .await
        .with_rate_limit_hook(hook)
        .with_max_rate_limit_wait(Duration::from_secs(2));
    wait_for_window_start(2).await;
    okta.user("alice@example.com").await.unwrap();
    let started = Instant::now();
    let user = tokio::time::timeout(Duration::from_secs(20), okta.user("bob@example.com"))
        .await
        .expect("lookup within 20 s")
        .unwrap();
    assert_eq!(user.profile.login, "bob@example.com");
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(8),
        "the far reset is clamped: {elapsed:?}"
    );
    for event in events.lock().unwrap().iter() {
        let wait = match event {
            RateLimitEvent::Throttled { wait, .. }
            | RateLimitEvent::TooManyRequests { wait, .. } => *wait,
            _ => Duration::ZERO,
        };
        assert!(wait <= Duration::from_millis(2100), "{event:?}");
    }
}

#[tokio::test]
async fn a_reset_in_the_past_still_waits_a_second_and_retries_are_bounded() {
    let env = start().await;
    let controls = env.sandbox.controls();
    // One call a minute: every retry within the test meets a 429.
    controls.set_rate_limit(USERS_ID, 1, 60);
    controls.shift_rate_limit_reset(-1_000);
    let okta = client(&env, BEARER, "okta.users.read").await;
    let _ = okta.user("alice@example.com").await;
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(20), okta.user("bob@example.com"))
        .await
        .expect("gives up within 20 s")
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(error.okta_error_code(), Some("E0000047"), "{error}");
    assert!(
        elapsed >= Duration::from_secs(3),
        "three retries, each after at least 1 s: {elapsed:?}"
    );
    let retries = controls.retry_headers();
    let counts: Vec<_> = retries
        .iter()
        .filter(|r| r.path == "/api/v1/users/bob@example.com")
        .map(|r| r.retry_count.clone().unwrap_or_default())
        .collect();
    assert_eq!(counts, ["1", "2", "3"], "at most 3 retries");
    let first_for = &retries[0].retry_for;
    assert!(
        retries.iter().all(|r| &r.retry_for == first_for),
        "every retry names the first 429: {retries:?}"
    );
}

/// Sleeps until just after the next multiple of `window` seconds.
async fn wait_for_window_start(window: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into = now.as_millis() as u64 % (window * 1000);
    tokio::time::sleep(Duration::from_millis(window * 1000 - into + 50)).await;
}
