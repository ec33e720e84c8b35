//! `/oauth2/v1/revoke` (RFC 7009) and `/oauth2/v1/introspect` (RFC 7662).

use oktactl_wire::IntrospectionResponse;
use reqwest::StatusCode;

use super::util::*;

const REVOKE: &str = "/oauth2/v1/revoke";
const INTROSPECT: &str = "/oauth2/v1/introspect";

async fn revoke(org: &TestOrg, token: &str) -> reqwest::Response {
    let assertion = org.assertion(&org.bearer_app_key, BEARER_APP, REVOKE);
    let mut form = assertion_form(&assertion, "");
    form.retain(|(name, _)| *name == "client_assertion_type" || *name == "client_assertion");
    form.extend([("token", token), ("token_type_hint", "access_token")]);
    org.post_form(REVOKE, &form, None).await
}

async fn introspect(org: &TestOrg, token: &str) -> IntrospectionResponse {
    let assertion = org.assertion(&org.bearer_app_key, BEARER_APP, INTROSPECT);
    let form = [
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.as_str()),
        ("token", token),
    ];
    let response = org.post_form(INTROSPECT, &form, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    timed(response.json()).await.unwrap()
}

#[tokio::test]
async fn revoked_token_is_inactive_and_refused_by_the_users_api() {
    let org = TestOrg::start().await;
    let token = org
        .bearer_token(&org.bearer_app_key, BEARER_APP, USERS_READ)
        .await;
    let active = introspect(&org, &token).await;
    assert!(active.active);
    assert_eq!(active.client_id.as_deref(), Some(BEARER_APP));
    assert_eq!(active.token_type.as_deref(), Some("Bearer"));
    assert_eq!(active.scope.as_deref(), Some(USERS_READ));

    let response = revoke(&org, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(timed(response.bytes()).await.unwrap().is_empty());
    assert_eq!(org.controls().revoked_tokens(), 1);

    assert!(!introspect(&org, &token).await.active);
    let response = org
        .get(
            "/api/v1/users",
            &[("Authorization", format!("Bearer {token}"))],
        )
        .await;
    expect_okta_error(
        response,
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
    )
    .await;

    // Revoking twice is still 200 and counts once.
    assert_eq!(revoke(&org, &token).await.status(), StatusCode::OK);
    assert_eq!(org.controls().revoked_tokens(), 1);
}

#[tokio::test]
async fn revoking_an_unknown_token_answers_200() {
    let org = TestOrg::start().await;
    for token in ["not-a-token", "a.b.c"] {
        assert_eq!(revoke(&org, token).await.status(), StatusCode::OK);
    }
    assert_eq!(org.controls().revoked_tokens(), 0);
}

#[tokio::test]
async fn revoking_another_clients_token_leaves_it_active() {
    let org = TestOrg::start().await;
    let token = org.bearer_token(&rsa_key(), RSA_APP, USERS_READ).await;
    assert_eq!(revoke(&org, &token).await.status(), StatusCode::OK);
    assert_eq!(org.controls().revoked_tokens(), 0);
    let response = org
        .get(
            "/api/v1/users",
            &[("Authorization", format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoke_assertion_must_name_the_revoke_endpoint() {
    let org = TestOrg::start().await;
    let assertion = org.assertion(&org.bearer_app_key, BEARER_APP, "/oauth2/v1/token");
    let form = [
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.as_str()),
        ("token", "whatever"),
    ];
    let response = org.post_form(REVOKE, &form, None).await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The audience claim for client_assertion must be the endpoint invoking the client_assertion.",
    )
    .await;
}

#[tokio::test]
async fn revoke_without_client_authentication_is_refused() {
    let org = TestOrg::start().await;
    let response = org.post_form(REVOKE, &[("token", "x")], None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = org
        .post_form(REVOKE, &[("client_id", BEARER_APP)], None)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn introspection_shows_the_dpop_binding() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let token = org.dpop_token(&dpop_key, USERS_READ).await;
    // The DPoP app's token, introspected by its own client.
    let assertion = org.assertion(&org.dpop_app_key, DPOP_APP, INTROSPECT);
    let form = [
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.as_str()),
        ("token", token.access_token.as_str()),
    ];
    let response = org.post_form(INTROSPECT, &form, None).await;
    let body: IntrospectionResponse = timed(response.json()).await.unwrap();
    assert!(body.active);
    assert_eq!(body.token_type.as_deref(), Some("DPoP"));
    assert_eq!(body.cnf.map(|c| c.jkt), Some(dpop_key.thumbprint()));
    assert!(body.jti.is_some_and(|jti| jti.starts_with("AT.")));
}

#[tokio::test]
async fn expired_token_is_inactive() {
    let org = TestOrg::start().await;
    let token = org
        .bearer_token(&org.bearer_app_key, BEARER_APP, USERS_READ)
        .await;
    org.controls().set_clock_skew(3700);
    // The assertion must be valid on the skewed clock.
    let iat = now() + 3700;
    let claims = assertion_claims(BEARER_APP, &org.url(INTROSPECT), iat, iat + 60);
    let assertion = sign_assertion(&org.bearer_app_key, &claims);
    let form = [
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.as_str()),
        ("token", token.as_str()),
    ];
    let response = org.post_form(INTROSPECT, &form, None).await;
    let body: IntrospectionResponse = timed(response.json()).await.unwrap();
    assert!(!body.active);
    assert_eq!(body.scope, None);
}
