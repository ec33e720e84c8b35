//! Headers every answer carries: `Date` from the sandbox clock and the rate-limit trio.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;

use super::util::*;

fn rate_limit(response: &reqwest::Response) -> (u32, u32, i64) {
    let number = |name: &str| {
        response.headers()[name]
            .to_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    (
        number("x-rate-limit-limit") as u32,
        number("x-rate-limit-remaining") as u32,
        number("x-rate-limit-reset"),
    )
}

#[tokio::test]
async fn every_answer_has_date_and_rate_limit_headers() {
    let org = TestOrg::start().await;
    let responses = [
        org.get("/.well-known/oauth-authorization-server", &[])
            .await,
        org.get("/api/v1/users", &[]).await,
        org.get("/no/such/path", &[]).await,
        org.post_form("/oauth2/v1/token", &[("grant_type", "nope")], None)
            .await,
        org.get("/oauth2/v1/token", &[]).await,
    ];
    let statuses: Vec<StatusCode> = responses.iter().map(|r| r.status()).collect();
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::UNAUTHORIZED,
            StatusCode::NOT_FOUND,
            StatusCode::BAD_REQUEST,
            StatusCode::METHOD_NOT_ALLOWED
        ]
    );
    for response in &responses {
        let date = httpdate::parse_http_date(response.headers()["date"].to_str().unwrap()).unwrap();
        let off = SystemTime::now()
            .duration_since(date)
            .unwrap_or_else(|e| e.duration());
        assert!(off < Duration::from_secs(5), "{off:?}");
        let (limit, remaining, reset) = rate_limit(response);
        assert_eq!(limit, 600);
        assert!(remaining < 600);
        assert!(reset > now() - 1 && reset <= now() + 61, "{reset}");
    }
}

#[tokio::test]
async fn remaining_counts_down_per_endpoint_family() {
    let org = TestOrg::start().await;
    let first = org.get("/api/v1/users", &[]).await;
    let second = org.get("/api/v1/users", &[]).await;
    let other = org.get("/oauth2/v1/keys", &[]).await;
    let (_, a, _) = rate_limit(&first);
    let (_, b, _) = rate_limit(&second);
    let (_, c, _) = rate_limit(&other);
    // Both list requests fall in one minute window unless the minute turned in between.
    assert!(b == a - 1 || b == 599, "{a} {b}");
    assert_eq!(c, 599);
}

#[tokio::test]
async fn clock_skew_moves_the_date_header() {
    let org = TestOrg::start().await;
    org.controls().set_clock_skew(-3600);
    let response = org.get("/oauth2/v1/keys", &[]).await;
    let date = httpdate::parse_http_date(response.headers()["date"].to_str().unwrap()).unwrap();
    let behind = SystemTime::now().duration_since(date).unwrap();
    assert!(behind.as_secs().abs_diff(3600) <= 5, "{behind:?}");
}

#[tokio::test]
async fn request_count_is_per_exact_path() {
    let org = TestOrg::start().await;
    org.get("/api/v1/users", &[]).await;
    org.get("/api/v1/users/x", &[]).await;
    org.get("/api/v1/users/x", &[]).await;
    let controls = org.controls();
    assert_eq!(controls.request_count("/api/v1/users"), 1);
    assert_eq!(controls.request_count("/api/v1/users/x"), 2);
    assert_eq!(controls.request_count("/oauth2/v1/token"), 0);
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let org = TestOrg::start().await;
    let url = org.url("/oauth2/v1/keys");
    let http = org.http.clone();
    timed(org.sandbox.shutdown()).await;
    let result = timed(http.get(&url).send()).await;
    assert!(result.is_err(), "{result:?}");
}
