//! DPoP at the token endpoint (RFC 9449 §4–8, reference §3).

use oktactl_wire::{DpopProofClaims, TokenResponse};
use reqwest::StatusCode;
use serde_json::json;

use super::util::*;

const TOKEN: &str = "/oauth2/v1/token";

async fn expect_bad_proof(org: &TestOrg, proof: &str, description: &str) {
    let response = org
        .token_request(&org.dpop_app_key, DPOP_APP, USERS_READ, Some(proof))
        .await;
    expect_oauth_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_dpop_proof",
        description,
    )
    .await;
}

fn claims(org: &TestOrg, nonce: Option<&str>) -> DpopProofClaims {
    DpopProofClaims {
        jti: oktactl_jose::random_base64url(16),
        htm: "POST".into(),
        htu: org.url(TOKEN),
        iat: now(),
        nonce: nonce.map(Into::into),
        ath: None,
    }
}

#[tokio::test]
async fn dpop_app_without_proof_is_refused() {
    let org = TestOrg::start().await;
    let response = org
        .token_request(&org.dpop_app_key, DPOP_APP, USERS_READ, None)
        .await;
    expect_oauth_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_dpop_proof",
        "The DPoP proof JWT header is missing.",
    )
    .await;
}

#[tokio::test]
async fn nonce_dance_issues_a_dpop_bound_token() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let proof = org.proof(&dpop_key, "POST", TOKEN, None, None);
    let response = org
        .token_request(&org.dpop_app_key, DPOP_APP, USERS_READ, Some(&proof))
        .await;
    let headers = expect_oauth_error(
        response,
        StatusCode::BAD_REQUEST,
        "use_dpop_nonce",
        "Authorization server requires nonce in DPoP proof.",
    )
    .await;
    let nonce = headers["dpop-nonce"].to_str().unwrap().to_owned();
    assert!(nonce.len() >= 16, "{nonce}");

    let proof = org.proof(&dpop_key, "POST", TOKEN, Some(&nonce), None);
    let response = org
        .token_request(&org.dpop_app_key, DPOP_APP, USERS_READ, Some(&proof))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: TokenResponse = timed(response.json()).await.unwrap();
    assert_eq!(token.token_type, "DPoP");
    let claims = claims_of(&token.access_token);
    assert_eq!(claims["cnf"]["jkt"], dpop_key.thumbprint().as_str());
    assert_eq!(org.controls().tokens_issued(), 1);
}

#[tokio::test]
async fn nonce_stays_the_same_between_attempts() {
    let org = TestOrg::start().await;
    let first = org.token_nonce(&ec_key("a")).await;
    let second = org.token_nonce(&ec_key("b")).await;
    assert_eq!(first, second);
}

/// Reference §3: Okta consumes the assertion even when it answers `use_dpop_nonce`.
#[tokio::test]
async fn assertion_of_a_nonce_refusal_is_consumed() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let assertion = org.assertion(&org.dpop_app_key, DPOP_APP, TOKEN);
    let proof = org.proof(&dpop_key, "POST", TOKEN, None, None);
    let response = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), Some(&proof))
        .await;
    let headers = expect_oauth_error(
        response,
        StatusCode::BAD_REQUEST,
        "use_dpop_nonce",
        "Authorization server requires nonce in DPoP proof.",
    )
    .await;
    let nonce = headers["dpop-nonce"].to_str().unwrap();
    let proof = org.proof(&dpop_key, "POST", TOKEN, Some(nonce), None);
    let response = org
        .post_form(TOKEN, &assertion_form(&assertion, USERS_READ), Some(&proof))
        .await;
    expect_oauth_error(
        response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The client_assertion token has already been used.",
    )
    .await;
}

#[tokio::test]
async fn replayed_proof_is_refused() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let nonce = org.token_nonce(&dpop_key).await;
    let proof = org.proof(&dpop_key, "POST", TOKEN, Some(&nonce), None);
    let response = org
        .token_request(&org.dpop_app_key, DPOP_APP, USERS_READ, Some(&proof))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    expect_bad_proof(&org, &proof, "The DPoP proof JWT has already been used.").await;
}

#[tokio::test]
async fn nonce_is_optional_when_the_knob_is_off() {
    let org = TestOrg::start().await;
    org.controls().set_token_endpoint_nonce_required(false);
    let dpop_key = ec_key("dpop");
    let proof = org.proof(&dpop_key, "POST", TOKEN, None, None);
    let response = org
        .token_request(&org.dpop_app_key, DPOP_APP, USERS_READ, Some(&proof))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: TokenResponse = timed(response.json()).await.unwrap();
    assert_eq!(token.token_type, "DPoP");
}

#[tokio::test]
async fn unknown_nonce_is_refused_with_a_fresh_one() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let proof = org.proof(&dpop_key, "POST", TOKEN, Some("made-up-nonce"), None);
    let response = org
        .token_request(&org.dpop_app_key, DPOP_APP, USERS_READ, Some(&proof))
        .await;
    let headers = expect_oauth_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_dpop_proof",
        "'nonce' claim in the DPoP proof JWT is invalid.",
    )
    .await;
    assert!(headers.contains_key("dpop-nonce"));
}

