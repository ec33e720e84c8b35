//! `/oauth2/v1/token`: client authentication, scopes and the token itself.

use base64::Engine;
use oktactl_wire::TokenResponse;
use reqwest::StatusCode;

use super::util::*;

const TOKEN: &str = "/oauth2/v1/token";

#[tokio::test]
async fn bearer_app_gets_a_bearer_access_token() {
    let org = TestOrg::start().await;
    let response = org
        .token_request(
            &org.bearer_app_key,
            BEARER_APP,
            "okta.users.read okta.users.manage",
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let token: TokenResponse = timed(response.json()).await.unwrap();
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.expires_in, Some(3600));
    assert_eq!(
        token.scope.as_deref(),
        Some("okta.users.read okta.users.manage")
    );
    let claims = claims_of(&token.access_token);
    let base = org.sandbox.base_url();
    assert_eq!(claims["ver"], 1);
    assert!(claims["jti"].as_str().unwrap().starts_with("AT."));
    assert_eq!(claims["iss"], base.as_str());
    assert_eq!(claims["aud"], base.as_str());
    assert_eq!(claims["cid"], BEARER_APP);
    assert_eq!(claims["sub"], BEARER_APP);
    assert_eq!(
        claims["scp"],
        serde_json::json!(["okta.users.read", "okta.users.manage"])
    );
    assert!(claims.get("cnf").is_none(), "a Bearer token has no cnf");
    let exp = claims["exp"].as_i64().unwrap();
    assert!((exp - now() - 3600).abs() <= 5, "exp {exp}");
    assert_eq!(org.controls().tokens_issued(), 1);
    assert_eq!(org.controls().request_count(TOKEN), 1);
}

#[tokio::test]
async fn rsa_assertion_is_accepted() {
    let org = TestOrg::start().await;
    let token = org.bearer_token(&rsa_key(), RSA_APP, USERS_READ).await;
    assert_eq!(claims_of(&token)["cid"], RSA_APP);
}

#[tokio::test]
async fn assertion_without_kid_is_verified_with_each_registered_key() {
    let org = TestOrg::start().await;
    let claims = assertion_claims(BEARER_APP, &org.url(TOKEN), now(), now() + 60);
    let header = oktactl_wire::JwsHeader {
        alg: String::new(),
        typ: None,
        kid: None,
        jwk: None,
    };
    let assertion = org.bearer_app_key.sign(&header, &claims).unwrap();
    let response = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn app_lifetime_override_sets_expires_in() {
    let org = TestOrg::start().await;
    let response = org
        .token_request(&org.bearer_app_key, SHORT_LIFETIME_APP, USERS_READ, None)
        .await;
    let token: TokenResponse = timed(response.json()).await.unwrap();
    assert_eq!(token.expires_in, Some(60));
}

#[tokio::test]
async fn replayed_assertion_is_refused() {
    let org = TestOrg::start().await;
    let assertion = org.assertion(&org.bearer_app_key, BEARER_APP, TOKEN);
    let first = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), None)
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let again = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), None)
        .await;
    expect_oauth_error(
        again,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The client_assertion token has already been used.",
    )
    .await;
    assert_eq!(org.controls().tokens_issued(), 1);
}

#[tokio::test]
async fn unknown_client_is_refused() {
    let org = TestOrg::start().await;
    let response = org
        .token_request(
            &org.bearer_app_key,
            "0oanosuchclient00001",
            USERS_READ,
            None,
        )
        .await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Invalid value for 'client_id' parameter.",
    )
    .await;
}

#[tokio::test]
async fn assertion_signed_by_another_key_is_refused() {
    let org = TestOrg::start().await;
    let response = org
        .token_request(&ec_key("bearer-app"), BEARER_APP, USERS_READ, None)
        .await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The client_assertion signature is invalid.",
    )
    .await;
}

#[tokio::test]
async fn assertion_for_another_audience_is_refused() {
    let org = TestOrg::start().await;
    for aud in [
        org.url("/oauth2/v1/revoke"),
        org.url("/oauth2/default/v1/token"),
        format!("{}/", org.url(TOKEN)),
    ] {
        let assertion = sign_assertion(
            &org.bearer_app_key,
            &assertion_claims(BEARER_APP, &aud, now(), now() + 60),
        );
        let response = org
            .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), None)
            .await;
        expect_oauth_error(
            response,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The audience claim for client_assertion must be the endpoint invoking the client_assertion.",
        )
        .await;
    }
}

#[tokio::test]
async fn expired_assertion_is_refused() {
    let org = TestOrg::start().await;
    let claims = assertion_claims(BEARER_APP, &org.url(TOKEN), now() - 120, now() - 60);
    let assertion = sign_assertion(&org.bearer_app_key, &claims);
    let response = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), None)
        .await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The client_assertion token is expired.",
    )
    .await;
}

#[tokio::test]
async fn assertion_expiring_more_than_an_hour_ahead_is_refused() {
    let org = TestOrg::start().await;
    let claims = assertion_claims(BEARER_APP, &org.url(TOKEN), now(), now() + 3700);
    let assertion = sign_assertion(&org.bearer_app_key, &claims);
    let response = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), None)
        .await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The client_assertion token has an expiration too far into the future.",
    )
    .await;
}

