//! Property tests: whatever a server answers, turning it into an error never panics and never
//! loses the status or the URL (issue 5). 10,000 cases per property.

use oktactl_auth::AuthError;
use oktactl_auth::http::error_from_body;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn json_like() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        Just("error"),
        Just("error_description"),
        Just("errorCode"),
        Just("errorSummary"),
        Just("errorCauses"),
        Just("errorLink"),
        Just("errorId"),
        Just("x"),
    ];
    let value = prop_oneof![
        ".{0,20}".prop_map(serde_json::Value::String),
        any::<i32>().prop_map(|n| serde_json::json!(n)),
        Just(serde_json::json!([{"errorSummary": "s"}])),
        Just(serde_json::json!([1, 2])),
        Just(serde_json::Value::Null),
    ];
    proptest::collection::vec((field, value), 0..6).prop_map(|pairs| {
        let object: serde_json::Map<String, serde_json::Value> =
            pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        serde_json::Value::Object(object).to_string().into_bytes()
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn error_bodies_never_panic_and_keep_status_and_url(
        status in 100u16..600,
        body in prop_oneof![json_like(), proptest::collection::vec(any::<u8>(), 0..64)],
        challenge in ".{0,60}",
    ) {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            headers.insert("www-authenticate", value);
        }
        let error = error_from_body("https://example.okta.com/x", status, &headers, &body);
        let message = error.to_string();
        prop_assert!(!message.contains('\n'), "one line: {}", message);
        match error {
            AuthError::OAuth { status: s, url, .. } | AuthError::Api { status: s, url, .. } | AuthError::UnexpectedResponse { status: s, url, .. } => {
                prop_assert_eq!(s, status);
                prop_assert_eq!(url, "https://example.okta.com/x");
            }
            other => prop_assert!(false, "unexpected variant {other:?}"),
        }
    }
}
