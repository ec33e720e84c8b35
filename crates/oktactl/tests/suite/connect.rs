//! `connect` with every credential kind, DPoP detection and forcing.

use super::harness::{DPOP_APP, EC_APP, SECRET_APP, TestEnv, jwt_claims};

const TOKEN_PATH: &str = "/oauth2/v1/token";

async fn status_json(env: &TestEnv) -> serde_json::Value {
    let run = env.run(&["status", "--json"]).await;
    run.assert_ok();
    serde_json::from_str(&run.stdout).unwrap()
}

#[tokio::test]
async fn rsa_jwk_on_a_dpop_app_detects_dpop_and_answers_the_nonce() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--scopes", "okta.users.read,okta.users.manage"])
        .await
        .assert_ok();
    // Without a proof → invalid_dpop_proof; proof without nonce → use_dpop_nonce; then success.
    assert_eq!(env.controls.request_count(TOKEN_PATH), 3);
    let status = status_json(&env).await;
    assert_eq!(status["token_type"], "DPoP");
    assert_eq!(status["client_id"], DPOP_APP);
    assert_eq!(
        status["scopes"],
        serde_json::json!(["okta.users.read", "okta.users.manage"])
    );
    let token = env.run(&["token"]).await;
    token.assert_ok();
    let claims = jwt_claims(token.stdout.trim());
    assert!(
        claims["cnf"]["jkt"].is_string(),
        "DPoP-bound token: {claims}"
    );
}

#[tokio::test]
async fn remembered_dpop_sends_a_proof_first_on_remint() {
    let env = TestEnv::start_with(|config| {
        for app in &mut config.apps {
            app.access_token_lifetime_seconds = Some(30);
        }
    })
    .await;
    env.connect_jwk(DPOP_APP, &[]).await.assert_ok();
    let before = env.controls.request_count(TOKEN_PATH);
    env.run(&["token"]).await.assert_ok();
    // The profile remembers DPoP and the nonce dance needs one retry at most.
    let used = env.controls.request_count(TOKEN_PATH) - before;
    assert!(
        (1..=2).contains(&used),
        "re-mint used {used} token requests"
    );
}

#[tokio::test]
async fn ec_jwk_on_a_bearer_app_gets_a_bearer_token_in_one_request() {
    let env = TestEnv::start().await;
    env.connect_jwk(EC_APP, &["--scopes", "okta.users.read"])
        .await
        .assert_ok();
    assert_eq!(env.controls.request_count(TOKEN_PATH), 1);
    assert_eq!(status_json(&env).await["token_type"], "Bearer");
}

#[tokio::test]
async fn forced_dpop_on_a_bearer_app_still_works() {
    let env = TestEnv::start().await;
    env.connect_jwk(EC_APP, &["--dpop"]).await.assert_ok();
    assert_eq!(status_json(&env).await["token_type"], "Bearer");
}

#[tokio::test]
async fn no_dpop_on_a_dpop_app_is_refused_with_a_hint() {
    let env = TestEnv::start().await;
    let run = env.connect_jwk(DPOP_APP, &["--no-dpop"]).await;
    run.assert_fails(
        1,
        "error: invalid_dpop_proof: The DPoP proof JWT header is missing.",
    );
    assert!(
        run.stderr.contains("drop --no-dpop") || run.stderr.contains("without --no-dpop"),
        "{}",
        run.stderr
    );
    env.run(&["status"]).await.assert_fails(4, "not connected");
}

#[tokio::test]
async fn pem_private_key_connects() {
    let env = TestEnv::start().await;
    let pem = env.pem_file(EC_APP);
    env.run(&[
        "connect",
        "--tenant",
        &env.base_url,
        "--client-id",
        EC_APP,
        "--private-key",
        pem.to_str().unwrap(),
    ])
    .await
    .assert_ok();
    assert_eq!(
        status_json(&env).await["flow"],
        "client_credentials_private_key"
    );
}

#[tokio::test]
async fn jwk_from_stdin_connects() {
    let env = TestEnv::start().await;
    let jwk = std::fs::read_to_string(env.key_file(DPOP_APP)).unwrap();
    env.run_stdin(
        &[
            "connect",
            "--tenant",
            &env.base_url,
            "--client-id",
            DPOP_APP,
            "--json-web-key",
            "-",
        ],
        &jwk,
    )
    .await
    .assert_ok();
    assert_eq!(status_json(&env).await["token_type"], "DPoP");
}

