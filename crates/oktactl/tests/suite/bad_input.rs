//! Every bad input gets one line saying why, and its exit code: 2 for input, 3 for network.

use std::path::PathBuf;

use super::harness::{DPOP_APP, EC_APP, TestEnv};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn jwk_without(env: &TestEnv, client_id: &str, members: &[&str]) -> String {
    let mut jwk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.key_file(client_id)).unwrap()).unwrap();
    for member in members {
        jwk.as_object_mut().unwrap().remove(*member);
    }
    jwk.to_string()
}

async fn connect_with_jwk(env: &TestEnv, client_id: &str, jwk: &str) -> super::harness::Run {
    env.run(&[
        "connect",
        "--tenant",
        &env.base_url,
        "--client-id",
        client_id,
        "--jwk",
        jwk,
    ])
    .await
}

#[tokio::test]
async fn malformed_jwks_exit_2_with_one_line_reason() {
    let env = TestEnv::start().await;
    let public_only = jwk_without(&env, DPOP_APP, &["d", "p", "q", "dp", "dq", "qi"]);
    let cases: Vec<(String, &str)> = vec![
        (
            "not-json".into(),
            "--jwk: the JSON Web Key is not valid JSON",
        ),
        (public_only, "public only"),
        (
            r#"{"kty":"oct","k":"c2VjcmV0"}"#.into(),
            "unsupported key type `kty: oct`",
        ),
        (
            r#"{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA","d":"AA"}"#.into(),
            "unsupported curve `crv: secp256k1`",
        ),
        (
            format!("@{}", fixture("rsa-1024.jwk.json").display()),
            "the RSA key has 1024 bits",
        ),
        (
            "@/nonexistent/key.json".into(),
            "--jwk: cannot read /nonexistent/key.json",
        ),
    ];
    for (jwk, needle) in cases {
        connect_with_jwk(&env, DPOP_APP, &jwk)
            .await
            .assert_fails(2, needle);
    }
    assert_eq!(
        env.controls.request_count("/oauth2/v1/token"),
        0,
        "bad input never reaches the server"
    );
}

#[tokio::test]
async fn rsa_jwk_without_crt_members_still_works() {
    let env = TestEnv::start().await;
    let jwk = jwk_without(&env, DPOP_APP, &["p", "q", "dp", "dq", "qi"]);
    connect_with_jwk(&env, DPOP_APP, &jwk).await.assert_ok();
}

#[tokio::test]
async fn unusable_pem_files_exit_2() {
    let env = TestEnv::start().await;
    for (file, needle) in [
        ("certificate.pem", "holds a certificate, not a private key"),
        ("encrypted.pem", "is encrypted"),
        ("rsa-1024.pem", "1024 bits"),
    ] {
        let path = fixture(file);
        env.run(&[
            "connect",
            "--tenant",
            &env.base_url,
            "--client-id",
            EC_APP,
            "--private-key",
            path.to_str().unwrap(),
        ])
        .await
        .assert_fails(2, needle);
    }
}

#[tokio::test]
async fn bad_tenant_client_id_and_scopes_exit_2() {
    let env = TestEnv::start().await;
    let jwk = format!("@{}", env.key_file(EC_APP).display());
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "--tenant",
                "example.com",
                "--client-id",
                "0oakmj8hvxvtvCy3P5d7",
            ],
            "invalid tenant 'example.com'",
        ),
        (
            &[
                "--tenant",
                "http://example.okta.com",
                "--client-id",
                "0oakmj8hvxvtvCy3P5d7",
            ],
            "only for loopback",
        ),
        (
            &["--tenant", "example.okta.com", "--client-id", "abc"],
            "invalid client id 'abc'",
        ),
        (
            &[
                "--tenant",
                &env.base_url,
                "--client-id",
                EC_APP,
                "--scopes",
                ",",
            ],
            "no scopes given",
        ),
        (&["--client-id", EC_APP], "no tenant"),
        (&["--tenant", &env.base_url], "no client id"),
    ];
    for (args, needle) in cases {
        let mut all = vec!["connect", "--jwk", &jwk];
        all.extend_from_slice(args);
        env.run(&all).await.assert_fails(2, needle);
    }
    // Without a credential connect signs a person in, which needs the app's client id.
    env.run(&["connect", "--tenant", &env.base_url])
        .await
        .assert_fails(2, "no credential and no client id");
    let two = env
        .run(&[
            "connect",
            "--tenant",
            &env.base_url,
            "--client-id",
            EC_APP,
            "--jwk",
            &jwk,
            "--client-secret",
            "x",
        ])
        .await;
    assert_eq!(two.code, 2, "{}", two.stderr);
    assert!(two.stderr.contains("cannot be used with"), "{}", two.stderr);
}

#[tokio::test]
async fn unreachable_tenant_exits_3_naming_the_url() {
    let env = TestEnv::start().await;
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tenant = format!("http://127.0.0.1:{port}");
    let jwk = format!("@{}", env.key_file(EC_APP).display());
    env.run(&[
        "connect",
        "--tenant",
        &tenant,
        "--client-id",
        EC_APP,
        "--jwk",
        &jwk,
    ])
    .await
    .assert_fails(3, &format!("cannot reach {tenant}/oauth2/v1/token"));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_exit_3() {
    let env = TestEnv::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tenant = format!("http://{}", listener.local_addr().unwrap());
    // Accept connections and hold them open without answering.
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..8 {
            if let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        }
    });
    let jwk = format!("@{}", env.key_file(EC_APP).display());
    env.run(&[
        "connect",
        "--tenant",
        &tenant,
        "--client-id",
        EC_APP,
        "--jwk",
        &jwk,
        "--timeout",
        "1",
    ])
    .await
    .assert_fails(
        3,
        &format!("timed out after 1 s waiting for {tenant}/oauth2/v1/token"),
    );
    holder.abort();
}
