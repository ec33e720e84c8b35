//! The users API: authentication schemes, scopes, lookups, filters and paging.

use oktactl_wire::{DpopProofClaims, User};
use reqwest::StatusCode;

use super::util::*;

fn bearer(token: &str) -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {token}"))]
}

fn ssws() -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("SSWS {API_TOKEN}"))]
}

async fn logins(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), StatusCode::OK);
    let users: Vec<User> = timed(response.json()).await.unwrap();
    users.into_iter().map(|u| u.profile.login).collect()
}

#[tokio::test]
async fn bearer_token_reads_a_user_by_id_and_by_login() {
    let org = TestOrg::start().await;
    let token = org
        .bearer_token(&org.bearer_app_key, BEARER_APP, USERS_READ)
        .await;
    for path in [
        "/api/v1/users/00utestbob0000000002",
        "/api/v1/users/bob@example.com",
        "/api/v1/users/bob%40example.com",
    ] {
        let response = org.get(path, &bearer(&token)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let user: User = timed(response.json()).await.unwrap();
        assert_eq!(user.id, "00utestbob0000000002");
        assert_eq!(user.profile.login, "bob@example.com");
        assert_eq!(user.profile.first_name.as_deref(), Some("Bob"));
        assert_eq!(
            user.links.unwrap()["self"]["href"],
            org.url("/api/v1/users/00utestbob0000000002").as_str()
        );
    }
}

#[tokio::test]
async fn unknown_user_is_404() {
    let org = TestOrg::start().await;
    let response = org.get("/api/v1/users/nobody@example.com", &ssws()).await;
    expect_okta_error(
        response,
        StatusCode::NOT_FOUND,
        "E0000007",
        "Not found: Resource not found: nobody@example.com (User)",
    )
    .await;
}

#[tokio::test]
async fn manage_scope_also_reads() {
    let org = TestOrg::start().await;
    let token = org
        .bearer_token(&org.bearer_app_key, BEARER_APP, "okta.users.manage")
        .await;
    assert_eq!(
        logins(org.get("/api/v1/users?limit=1", &bearer(&token)).await).await,
        ["alice@example.com"]
    );
}

#[tokio::test]
async fn missing_authorization_is_401_with_a_bearer_challenge() {
    let org = TestOrg::start().await;
    let response = org.get("/api/v1/users", &[]).await;
    let headers = expect_okta_error(
        response,
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
    )
    .await;
    assert_eq!(
        headers["www-authenticate"],
        format!(
            "Bearer authorization_uri=\"{}\", realm=\"IdP\", scope=\"okta.users.read\", \
             error=\"invalid_token\", error_description=\"The access token is invalid.\", \
             resource=\"/api/v1/users\"",
            org.url("/oauth2/v1/authorize")
        )
        .as_str()
    );
}

#[tokio::test]
async fn garbage_tokens_are_401() {
    let org = TestOrg::start().await;
    for value in [
        "Bearer",
        "Bearer garbage",
        "Bearer a.b.c",
        "DPoP x.y.z",
        "SSWS wrong",
        "SSWS",
        "Basic abc",
        "x",
    ] {
        let response = org
            .get("/api/v1/users", &[("Authorization", value.to_owned())])
            .await;
        expect_okta_error(
            response,
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
        .await;
    }
}

#[tokio::test]
async fn token_without_users_scope_is_403_with_a_challenge() {
    let org = TestOrg::start().await;
    let token = org
        .bearer_token(&org.custom_only_key, NO_USERS_SCOPE_APP, "sandbox.custom")
        .await;
    let response = org.get("/api/v1/users", &bearer(&token)).await;
    let headers = expect_okta_error(
        response,
        StatusCode::FORBIDDEN,
        "E0000006",
        "You do not have permission to perform the requested action",
    )
    .await;
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"okta.users.read\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn expired_token_is_refused() {
    let org = TestOrg::start().await;
    let token = org
        .bearer_token(&org.bearer_app_key, SHORT_LIFETIME_APP, USERS_READ)
        .await;
    org.controls().set_clock_skew(61);
    let response = org.get("/api/v1/users", &bearer(&token)).await;
    expect_okta_error(
        response,
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
    )
    .await;
}

#[tokio::test]
async fn token_of_another_sandbox_is_refused() {
    let org = TestOrg::start().await;
    let other = TestOrg::start().await;
    let token = other
        .bearer_token(&other.bearer_app_key, BEARER_APP, USERS_READ)
        .await;
    let response = org.get("/api/v1/users", &bearer(&token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_token_lists_users() {
    let org = TestOrg::start().await;
    let all = logins(org.get("/api/v1/users", &ssws()).await).await;
    assert_eq!(all.len(), 5);
    assert_eq!(all[0], "alice@example.com");
}

#[tokio::test]
async fn dpop_token_lists_users_with_a_proof() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let token = org.dpop_token(&dpop_key, USERS_READ).await.access_token;
    let response = org
        .get_with_dpop("/api/v1/users?limit=2", &token, &dpop_key)
        .await;
    assert_eq!(
        logins(response).await,
        ["alice@example.com", "bob@example.com"]
    );
    let response = org
        .get_with_dpop("/api/v1/users/carol%40example.com", &token, &dpop_key)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn dpop_token_sent_as_bearer_is_refused() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let token = org.dpop_token(&dpop_key, USERS_READ).await.access_token;
    let response = org.get("/api/v1/users", &bearer(&token)).await;
    let headers = expect_okta_error(
        response,
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
    )
    .await;
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("DPoP ")
    );
}

#[tokio::test]
async fn bearer_token_sent_as_dpop_is_refused() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let token = org
        .bearer_token(&org.bearer_app_key, BEARER_APP, USERS_READ)
        .await;
    let response = org.get_with_dpop("/api/v1/users", &token, &dpop_key).await;
    expect_okta_error(
        response,
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
    )
    .await;
}

async fn expect_proof_refused(
    org: &TestOrg,
    path: &str,
    token: &str,
    proof: Option<String>,
    description: &str,
) {
    let mut headers = vec![("Authorization", format!("DPoP {token}"))];
    headers.extend(proof.map(|p| ("DPoP", p)));
    let response = org.get(path, &headers).await;
    let headers = expect_okta_error(
        response,
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
    )
    .await;
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("DPoP algs="), "{challenge}");
    assert!(
        challenge.contains("error=\"invalid_dpop_proof\""),
        "{challenge}"
    );
    assert!(
        challenge.contains(&format!("error_description=\"{description}\"")),
        "{challenge}"
    );
}

#[tokio::test]
async fn resource_proofs_are_checked() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let token = org.dpop_token(&dpop_key, USERS_READ).await.access_token;
    let users = "/api/v1/users";
    let good = |path: &str| DpopProofClaims {
        jti: oktactl_jose::random_base64url(16),
        htm: "GET".into(),
        htu: org.url(path),
        iat: now(),
        nonce: None,
        ath: Some(oktactl_jose::sha256_base64url(token.as_bytes())),
    };
    expect_proof_refused(
        &org,
        users,
        &token,
        None,
        "The DPoP proof JWT header is missing.",
    )
    .await;
    let cases = [
        (
            DpopProofClaims {
                htm: "POST".into(),
                ..good(users)
            },
            "'htm' claim in the DPoP proof JWT is invalid.",
        ),
        (
            DpopProofClaims {
                ath: None,
                ..good(users)
            },
            "'ath' claim in the DPoP proof JWT is invalid.",
        ),
        (
            DpopProofClaims {
                ath: Some("x".into()),
                ..good(users)
            },
            "'ath' claim in the DPoP proof JWT is invalid.",
        ),
        (
            DpopProofClaims {
                htu: org.url("/api/v1/users/"),
                ..good(users)
            },
            "'htu' claim in the DPoP proof JWT is invalid.",
        ),
    ];
    for (claims, description) in cases {
        expect_proof_refused(
            &org,
            users,
            &token,
            Some(sign_proof(&dpop_key, &claims)),
            description,
        )
        .await;
    }
    // Reference §3 (okta-sdk-python#541): htu must match the path as sent, percent-encoding
    // included.
    let sent = "/api/v1/users/alice%40example.com";
    let proof = sign_proof(&dpop_key, &good("/api/v1/users/alice@example.com"));
    expect_proof_refused(
        &org,
        sent,
        &token,
        Some(proof),
        "'htu' claim in the DPoP proof JWT is invalid.",
    )
    .await;
    let proof = sign_proof(&ec_key("other"), &good(users));
    expect_proof_refused(
        &org,
        users,
        &token,
        Some(proof),
        "The DPoP proof JWT key does not match the key the access token is bound to.",
    )
    .await;
    let proof = sign_proof(&dpop_key, &good(users));
    let headers = [
        ("Authorization", format!("DPoP {token}")),
        ("DPoP", proof.clone()),
    ];
    assert_eq!(org.get(users, &headers).await.status(), StatusCode::OK);
    expect_proof_refused(
        &org,
        users,
        &token,
        Some(proof),
        "The DPoP proof JWT has already been used.",
    )
    .await;
}

