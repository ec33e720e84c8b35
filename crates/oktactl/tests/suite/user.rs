//! `oktactl user id|show` with every token type.

use serde_json::Value;

use super::api::{ALL_LOGINS, Login, connect};
use super::harness::TestEnv;

#[tokio::test]
async fn user_id_prints_only_the_id_with_every_token_type() {
    for login in ALL_LOGINS {
        let env = TestEnv::start().await;
        connect(&env, login).await;
        let expected = env
            .demo
            .config
            .users
            .iter()
            .find(|u| u.login == "carol@example.com")
            .unwrap()
            .id
            .clone();
        let run = env.run(&["user", "id", "carol@example.com"]).await;
        run.assert_ok();
        assert_eq!(run.stdout, format!("{expected}\n"), "{login:?}");
        assert!(run.stderr.is_empty(), "{}", run.stderr);
    }
}

#[tokio::test]
async fn user_show_prints_a_summary_or_json() {
    for login in ALL_LOGINS {
        let env = TestEnv::start().await;
        connect(&env, login).await;
        let run = env.run(&["user", "show", "dave@example.com"]).await;
        run.assert_ok();
        for needle in [
            "id:",
            "login:      dave@example.com",
            "status:     ACTIVE",
            "name:       Dave Davis",
            "email:",
            "created:    2024-01-01T00:00:00.000Z",
            "last login: never",
        ] {
            assert!(
                run.stdout.contains(needle),
                "{login:?}: {needle} in {}",
                run.stdout
            );
        }
        let id = env.run(&["user", "id", "dave@example.com"]).await.stdout;
        let by_id = env.run(&["user", "show", "--json", id.trim()]).await;
        by_id.assert_ok();
        let user: Value = serde_json::from_str(&by_id.stdout).unwrap();
        assert_eq!(user["profile"]["login"], "dave@example.com");
        assert_eq!(user["id"], id.trim());
    }
}

#[tokio::test]
async fn unknown_user_exits_1_with_e0000007() {
    let env = TestEnv::start().await;
    connect(&env, Login::Bearer).await;
    let run = env.run(&["user", "id", "nobody@example.com"]).await;
    run.assert_fails(1, "error: E0000007: ");
    assert!(run.stdout.is_empty());
    let run = env.run(&["user", "show", "nobody@example.com"]).await;
    run.assert_fails(1, "error: E0000007: ");
}

#[tokio::test]
async fn user_without_a_connection_exits_4() {
    let env = TestEnv::start().await;
    let run = env.run(&["user", "id", "alice@example.com"]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
}
