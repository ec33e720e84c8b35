//! `write_demo`: files, permissions, and that each demo credential works.

use std::os::unix::fs::PermissionsExt;

use oktactl_jose::SigningKey;
use oktactl_sandbox::{
    BEARER_EC_CLIENT_ID, DPOP_RSA_CLIENT_ID, SECRET_CLIENT_ID, Sandbox, SandboxConfig, write_demo,
};
use oktactl_wire::{TokenResponse, User};
use reqwest::StatusCode;

use super::util::*;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn demo_files_are_private_and_every_credential_works() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("demo");
    let demo = write_demo(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    let mut files = vec![demo.api_token_file.clone(), demo.config_file.clone()];
    for client in &demo.clients {
        files.extend(
            client
                .key_file
                .iter()
                .chain(&client.pem_file)
                .chain(&client.secret_file)
                .cloned(),
        );
    }
    assert_eq!(files.len(), 7, "{files:?}");
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    assert_eq!(demo.config_file, dir.join("sandbox.json"));
    assert_eq!(
        SandboxConfig::from_json_file(&demo.config_file).unwrap(),
        demo.config
    );

    let api_token = std::fs::read_to_string(&demo.api_token_file).unwrap();
    assert_eq!(api_token.len(), 42);
    assert!(api_token.starts_with("00"));
    let ids: Vec<&str> = demo.clients.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            DPOP_RSA_CLIENT_ID,
            BEARER_EC_CLIENT_ID,
            SECRET_CLIENT_ID,
            oktactl_sandbox::NATIVE_CLIENT_ID
        ]
    );
    assert_eq!(demo.config.users.len(), 5);
    assert!(
        demo.config
            .users
            .iter()
            .all(|u| u.id.len() == 20 && u.id.starts_with("00u"))
    );

    let sandbox = timed(Sandbox::start(
        demo.config.clone(),
        "127.0.0.1:0".parse().unwrap(),
    ))
    .await
    .unwrap();
    let base = sandbox.base_url();
    let http = http_client();
    let token_url = format!("{base}/oauth2/v1/token");

    // The EC app, with its PEM key: Bearer.
    let ec = SigningKey::from_pem(
        &std::fs::read_to_string(dir.join(format!("{BEARER_EC_CLIENT_ID}.pem"))).unwrap(),
    )
    .unwrap();
    let assertion = sign_assertion(
        &ec,
        &assertion_claims(BEARER_EC_CLIENT_ID, &token_url, now(), now() + 60),
    );
    let response = timed(
        http.post(&token_url)
            .form(&assertion_form(&assertion, "okta.users.read"))
            .send(),
    )
    .await
    .unwrap();
    let token: TokenResponse = timed(response.json()).await.unwrap();
    assert_eq!(token.token_type, "Bearer");

    // The RSA app, with its JWK: DPoP (nonce required).
    let rsa = SigningKey::from_jwk_json(
        &std::fs::read_to_string(dir.join(format!("{DPOP_RSA_CLIENT_ID}.jwk.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(rsa.kid(), Some("sandbox-dpop-rsa"));
    let dpop_key = ec_key("dpop");
    let mut nonce = None;
    let mut issued = None;
    for _ in 0..2 {
        let assertion = sign_assertion(
            &rsa,
            &assertion_claims(DPOP_RSA_CLIENT_ID, &token_url, now(), now() + 60),
        );
        let proof = sign_proof(
            &dpop_key,
            &oktactl_wire::DpopProofClaims {
                jti: oktactl_jose::random_base64url(16),
                htm: "POST".into(),
                htu: token_url.clone(),
                iat: now(),
                nonce: nonce.clone(),
                ath: None,
            },
        );
        let request = http
            .post(&token_url)
            .header("DPoP", proof)
            .form(&assertion_form(&assertion, "okta.users.read"));
        let response = timed(request.send()).await.unwrap();
        if response.status() == StatusCode::BAD_REQUEST {
            nonce = response
                .headers()
                .get("dpop-nonce")
                .map(|v| v.to_str().unwrap().to_owned());
            continue;
        }
        issued = Some(timed(response.json::<TokenResponse>()).await.unwrap());
        break;
    }
    assert_eq!(
        issued
            .expect("a DPoP token after the nonce retry")
            .token_type,
        "DPoP"
    );

    // The secret app: only its custom scope.
    let secret = std::fs::read_to_string(dir.join(format!("{SECRET_CLIENT_ID}.secret"))).unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "sandbox.custom"),
        ("client_id", SECRET_CLIENT_ID),
        ("client_secret", secret.as_str()),
    ];
    let response = timed(http.post(&token_url).form(&form).send())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // The API token.
    let response = timed(
        http.get(format!("{base}/api/v1/users/alice@example.com"))
            .header("Authorization", format!("SSWS {api_token}"))
            .send(),
    )
    .await
    .unwrap();
    let user: User = timed(response.json()).await.unwrap();
    assert_eq!(user.profile.login, "alice@example.com");
    timed(sandbox.shutdown()).await;
}

#[test]
fn demo_rewrite_keeps_files_private() {
    let temp = tempfile::tempdir().unwrap();
    let token_file = temp.path().join("api-token");
    std::fs::write(&token_file, "old").unwrap();
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    write_demo(temp.path()).unwrap();
    assert_eq!(mode(&token_file), 0o600);
    assert_ne!(std::fs::read_to_string(&token_file).unwrap(), "old");
}