#[tokio::test]
async fn resource_nonce_is_demanded_when_switched_on() {
    let org = TestOrg::start().await;
    org.controls().require_resource_nonce(true);
    let dpop_key = ec_key("dpop");
    let token_endpoint_nonce = org.token_nonce(&ec_key("other")).await;
    let token = org.dpop_token(&dpop_key, USERS_READ).await.access_token;
    // Neither no nonce nor the token endpoint's nonce will do (RFC 9449 §9: nonces are specific
    // to the server that issued them).
    let mut resource_nonce = String::new();
    for nonce in [None, Some(token_endpoint_nonce.as_str())] {
        let proof = org.proof(&dpop_key, "GET", "/api/v1/users", nonce, Some(&token));
        let headers = [("Authorization", format!("DPoP {token}")), ("DPoP", proof)];
        let response = org.get("/api/v1/users", &headers).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("DPoP "), "{challenge}");
        assert!(
            challenge.contains("error=\"use_dpop_nonce\""),
            "{challenge}"
        );
        resource_nonce = response.headers()["dpop-nonce"]
            .to_str()
            .unwrap()
            .to_owned();
        // The official Python SDK reads the error code from the body.
        let body: serde_json::Value = timed(response.json()).await.unwrap();
        assert_eq!(body["error"], "use_dpop_nonce");
    }
    assert_ne!(resource_nonce, token_endpoint_nonce);

    let proof = org.proof(
        &dpop_key,
        "GET",
        "/api/v1/users",
        Some(&resource_nonce),
        Some(&token),
    );
    let response = org
        .get(
            "/api/v1/users",
            &[("Authorization", format!("DPoP {token}")), ("DPoP", proof)],
        )
        .await;
    assert_eq!(logins(response).await.len(), 5);
}

