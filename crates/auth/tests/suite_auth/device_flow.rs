//! RFC 8628 polling against the sandbox with a virtual clock: the `sleep` given to
//! `device::poll` moves the sandbox clock instead of waiting, so these tests take milliseconds.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oktactl_auth::flows::device;
use oktactl_auth::{AuthError, ClientId, DpopMode, HttpClient, Scopes, Tenant};
use oktactl_sandbox::{Controls, DEMO_PASSWORD, NATIVE_CLIENT_ID, Sandbox, write_demo};

struct Setup {
    sandbox: Sandbox,
    tenant: Tenant,
    client_id: ClientId,
    http: HttpClient,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let dir = tempfile::TempDir::new().unwrap();
    let demo = write_demo(dir.path()).unwrap();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let sandbox = Sandbox::start(demo.config, addr).await.unwrap();
    let tenant = Tenant::parse(&sandbox.base_url()).unwrap();
    let client_id = ClientId::parse(NATIVE_CLIENT_ID, &tenant).unwrap();
    Setup {
        sandbox,
        tenant,
        client_id,
        http: HttpClient::new(Duration::from_secs(10)).unwrap(),
        _dir: dir,
    }
}

async fn approve(base_url: &str, user_code: &str, action: &str) {
    let answer = reqwest::Client::new()
        .post(format!("{base_url}/activate"))
        .form(&[
            ("user_code", user_code),
            ("username", "alice@example.com"),
            ("password", DEMO_PASSWORD),
            ("action", action),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

/// A sleep that records what was asked and moves the sandbox clock by `advance(call, asked)`.
fn virtual_sleep(
    controls: Controls,
    log: Arc<Mutex<Vec<u64>>>,
    advance: impl Fn(usize, u64) -> i64,
) -> impl FnMut(Duration) -> std::future::Ready<()> {
    let mut skew = 0i64;
    move |asked: Duration| {
        let mut log = log.lock().unwrap();
        let call = log.len();
        log.push(asked.as_secs());
        skew += advance(call, asked.as_secs());
        controls.set_clock_skew(skew);
        std::future::ready(())
    }
}

#[tokio::test]
async fn slow_down_grows_the_interval_and_pending_keeps_it() {
    let s = setup().await;
    s.sandbox.controls().set_device_poll_interval(2);
    let scopes = Scopes::parse(&["okta.users.read"]).unwrap();
    let authorization = device::start(&s.http, &s.tenant, &s.client_id, &scopes)
        .await
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let controls = s.sandbox.controls();
    let base = s.sandbox.base_url();
    let user_code = authorization.user_code.clone();
    let approved = Arc::new(Mutex::new(false));
    let mut skew = 0i64;
    let log_in = log.clone();
    // Calls: 0 → 2 s (pending), 1 → only 1 s (slow_down), 2 → 7 s asked (pending),
    // 3 → 7 s, approve first (token).
    let sleep = move |asked: Duration| {
        let call = {
            let mut log = log_in.lock().unwrap();
            log.push(asked.as_secs());
            log.len() - 1
        };
        skew += if call == 1 { 1 } else { asked.as_secs() as i64 };
        controls.set_clock_skew(skew);
        let base = base.clone();
        let user_code = user_code.clone();
        let approved = approved.clone();
        async move {
            if call == 3 && !*approved.lock().unwrap() {
                approve(&base, &user_code, "approve").await;
                *approved.lock().unwrap() = true;
            }
        }
    };
    let grant = tokio::time::timeout(
        Duration::from_secs(20),
        device::poll(
            &s.http,
            &s.tenant,
            &s.client_id,
            &authorization,
            DpopMode::Auto,
            sleep,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(!grant.response.access_token.is_empty());
    assert_eq!(*log.lock().unwrap(), vec![2, 2, 7, 7]);
}

#[tokio::test]
async fn denied_and_expired_codes_stop_polling() {
    let s = setup().await;
    s.sandbox.controls().set_device_poll_interval(1);
    let scopes = Scopes::parse(&["okta.users.read"]).unwrap();
    let denied = device::start(&s.http, &s.tenant, &s.client_id, &scopes)
        .await
        .unwrap();
    approve(&s.sandbox.base_url(), &denied.user_code, "deny").await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let result = device::poll(
        &s.http,
        &s.tenant,
        &s.client_id,
        &denied,
        DpopMode::Auto,
        virtual_sleep(s.sandbox.controls(), log.clone(), |_, asked| asked as i64),
    )
    .await;
    assert!(
        matches!(result, Err(AuthError::AuthorizationDenied { ref error, .. }) if error == "access_denied"),
        "{result:?}"
    );

    let expired = device::start(&s.http, &s.tenant, &s.client_id, &scopes)
        .await
        .unwrap();
    // Each sleep jumps 400 s: the second poll is past the code's 600 s.
    let result = device::poll(
        &s.http,
        &s.tenant,
        &s.client_id,
        &expired,
        DpopMode::Auto,
        virtual_sleep(
            s.sandbox.controls(),
            Arc::new(Mutex::new(Vec::new())),
            |_, _| 400,
        ),
    )
    .await;
    assert!(
        matches!(result, Err(AuthError::DeviceCodeExpired)),
        "{result:?}"
    );
}
