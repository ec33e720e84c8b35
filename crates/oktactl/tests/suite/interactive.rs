//! Interactive sign-in without a browser: the test plays the browser over real HTTP (sandbox
//! sign-in form, redirect to the CLI's loopback listener), plus the attacks the listener and the
//! sandbox must refuse: forged `state`, replayed code, wrong verifier, expired code, redirect
//! mismatch, a flood of bogus callbacks.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::Duration;

use oktactl_sandbox::{DEMO_PASSWORD, NATIVE_CLIENT_ID};

use crate::suite::harness::TestEnv;
use crate::suite::interactive_support::{
    browser, deliver, free_port, spawn_connect, spawn_connect_with_env, submit_sign_in,
    with_redirect,
};

async fn env_with_port() -> (TestEnv, String) {
    let port = free_port();
    let redirect = format!("http://localhost:{port}/login/callback");
    let env = TestEnv::start_with(with_redirect(&redirect)).await;
    (env, redirect)
}

#[tokio::test]
async fn browser_sign_in_stores_a_token_that_reads_users_and_refreshes() {
    let port = free_port();
    let redirect = format!("http://localhost:{port}/login/callback");
    let adjust = with_redirect(&redirect);
    // 30 s tokens: `oktactl token` renews anything expiring within 60 s, so it refreshes.
    let env = TestEnv::start_with(move |config| {
        adjust(config);
        for app in &mut config.apps {
            if app.client_id == NATIVE_CLIENT_ID {
                app.access_token_lifetime_seconds = Some(30);
            }
        }
    })
    .await;
    let mut pending = spawn_connect(
        &env,
        &[
            "--redirect-uri",
            &redirect,
            "--scopes",
            "okta.users.read,offline_access,openid",
        ],
    );
    let url = pending.authorize_url().await;
    assert!(url.starts_with(&format!("{}/oauth2/v1/authorize?", env.base_url)));
    let location = submit_sign_in(&url, "alice@example.com", DEMO_PASSWORD, "signin").await;
    assert!(location.starts_with(&redirect), "{location}");
    let (status, page) = deliver(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Signed in"), "{page}");
    let run = pending.finish().await;
    run.assert_ok();
    assert!(
        run.stderr.contains("as alice@example.com"),
        "id token user shown: {}",
        run.stderr
    );
    assert!(!run.stderr.contains(location.split("code=").nth(1).unwrap()));

    let status = env.run(&["status", "--json"]).await;
    status.assert_ok();
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["flow"], "authorization_code", "{json}");

    // The stored token reads users through the library.
    let store =
        oktactl_auth::TokenStore::open(env.config_dir.path(), oktactl_auth::StoreMode::File)
            .unwrap();
    let session = oktactl_auth::Session::load(&store, "default").unwrap();
    assert!(session.has_refresh_token());
    let http = oktactl_auth::HttpClient::new(Duration::from_secs(10)).unwrap();
    // The 30 s token is renewed first (a refresh), and the rotated refresh token is saved.
    let okta = oktactl_api::OktaClient::new(http, session).with_store(store);
    let user = okta.user("bob@example.com").await.unwrap();
    assert_eq!(user.profile.login, "bob@example.com");

    // `token` refreshes silently (the token expires within 60 s), rotating the refresh token.
    let issued = env.controls.tokens_issued();
    let first = env.run(&["token"]).await;
    first.assert_ok();
    assert_eq!(env.controls.tokens_issued(), issued + 1, "one refresh");
    let second = env.run(&["token"]).await;
    second.assert_ok();
    assert_ne!(first.stdout, second.stdout);
    assert_eq!(
        env.controls.tokens_issued(),
        issued + 2,
        "rotated token works"
    );

    // A refused refresh says to connect again, exit 4.
    env.controls.forget_refresh_tokens();
    env.run(&["token"])
        .await
        .assert_fails(4, "run `oktactl connect` again");
}