#[tokio::test]
async fn client_secret_is_refused_for_okta_scopes_and_accepted_otherwise() {
    let env = TestEnv::start().await;
    let secret = format!("@{}", env.secret_file(SECRET_APP).display());
    let refused = env
        .run(&[
            "connect",
            "--tenant",
            &env.base_url,
            "--client-id",
            SECRET_APP,
            "--client-secret",
            &secret,
            "--scopes",
            "okta.users.read",
        ])
        .await;
    refused.assert_fails(1, "must use the private_key_jwt token_endpoint_auth_method");
    assert!(
        refused
            .stderr
            .contains("warning: Okta refuses client secrets"),
        "{}",
        refused.stderr
    );
    env.run(&[
        "connect",
        "--tenant",
        &env.base_url,
        "--client-id",
        SECRET_APP,
        "--client-secret",
        &secret,
        "--scopes",
        "sandbox.custom",
    ])
    .await
    .assert_ok();
    assert_eq!(status_json(&env).await["flow"], "client_credentials_secret");
}

#[tokio::test]
async fn api_token_is_checked_then_stored() {
    let env = TestEnv::start().await;
    let token_file = format!("@{}", env.demo.api_token_file.display());
    env.run(&[
        "connect",
        "--tenant",
        &env.base_url,
        "--api-token",
        &token_file,
    ])
    .await
    .assert_ok();
    let status = status_json(&env).await;
    assert_eq!(status["token_type"], "SSWS");
    let printed = env.run(&["token"]).await;
    printed.assert_ok();
    assert_eq!(
        printed.stdout.trim(),
        std::fs::read_to_string(&env.demo.api_token_file)
            .unwrap()
            .trim()
    );

    let wrong = env
        .run(&[
            "connect",
            "--tenant",
            &env.base_url,
            "--api-token",
            "00notarealtoken",
        ])
        .await;
    wrong.assert_fails(1, "E0000011");
}

#[tokio::test]
async fn sdk_environment_variables_are_a_fallback() {
    let env = TestEnv::start().await;
    let key = env.key_file(EC_APP);
    let vars = [
        ("OKTA_CLIENT_ORGURL", env.base_url.as_str()),
        ("OKTA_CLIENT_CLIENTID", EC_APP),
        ("OKTA_CLIENT_SCOPES", "okta.users.read"),
        ("OKTA_CLIENT_PRIVATEKEY", key.to_str().unwrap()),
    ];
    env.run_full(&["connect"], None, &vars).await.assert_ok();
    let status = status_json(&env).await;
    assert_eq!(status["client_id"], EC_APP);
    assert_eq!(status["scopes"], serde_json::json!(["okta.users.read"]));
}

#[tokio::test]
async fn okta_yaml_is_a_fallback() {
    let env = TestEnv::start().await;
    let okta_dir = env.home.path().join(".okta");
    std::fs::create_dir_all(&okta_dir).unwrap();
    let yaml = format!(
        "okta:\n  client:\n    orgUrl: {}\n    authorizationMode: PrivateKey\n    clientId: {EC_APP}\n    scopes:\n      - okta.users.read\n    privateKey: {}\n",
        env.base_url,
        env.pem_file(EC_APP).display()
    );
    std::fs::write(okta_dir.join("okta.yaml"), yaml).unwrap();
    env.run(&["connect"]).await.assert_ok();
    assert_eq!(status_json(&env).await["client_id"], EC_APP);
}

#[tokio::test]
async fn profiles_are_kept_apart() {
    let env = TestEnv::start().await;
    env.connect_jwk(DPOP_APP, &["--profile", "dpop"])
        .await
        .assert_ok();
    env.connect_jwk(EC_APP, &["--profile", "ec"])
        .await
        .assert_ok();
    let dpop = env.run(&["status", "--json", "--profile", "dpop"]).await;
    let ec = env.run(&["status", "--json", "--profile", "ec"]).await;
    assert!(dpop.stdout.contains(DPOP_APP) && ec.stdout.contains(EC_APP));
    env.run(&["status"])
        .await
        .assert_fails(4, "not connected (profile 'default')");
}
