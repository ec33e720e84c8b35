//! Per-family rate limits: Okta's 429 body and headers, counters, request ids and the retry
//! headers clients send.

use reqwest::StatusCode;

use super::util::*;

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn requests_beyond_the_limit_get_okta_429() {
    let org = TestOrg::start().await;
    let controls = org.controls();
    controls.set_rate_limit("keys", 2, 60);
    // All three requests must fall into one minute window.
    if now() % 60 >= 57 {
        tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    }
    let first = timed(org.get("/oauth2/v1/keys", &[])).await;
    let second = timed(org.get("/oauth2/v1/keys", &[])).await;
    let third = timed(org.get("/oauth2/v1/keys", &[])).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, "x-rate-limit-remaining"), "1");
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(header(&second, "x-rate-limit-remaining"), "0");
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&third, "x-rate-limit-limit"), "2");
    assert_eq!(header(&third, "x-rate-limit-remaining"), "0");
    let reset: i64 = header(&third, "x-rate-limit-reset").parse().unwrap();
    assert_eq!(reset % 60, 0, "windows start at whole minutes");
    assert!(reset > now() - 1 && reset <= now() + 60, "{reset}");
    let ids: Vec<String> = [&first, &second, &third]
        .iter()
        .map(|r| header(r, "x-okta-request-id"))
        .collect();
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "{ids:?}");
    let body: serde_json::Value = third.json().await.unwrap();
    assert_eq!(body["errorCode"], "E0000047");
    assert_eq!(
        body["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );
    assert_eq!(controls.throttled_count(), 1);
    assert_eq!(controls.window_count("keys"), 3);
    // Other families are not affected.
    let other = timed(org.get("/.well-known/openid-configuration", &[])).await;
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(header(&other, "x-rate-limit-limit"), "600");
}

#[tokio::test]
async fn the_window_resets_after_its_length() {
    let org = TestOrg::start().await;
    let controls = org.controls();
    controls.set_rate_limit("*", 1, 1);
    let first = timed(org.get("/oauth2/v1/keys", &[])).await;
    assert_eq!(first.status(), StatusCode::OK);
    let reset: i64 = header(&first, "x-rate-limit-reset").parse().unwrap();
    // Bounded: at most 3 s of 50 ms steps until the 1 s window rolls.
    let mut after = None;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if now() >= reset {
            after = Some(timed(org.get("/oauth2/v1/keys", &[])).await);
            break;
        }
    }
    let after = after.expect("the window rolled within 3 s");
    assert_eq!(after.status(), StatusCode::OK, "a new window");
}

#[tokio::test]
async fn retry_headers_are_recorded() {
    let org = TestOrg::start().await;
    let url = org.url("/oauth2/v1/keys");
    let response = timed(
        http_client()
            .get(&url)
            .header("X-Okta-Retry-For", "abc123")
            .header("X-Okta-Retry-Count", "2")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let recorded = org.controls().retry_headers();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].path, "/oauth2/v1/keys");
    assert_eq!(recorded[0].retry_for.as_deref(), Some("abc123"));
    assert_eq!(recorded[0].retry_count.as_deref(), Some("2"));
}
