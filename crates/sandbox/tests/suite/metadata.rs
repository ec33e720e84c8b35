//! Discovery documents and the signing keys.

use oktactl_jose::VerifyingKey;
use oktactl_wire::{AccessTokenClaims, AuthorizationServerMetadata, JwkSet};
use reqwest::StatusCode;

use super::util::*;

#[tokio::test]
async fn metadata_names_the_endpoints_and_algorithms() {
    let org = TestOrg::start().await;
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let response = org.get(path, &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let metadata: AuthorizationServerMetadata = timed(response.json()).await.unwrap();
        assert_eq!(metadata.issuer, org.sandbox.base_url());
        assert_eq!(metadata.token_endpoint, org.url("/oauth2/v1/token"));
        assert_eq!(metadata.jwks_uri, org.url("/oauth2/v1/keys"));
        assert_eq!(
            metadata.revocation_endpoint,
            Some(org.url("/oauth2/v1/revoke"))
        );
        assert_eq!(
            metadata.introspection_endpoint,
            Some(org.url("/oauth2/v1/introspect"))
        );
        assert!(
            metadata
                .token_endpoint_auth_methods_supported
                .contains(&"private_key_jwt".into())
        );
        for alg in ["RS256", "ES256", "ES512"] {
            assert!(
                metadata
                    .dpop_signing_alg_values_supported
                    .contains(&alg.into()),
                "{alg}"
            );
            assert!(
                metadata
                    .token_endpoint_auth_signing_alg_values_supported
                    .contains(&alg.into()),
                "{alg}"
            );
        }
        assert!(metadata.scopes_supported.contains(&"sandbox.custom".into()));
    }
}

#[tokio::test]
async fn published_key_verifies_issued_tokens() {
    let org = TestOrg::start().await;
    let token = org
        .bearer_token(&org.bearer_app_key, BEARER_APP, USERS_READ)
        .await;
    let keys: JwkSet = timed(org.get("/oauth2/v1/keys", &[]).await.json())
        .await
        .unwrap();
    assert_eq!(keys.keys.len(), 1);
    let jwk = &keys.keys[0];
    assert_eq!(jwk.kty, "RSA");
    assert!(jwk.kid.is_some());
    let (header, claims) = VerifyingKey::from_jwk(jwk)
        .unwrap()
        .verify::<AccessTokenClaims>(&token)
        .unwrap();
    assert_eq!(header.kid, jwk.kid);
    assert_eq!(header.alg, "RS256");
    assert_eq!(claims.cid, BEARER_APP);
}

#[test]
fn base_url_has_no_trailing_slash_and_names_the_loopback() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sandbox = timed(oktactl_sandbox::Sandbox::start(
            oktactl_sandbox::SandboxConfig::default(),
            "0.0.0.0:0".parse().unwrap(),
        ))
        .await
        .unwrap();
        let port = sandbox.local_addr().port();
        assert_eq!(sandbox.base_url(), format!("http://127.0.0.1:{port}"));
        timed(sandbox.shutdown()).await;
    });
}