/// Reference §2 (okta-sdk-python#382): `exp` = iat + 1 h fails when the server clock is behind.
#[tokio::test]
async fn exact_hour_assertion_fails_against_a_slow_server_clock() {
    let org = TestOrg::start().await;
    org.controls().set_clock_skew(-30);
    let claims = assertion_claims(BEARER_APP, &org.url(TOKEN), now(), now() + 3600);
    let assertion = sign_assertion(&org.bearer_app_key, &claims);
    let response = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), None)
        .await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The client_assertion token has an expiration too far into the future.",
    )
    .await;
}

#[tokio::test]
async fn clock_skew_expires_an_otherwise_valid_assertion() {
    let org = TestOrg::start().await;
    org.controls().set_clock_skew(600);
    let response = org
        .token_request(&org.bearer_app_key, BEARER_APP, USERS_READ, None)
        .await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The client_assertion token is expired.",
    )
    .await;
}

#[tokio::test]
async fn assertion_with_subject_other_than_client_is_refused() {
    let org = TestOrg::start().await;
    let mut claims = assertion_claims(BEARER_APP, &org.url(TOKEN), now(), now() + 60);
    claims.sub = "someone-else".into();
    let assertion = sign_assertion(&org.bearer_app_key, &claims);
    let response = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), None)
        .await;
    let headers = response.headers().clone();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(headers["content-type"], "application/json");
}

#[tokio::test]
async fn wrong_assertion_type_is_refused() {
    let org = TestOrg::start().await;
    let assertion = org.assertion(&org.bearer_app_key, BEARER_APP, TOKEN);
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", USERS_READ),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
        ),
        ("client_assertion", assertion.as_str()),
    ];
    let response = org.post_form(TOKEN, &form, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(org.controls().tokens_issued(), 0);
}

#[tokio::test]
async fn missing_scope_is_refused() {
    let org = TestOrg::start().await;
    let response = org
        .token_request(&org.bearer_app_key, BEARER_APP, "", None)
        .await;
    expect_oauth_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_scope",
        "The 'scope' parameter is required.",
    )
    .await;
}

#[tokio::test]
async fn ungranted_scope_is_refused() {
    let org = TestOrg::start().await;
    let response = org
        .token_request(
            &org.bearer_app_key,
            BEARER_APP,
            "okta.users.read okta.groups.read",
            None,
        )
        .await;
    expect_oauth_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_scope",
        "One or more scopes are not configured for the authorization server resource.",
    )
    .await;
}

#[tokio::test]
async fn unsupported_grant_type_is_refused() {
    let org = TestOrg::start().await;
    let response = org
        .post_form(
            TOKEN,
            &[("grant_type", "password"), ("username", "x")],
            None,
        )
        .await;
    let status = response.status();
    let body: serde_json::Value = timed(response.json()).await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn client_secret_post_gets_a_custom_scope() {
    let org = TestOrg::start().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "sandbox.custom"),
        ("client_id", SECRET_POST_APP),
        ("client_secret", SECRET),
    ];
    let response = org.post_form(TOKEN, &form, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: TokenResponse = timed(response.json()).await.unwrap();
    assert_eq!(
        (token.token_type.as_str(), token.scope.as_deref()),
        ("Bearer", Some("sandbox.custom"))
    );
}

#[tokio::test]
async fn client_secret_basic_gets_a_custom_scope() {
    let org = TestOrg::start().await;
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{SECRET_BASIC_APP}:{SECRET}"));
    let request = org
        .http
        .post(org.url(TOKEN))
        .header("Authorization", format!("Basic {credentials}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "sandbox.custom"),
        ]);
    let response = timed(request.send()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_client_secret_is_refused() {
    let org = TestOrg::start().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "sandbox.custom"),
        ("client_id", SECRET_POST_APP),
        ("client_secret", "not-the-secret"),
    ];
    let response = org.post_form(TOKEN, &form, None).await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Invalid value for 'client_secret' parameter.",
    )
    .await;
}

#[tokio::test]
async fn client_secret_cannot_get_okta_scopes() {
    let org = TestOrg::start().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", USERS_READ),
        ("client_id", SECRET_POST_APP),
        ("client_secret", SECRET),
    ];
    let response = org.post_form(TOKEN, &form, None).await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Client Credentials requests to the Org Authorization Server must use the private_key_jwt \
         token_endpoint_auth_method.",
    )
    .await;
}

#[tokio::test]
async fn malformed_requests_get_oauth_errors_not_panics() {
    let org = TestOrg::start().await;
    let assertion_form_with = |assertion: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("scope", USERS_READ),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ]
    };
    for assertion in [
        "garbage",
        "a.b.c",
        "..",
        "e30.e30.",
        "eyJhbGciOiJub25lIn0.e30.",
        "\u{0}\u{ff}",
    ] {
        let response = org
            .post_form(TOKEN, &assertion_form_with(assertion), None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{assertion:?}");
        let body: serde_json::Value = timed(response.json()).await.unwrap();
        assert_eq!(body["error"], "invalid_client", "{assertion:?}");
    }
    for body in [
        &b"\xff\xfe%%%=&&"[..],
        b"",
        b"grant_type=client_credentials&grant_type=x",
    ] {
        let request = org
            .http
            .post(org.url(TOKEN))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_vec());
        let response = timed(request.send()).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body:?}");
        let json: serde_json::Value = timed(response.json()).await.unwrap();
        assert!(json["error"].is_string(), "{json}");
    }
    assert_eq!(org.controls().tokens_issued(), 0);
}