#[tokio::test]
async fn cancel_on_the_sign_in_page_exits_1_and_stores_nothing() {
    let (env, redirect) = env_with_port().await;
    let mut pending = spawn_connect(&env, &["--redirect-uri", &redirect]);
    let url = pending.authorize_url().await;
    let location = submit_sign_in(&url, "", "", "cancel").await;
    assert!(location.contains("error=access_denied"), "{location}");
    let (status, page) = deliver(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("access_denied"), "{page}");
    let run = pending.finish().await;
    run.assert_fails(1, "sign-in failed: access_denied");
    assert!(run.stderr.contains("nothing was stored"), "{}", run.stderr);
    env.run(&["status"]).await.assert_fails(4, "not connected");
}

#[tokio::test]
async fn forged_state_and_a_callback_flood_are_refused_while_the_real_sign_in_succeeds() {
    let (env, redirect) = env_with_port().await;
    let mut pending = spawn_connect(&env, &["--redirect-uri", &redirect]);
    let url = pending.authorize_url().await;
    let client = browser();
    // Forged state with a code: refused, the listener keeps waiting.
    let forged = client
        .get(format!("{redirect}?code=stolen&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("not for this sign-in")
    );
    // A forged error redirect does not end the sign-in either.
    let forged_error = client
        .get(format!("{redirect}?error=access_denied&state=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged_error.status(), 400);
    // 100 bogus requests: other paths, missing state, garbage.
    let base = redirect.trim_end_matches("/login/callback").to_string();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = client.clone();
        let target = match i % 4 {
            0 => format!("{base}/favicon.ico"),
            1 => format!("{redirect}?code=x{i}"),
            2 => format!("{redirect}?code=x{i}&state=s{i}"),
            _ => format!("{base}/other/{i}?state=x"),
        };
        tasks.push(tokio::spawn(async move {
            client.get(target).send().await.map(|r| r.status().as_u16())
        }));
    }
    for task in tasks {
        let status = tokio::time::timeout(Duration::from_secs(20), task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert!(status == 400 || status == 404, "{status}");
    }
    assert_eq!(env.controls.request_count("/oauth2/v1/token"), 0);
    // The real sign-in still works.
    let location = submit_sign_in(&url, "carol@example.com", DEMO_PASSWORD, "signin").await;
    let (status, page) = deliver(&location).await;
    assert_eq!(status, 200, "{page}");
    pending.finish().await.assert_ok();
    assert_eq!(
        env.controls.request_count("/oauth2/v1/token"),
        1,
        "one code exchange"
    );
}

#[tokio::test]
async fn sign_in_times_out_with_exit_4_and_stores_nothing() {
    let (env, redirect) = env_with_port().await;
    let mut pending = spawn_connect(&env, &["--redirect-uri", &redirect, "--login-timeout", "2"]);
    pending.authorize_url().await;
    let run = pending.finish().await;
    run.assert_fails(4, "error: sign-in timed out after 2 s; nothing was stored");
    env.run(&["status"]).await.assert_fails(4, "not connected");
}

#[tokio::test]
async fn busy_port_names_the_port_and_redirect_uri_flag() {
    let (env, redirect) = env_with_port().await;
    let port: u16 = redirect
        .trim_start_matches("http://localhost:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let _busy = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).unwrap();
    let mut pending = spawn_connect(&env, &["--redirect-uri", &redirect]);
    let run = {
        let _ = &mut pending;
        pending.finish().await
    };
    run.assert_fails(2, &format!("port {port}"));
    assert!(run.stderr.contains("--redirect-uri"), "{}", run.stderr);
}

#[tokio::test]
async fn non_loopback_redirect_uri_is_bad_input() {
    let env = TestEnv::start().await;
    let run = env
        .run(&[
            "connect",
            "--tenant",
            &env.base_url,
            "--client-id",
            NATIVE_CLIENT_ID,
            "--redirect-uri",
            "http://0.0.0.0:8080/login/callback",
        ])
        .await;
    run.assert_fails(2, "invalid redirect URI");
}

/// Gets a code from the sandbox directly (the test is the browser and the client).
async fn code_for(env: &TestEnv, redirect: &str, challenge: &str) -> String {
    let authorize = format!("{}/oauth2/v1/authorize", env.base_url);
    let form = [
        ("client_id", NATIVE_CLIENT_ID),
        ("redirect_uri", redirect),
        ("response_type", "code"),
        ("scope", "okta.users.read"),
        ("state", "st-1"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("username", "dave@example.com"),
        ("password", DEMO_PASSWORD),
        ("action", "signin"),
    ];
    let answer = browser().post(&authorize).form(&form).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

async fn exchange(
    env: &TestEnv,
    code: &str,
    redirect: &str,
    verifier: &str,
) -> (u16, serde_json::Value) {
    let answer = browser()
        .post(format!("{}/oauth2/v1/token", env.base_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", NATIVE_CLIENT_ID),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    (
        answer.status().as_u16(),
        answer.json().await.unwrap_or_default(),
    )
}

#[tokio::test]
async fn codes_are_single_use_bound_to_verifier_and_redirect_and_expire() {
    let (env, redirect) = env_with_port().await;
    let pkce = oktactl_auth::pkce::Pkce::new_s256();
    let verifier = pkce.verifier().secret().to_string();

    // Replayed code: the second exchange fails.
    let code = code_for(&env, &redirect, pkce.challenge()).await;
    let (status, body) = exchange(&env, &code, &redirect, &verifier).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = exchange(&env, &code, &redirect, &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Wrong verifier.
    let code = code_for(&env, &redirect, pkce.challenge()).await;
    let other = oktactl_auth::pkce::Pkce::new_s256();
    let (status, body) = exchange(&env, &code, &redirect, other.verifier().secret()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].as_str().unwrap().contains("PKCE"));

    // Redirect URI different from the authorization request's.
    let code = code_for(&env, &redirect, pkce.challenge()).await;
    let (status, body) = exchange(
        &env,
        &code,
        "http://localhost:8080/login/callback",
        &verifier,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("redirect_uri")
    );

    // Expired: the sandbox clock moves past the code's 300 s.
    let code = code_for(&env, &redirect, pkce.challenge()).await;
    env.controls.set_clock_skew(301);
    let (status, body) = exchange(&env, &code, &redirect, &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    env.controls.set_clock_skew(0);
}

#[tokio::test]
async fn authorize_refuses_unregistered_redirect_bad_state_and_plain_pkce() {
    let (env, redirect) = env_with_port().await;
    let pkce = oktactl_auth::pkce::Pkce::new_s256();
    let authorize = format!("{}/oauth2/v1/authorize", env.base_url);
    let get = |params: Vec<(&'static str, String)>| {
        let authorize = authorize.clone();
        async move {
            let answer = browser()
                .get(&authorize)
                .query(&params)
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let location = answer
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            (status, location, answer.text().await.unwrap())
        }
    };
    let base = |redirect: &str, state: &str, method: &str| {
        vec![
            ("client_id", NATIVE_CLIENT_ID.to_string()),
            ("redirect_uri", redirect.to_string()),
            ("response_type", "code".to_string()),
            ("scope", "okta.users.read".to_string()),
            ("state", state.to_string()),
            ("code_challenge", pkce.challenge().to_string()),
            ("code_challenge_method", method.to_string()),
        ]
    };
    let (status, _, html) = get(base(&redirect, "ok-1", "S256")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<form"), "{html}");
    // Another port is another redirect URI: refused with a page, no redirect.
    let (status, location, html) =
        get(base("http://localhost:1/login/callback", "ok-1", "S256")).await;
    assert_eq!((status, location), (400, None));
    assert!(html.contains("redirect_uri"));
    let (status, location, _) = get(base(&redirect, "bad state!", "S256")).await;
    assert_eq!((status, location), (400, None));
    let (status, location, _) = get(base(&redirect, "ok-1", "plain")).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("error=invalid_request"));
}

#[tokio::test]
async fn device_flow_approved_on_the_activation_page() {
    let env = TestEnv::start().await;
    env.controls.set_device_poll_interval(1);
    let mut pending = spawn_connect(
        &env,
        &["--device", "--scopes", "okta.users.read,offline_access"],
    );
    let line = pending.line_with("enter the code").await;
    let user_code = line.trim().rsplit(' ').next().unwrap().to_string();
    let complete = pending.line_with("/activate?user_code=").await;
    assert!(complete.contains(&user_code), "{complete}");
    let answer = browser()
        .post(format!("{}/activate", env.base_url))
        .form(&[
            ("user_code", user_code.as_str()),
            ("username", "erin@example.com"),
            ("password", DEMO_PASSWORD),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().contains("Device activated"));
    let run = pending.finish().await;
    run.assert_ok();
    let status = env.run(&["status", "--json"]).await;
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["flow"], "device_code", "{json}");
    // Disconnect revokes the access token and the refresh token.
    env.run(&["disconnect"]).await.assert_ok();
    assert_eq!(env.controls.revoked_tokens(), 1);
    env.run(&["status"]).await.assert_fails(4, "not connected");
}

#[tokio::test]
async fn device_flow_denied_exits_1() {
    let env = TestEnv::start().await;
    env.controls.set_device_poll_interval(1);
    let mut pending = spawn_connect(&env, &["--device", "--scopes", "okta.users.read"]);
    let line = pending.line_with("enter the code").await;
    let user_code = line.trim().rsplit(' ').next().unwrap().to_string();
    let answer = browser()
        .post(format!("{}/activate", env.base_url))
        .form(&[("user_code", user_code.as_str()), ("action", "deny")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    pending
        .finish()
        .await
        .assert_fails(1, "sign-in failed: access_denied");
}

#[tokio::test]
async fn dpop_sign_in_binds_token_and_refresh_to_the_stored_key() {
    let port = free_port();
    let redirect = format!("http://localhost:{port}/login/callback");
    let adjust = with_redirect(&redirect);
    let env = TestEnv::start_with(move |config| {
        adjust(config);
        for app in &mut config.apps {
            if app.client_id == NATIVE_CLIENT_ID {
                app.dpop_required = true;
                app.access_token_lifetime_seconds = Some(30);
            }
        }
    })
    .await;
    // Auto mode: the first exchange learns that the app needs DPoP and retries with a proof.
    let mut pending = spawn_connect(
        &env,
        &[
            "--redirect-uri",
            &redirect,
            "--scopes",
            "okta.users.read,offline_access",
        ],
    );
    let url = pending.authorize_url().await;
    let location = submit_sign_in(&url, "alice@example.com", DEMO_PASSWORD, "signin").await;
    deliver(&location).await;
    pending.finish().await.assert_ok();
    let status = env.run(&["status", "--json"]).await;
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["token_type"], "DPoP", "{json}");
    // The refresh carries a proof with the stored key (the sandbox checks the binding).
    let issued = env.controls.tokens_issued();
    env.run(&["token"]).await.assert_ok();
    assert_eq!(env.controls.tokens_issued(), issued + 1);
}

/// Writes a `$BROWSER` stub that records the URL it is asked to open.
fn browser_stub(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let record = dir.join("opened-url");
    let script = dir.join("browser-stub.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", record.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, record)
}

#[tokio::test]
async fn with_a_display_the_system_browser_opens_the_printed_url() {
    let (env, redirect) = env_with_port().await;
    let (script, record) = browser_stub(env.home.path());
    let script = script.display().to_string();
    let mut pending = spawn_connect_with_env(
        &env,
        &["--redirect-uri", &redirect],
        &[("DISPLAY", ":99"), ("BROWSER", &script)],
    );
    let url = pending.authorize_url().await;
    let mut opened = String::new();
    for _ in 0..100 {
        opened = std::fs::read_to_string(&record).unwrap_or_default();
        if !opened.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(opened, url, "the browser got the printed URL");
    let location = submit_sign_in(&opened, "alice@example.com", DEMO_PASSWORD, "signin").await;
    deliver(&location).await;
    pending.finish().await.assert_ok();
}

#[tokio::test]
async fn over_ssh_the_browser_is_not_opened_and_the_url_is_printed() {
    let (env, redirect) = env_with_port().await;
    let (script, record) = browser_stub(env.home.path());
    let script = script.display().to_string();
    let mut pending = spawn_connect_with_env(
        &env,
        &["--redirect-uri", &redirect, "--login-timeout", "1"],
        &[
            ("DISPLAY", ":99"),
            ("BROWSER", &script),
            ("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 22"),
        ],
    );
    pending.authorize_url().await;
    let run = pending.finish().await;
    run.assert_fails(4, "sign-in timed out after 1 s");
    assert!(
        run.stderr.contains("not opening a browser"),
        "{}",
        run.stderr
    );
    assert!(!record.exists(), "no browser was started");
}