#[tokio::test]
async fn filter_search_and_q_select_users() {
    let org = TestOrg::start().await;
    let cases: [(&str, &[&str]); 8] = [
        (
            r#"filter=profile.login eq "carol@example.com""#,
            &["carol@example.com"],
        ),
        (r#"filter=status eq "SUSPENDED""#, &["dave@example.com"]),
        (
            r#"filter=id eq "00utestbob0000000002" or profile.email eq "ALICE@example.com""#,
            &["alice@example.com", "bob@example.com"],
        ),
        (
            r#"search=profile.login sw "al""#,
            &["alice@example.com", "alina@example.com"],
        ),
        (
            r#"search=profile.firstName eq "Alina" and status eq "ACTIVE""#,
            &["alina@example.com"],
        ),
        ("q=al", &["alice@example.com", "alina@example.com"]),
        ("q=Zed", &["alina@example.com"]),
        ("q=nobody", &[]),
    ];
    for (query, expected) in cases {
        let encoded: String = url::form_urlencoded::parse(query.as_bytes())
            .fold(
                url::form_urlencoded::Serializer::new(String::new()),
                |mut s, (k, v)| {
                    s.append_pair(&k, &v);
                    s
                },
            )
            .finish();
        let got = logins(org.get(&format!("/api/v1/users?{encoded}"), &ssws()).await).await;
        assert_eq!(got, expected, "{query}");
    }
}

#[tokio::test]
async fn invalid_filter_is_400_e0000031() {
    let org = TestOrg::start().await;
    let response = org
        .get("/api/v1/users?filter=profile.login%20eq", &ssws())
        .await;
    expect_okta_error(
        response,
        StatusCode::BAD_REQUEST,
        "E0000031",
        "Invalid search criteria.",
    )
    .await;
    let response = org.get("/api/v1/users?limit=lots", &ssws()).await;
    expect_okta_error(
        response,
        StatusCode::BAD_REQUEST,
        "E0000001",
        "Api validation failed",
    )
    .await;
}

#[tokio::test]
async fn pages_follow_link_next_until_the_end() {
    let org = TestOrg::start().await;
    let mut url = org.url("/api/v1/users?limit=2");
    let mut seen = Vec::new();
    for _ in 0..10 {
        let response = timed(
            org.http
                .get(&url)
                .header("Authorization", format!("SSWS {API_TOKEN}"))
                .send(),
        )
        .await
        .unwrap();
        let links: Vec<String> = response
            .headers()
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(
            links.iter().any(|l| l == &format!("<{url}>; rel=\"self\"")),
            "{links:?}"
        );
        seen.extend(logins(response).await);
        let next = links.iter().find(|l| l.ends_with("rel=\"next\""));
        match next {
            Some(link) => {
                url = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned()
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "alice@example.com",
            "bob@example.com",
            "carol@example.com",
            "dave@example.com",
            "alina@example.com"
        ]
    );
    assert_eq!(org.controls().request_count("/api/v1/users"), 3);
}