#[tokio::test]
async fn proof_with_wrong_claims_is_refused_claim_by_claim() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let nonce = org.token_nonce(&dpop_key).await;
    let cases: Vec<(DpopProofClaims, &str)> = vec![
        (
            DpopProofClaims {
                htm: "GET".into(),
                ..claims(&org, Some(&nonce))
            },
            "'htm' claim in the DPoP proof JWT is invalid.",
        ),
        (
            DpopProofClaims {
                htu: org.url("/oauth2/v1/token/"),
                ..claims(&org, Some(&nonce))
            },
            "'htu' claim in the DPoP proof JWT is invalid.",
        ),
        (
            DpopProofClaims {
                htu: org.url("/oauth2/default/v1/token"),
                ..claims(&org, Some(&nonce))
            },
            "'htu' claim in the DPoP proof JWT is invalid.",
        ),
        (
            DpopProofClaims {
                iat: now() - 600,
                ..claims(&org, Some(&nonce))
            },
            "'iat' claim in the DPoP proof JWT is invalid.",
        ),
        (
            DpopProofClaims {
                iat: now() + 600,
                ..claims(&org, Some(&nonce))
            },
            "'iat' claim in the DPoP proof JWT is invalid.",
        ),
        (
            DpopProofClaims {
                jti: String::new(),
                ..claims(&org, Some(&nonce))
            },
            "'jti' claim in the DPoP proof JWT is invalid.",
        ),
    ];
    for (claims, description) in cases {
        expect_bad_proof(&org, &sign_proof(&dpop_key, &claims), description).await;
    }
    // A query on htu is not part of the comparison (RFC 9449 §4.2).
    let with_query = DpopProofClaims {
        htu: format!("{}?x=1", org.url(TOKEN)),
        ..claims(&org, Some(&nonce))
    };
    let response = org
        .token_request(
            &org.dpop_app_key,
            DPOP_APP,
            USERS_READ,
            Some(&sign_proof(&dpop_key, &with_query)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn proof_with_wrong_header_is_refused_member_by_member() {
    let org = TestOrg::start().await;
    let dpop_key = ec_key("dpop");
    let nonce = org.token_nonce(&dpop_key).await;
    let body = serde_json::to_value(claims(&org, Some(&nonce))).unwrap();
    let jwk = serde_json::to_value(dpop_key.dpop_jwk()).unwrap();
    let mut private_jwk = jwk.clone();
    private_jwk["d"] = json!("AAAA");
    let cases = [
        (
            json!({"typ": "JWT", "alg": "ES256", "jwk": jwk}),
            "'typ' header in the DPoP proof JWT is invalid.",
        ),
        (
            json!({"alg": "ES256", "jwk": jwk}),
            "'typ' header in the DPoP proof JWT is invalid.",
        ),
        (
            json!({"typ": "dpop+jwt", "alg": "HS256", "jwk": jwk}),
            "'alg' header in the DPoP proof JWT is invalid.",
        ),
        (
            json!({"typ": "dpop+jwt", "alg": "none", "jwk": jwk}),
            "'alg' header in the DPoP proof JWT is invalid.",
        ),
        (
            json!({"typ": "dpop+jwt", "alg": "ES256"}),
            "'jwk' header in the DPoP proof JWT is invalid.",
        ),
        (
            json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private_jwk}),
            "'jwk' header in the DPoP proof JWT is invalid.",
        ),
        (
            json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": {"kty": "oct", "k": "AAAA"}}),
            "'jwk' header in the DPoP proof JWT is invalid.",
        ),
        (
            json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}),
            "The DPoP proof JWT signature is invalid.",
        ),
    ];
    for (header, description) in cases {
        expect_bad_proof(&org, &unsigned_jws(&header, &body), description).await;
    }
    for garbage in ["garbage", "a.b.c", "e30.e30.e30"] {
        let response = org
            .token_request(&org.dpop_app_key, DPOP_APP, USERS_READ, Some(garbage))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{garbage}");
    }
}

#[tokio::test]
async fn proof_signed_by_another_key_than_its_jwk_is_refused() {
    let org = TestOrg::start().await;
    let (shown, signer) = (ec_key("shown"), ec_key("signer"));
    let nonce = org.token_nonce(&shown).await;
    let header = oktactl_wire::JwsHeader {
        alg: String::new(),
        typ: Some("dpop+jwt".into()),
        kid: None,
        jwk: Some(shown.dpop_jwk()),
    };
    let proof = signer.sign(&header, &claims(&org, Some(&nonce))).unwrap();
    expect_bad_proof(&org, &proof, "The DPoP proof JWT signature is invalid.").await;
}

#[tokio::test]
async fn proof_with_the_client_assertion_key_is_refused() {
    let org = TestOrg::start().await;
    let nonce = org.token_nonce(&ec_key("dpop")).await;
    let proof = sign_proof(&org.dpop_app_key, &claims(&org, Some(&nonce)));
    expect_bad_proof(
        &org,
        &proof,
        "The DPoP proof JWT must not be signed with the client authentication key.",
    )
    .await;
}

/// Reference §3: an app that does not require DPoP ignores the proof and issues Bearer.
#[tokio::test]
async fn bearer_app_ignores_a_proof() {
    let org = TestOrg::start().await;
    let proof = org.proof(&ec_key("dpop"), "POST", TOKEN, None, None);
    let response = org
        .token_request(&org.bearer_app_key, BEARER_APP, USERS_READ, Some(&proof))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: TokenResponse = timed(response.json()).await.unwrap();
    assert_eq!(token.token_type, "Bearer");
    assert!(claims_of(&token.access_token).get("cnf").is_none());
}

#[tokio::test]
async fn rsa_dpop_key_is_accepted() {
    let org = TestOrg::start().await;
    let token = org.dpop_token(&rsa_key(), USERS_READ).await;
    assert_eq!(token.token_type, "DPoP");
    assert_eq!(
        claims_of(&token.access_token)["cnf"]["jkt"],
        rsa_key().thumbprint().as_str()
    );
}
