//! No secret in any output — not at `RUST_LOG=trace`, not in errors — except `token`'s stdout.

use super::harness::{DPOP_APP, SECRET_APP, TestEnv};

#[tokio::test]
async fn trace_logs_never_show_key_token_or_secret() {
    let env = TestEnv::start().await;
    let trace = [("RUST_LOG", "trace")];
    let jwk_text = std::fs::read_to_string(env.key_file(DPOP_APP)).unwrap();
    let jwk: serde_json::Value = serde_json::from_str(&jwk_text).unwrap();
    let private_members: Vec<String> = ["d", "p", "q", "dp", "dq", "qi"]
        .iter()
        .map(|m| jwk[*m].as_str().unwrap().to_string())
        .collect();
    let jwk_arg = format!("@{}", env.key_file(DPOP_APP).display());

    let mut outputs = Vec::new();
    let connect = env
        .run_full(
            &[
                "connect",
                "--tenant",
                &env.base_url,
                "--client-id",
                DPOP_APP,
                "--jwk",
                &jwk_arg,
            ],
            None,
            &trace,
        )
        .await;
    connect.assert_ok();
    assert!(
        connect.stderr.contains("TRACE") || connect.stderr.contains("DEBUG"),
        "trace logging is on"
    );
    outputs.push(connect.stdout + &connect.stderr);
    let token = env.run_full(&["token"], None, &trace).await;
    token.assert_ok();
    let access_token = token.stdout.trim().to_string();
    outputs.push(token.stderr);
    let status = env.run_full(&["status", "--json"], None, &trace).await;
    outputs.push(status.stdout + &status.stderr);
    let disconnect = env.run_full(&["disconnect"], None, &trace).await;
    disconnect.assert_ok();
    outputs.push(disconnect.stdout + &disconnect.stderr);

    let secret = std::fs::read_to_string(env.secret_file(SECRET_APP))
        .unwrap()
        .trim()
        .to_string();
    let secret_arg = format!("@{}", env.secret_file(SECRET_APP).display());
    let with_secret = env
        .run_full(
            &[
                "connect",
                "--tenant",
                &env.base_url,
                "--client-id",
                SECRET_APP,
                "--client-secret",
                &secret_arg,
                "--scopes",
                "sandbox.custom",
            ],
            None,
            &trace,
        )
        .await;
    with_secret.assert_ok();
    outputs.push(with_secret.stdout + &with_secret.stderr);
    let refused = env
        .run_full(
            &[
                "connect",
                "--tenant",
                &env.base_url,
                "--client-id",
                SECRET_APP,
                "--client-secret",
                "wrong-secret-value",
                "--scopes",
                "sandbox.custom",
            ],
            None,
            &trace,
        )
        .await;
    assert_eq!(refused.code, 1);
    outputs.push(refused.stdout + &refused.stderr);

    for output in &outputs {
        assert!(!output.contains(&access_token), "access token leaked");
        assert!(!output.contains(&secret), "client secret leaked");
        assert!(
            !output.contains("wrong-secret-value"),
            "client secret leaked"
        );
        for member in &private_members {
            assert!(
                !output.contains(member.as_str()),
                "private key member leaked"
            );
        }
    }
}
