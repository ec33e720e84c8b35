//! The interactive sign-in in a real browser: headless Chromium driven through WebDriver
//! (`thirtyfour`) signs in on the sandbox's page, cancels, and approves a device code, while the
//! real `oktactl connect` waits. Screenshots of each page go to `target/screenshots/`.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`; `.ci/run` installs them). Without them the test prints a note and passes,
//! unless `OKTACTL_REQUIRE_BROWSER=1`, which CI sets.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use oktactl_sandbox::{DEMO_PASSWORD, NATIVE_CLIENT_ID};
use thirtyfour::prelude::*;

use crate::suite::harness::TestEnv;
use crate::suite::interactive_support::{free_port, spawn_connect, with_redirect};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process this test started; killed on drop.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chromedriver {
    async fn start() -> Chromedriver {
        let port = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Chromedriver { child, port };
        let status = format!("http://127.0.0.1:{port}/status");
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(Ok(answer)) =
                tokio::time::timeout(Duration::from_secs(2), client.get(&status).send()).await
                && answer.status().is_success()
            {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer on port {port} within ~10 s");
    }

    async fn browser(&self, profile_dir: &Path) -> WebDriver {
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1000,800",
        ] {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", profile_dir.display()))
            .unwrap();
        tokio::time::timeout(
            Duration::from_secs(60),
            WebDriver::new(format!("http://127.0.0.1:{}", self.port), caps),
        )
        .await
        .expect("browser session within 60 s")
        .expect("browser session")
    }
}

fn screenshots_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits (bounded, 15 s) until the element `#id` exists and returns its text.
async fn text_of(driver: &WebDriver, id: &str) -> String {
    for _ in 0..150 {
        if let Ok(element) = driver.find(By::Id(id)).await
            && let Ok(text) = element.text().await
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let source = driver.source().await.unwrap_or_default();
    panic!("no #{id} within 15 s; page: {source}");
}

/// Waits until the page's `#title` reads `expected`.
async fn wait_for_title(driver: &WebDriver, expected: &str) {
    for _ in 0..150 {
        if let Ok(element) = driver.find(By::Id("title")).await
            && element.text().await.is_ok_and(|t| t == expected)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let source = driver.source().await.unwrap_or_default();
    panic!("no page titled {expected:?} within 15 s; page: {source}");
}

fn browser_available() -> bool {
    if Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var("OKTACTL_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("OKTACTL_REQUIRE_BROWSER=1 but {CHROMEDRIVER} or {CHROMIUM} is missing");
    }
    eprintln!(
        "note: skipping the real-browser test: {CHROMEDRIVER} or {CHROMIUM} is missing \
         (apt-get install chromium chromium-driver)"
    );
    false
}

#[tokio::test]
async fn real_browser_signs_in_cancels_and_approves_a_device_code() {
    if !browser_available() {
        return;
    }
    let port = free_port();
    let redirect = format!("http://localhost:{port}/login/callback");
    let env = TestEnv::start_with(with_redirect(&redirect)).await;
    env.controls.set_device_poll_interval(1);
    let chromedriver = Chromedriver::start().await;
    let profile = tempfile::TempDir::new().unwrap();
    let driver = chromedriver.browser(profile.path()).await;
    let shots = screenshots_dir();

    // 1. Sign in: the CLI prints the URL, the browser fills the sandbox form and lands on the
    // listener's success page.
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
    driver.goto(url.as_str()).await.unwrap();
    assert_eq!(text_of(&driver, "app-name").await, "oktactl (native app)");
    driver
        .screenshot(&shots.join("sandbox-sign-in.png"))
        .await
        .unwrap();
    driver
        .find(By::Id("username"))
        .await
        .unwrap()
        .send_keys("alice@example.com")
        .await
        .unwrap();
    driver
        .find(By::Id("password"))
        .await
        .unwrap()
        .send_keys(DEMO_PASSWORD)
        .await
        .unwrap();
    driver
        .find(By::Id("signin"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_title(&driver, "Signed in").await;
    assert!(
        text_of(&driver, "message")
            .await
            .contains("You can close this tab"),
    );
    let landed = driver.current_url().await.unwrap();
    assert!(landed.as_str().starts_with(&redirect), "{landed}");
    driver
        .screenshot(&shots.join("sign-in-success.png"))
        .await
        .unwrap();
    let run = pending.finish().await;
    run.assert_ok();
    assert!(
        run.stderr.contains("as alice@example.com"),
        "{}",
        run.stderr
    );
    // The stored token reads a user.
    let store =
        oktactl_auth::TokenStore::open(env.config_dir.path(), oktactl_auth::StoreMode::File)
            .unwrap();
    let session = oktactl_auth::Session::load(&store, "default").unwrap();
    let http = oktactl_auth::HttpClient::new(Duration::from_secs(10)).unwrap();
    let okta = oktactl_api::OktaClient::new(http, session).with_store(store);
    let user = okta.user("alice@example.com").await.unwrap();
    assert_eq!(user.profile.first_name.as_deref(), Some("Alice"));
    env.run(&["status"]).await.assert_ok();

    // 2. Cancel: the listener shows the reason, the CLI exits 1.
    let mut pending = spawn_connect(&env, &["--redirect-uri", &redirect, "--profile", "cancel"]);
    let url = pending.authorize_url().await;
    driver.goto(url.as_str()).await.unwrap();
    driver
        .find(By::Id("cancel"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_title(&driver, "Sign-in did not complete").await;
    assert!(text_of(&driver, "message").await.contains("access_denied"));
    driver
        .screenshot(&shots.join("sign-in-cancelled.png"))
        .await
        .unwrap();
    pending
        .finish()
        .await
        .assert_fails(1, "sign-in failed: access_denied");

    // 3. Device flow: the browser opens verification_uri_complete and approves.
    let mut pending = spawn_connect(
        &env,
        &[
            "--device",
            "--profile",
            "device",
            "--scopes",
            "okta.users.read",
        ],
    );
    let line = pending.line_with("/activate?user_code=").await;
    let complete = line.trim().rsplit(' ').next().unwrap().to_string();
    driver.goto(complete.as_str()).await.unwrap();
    let code_field = driver.find(By::Id("user_code")).await.unwrap();
    assert!(
        complete.ends_with(&code_field.value().await.unwrap().unwrap_or_default()),
        "the code is filled in"
    );
    driver
        .screenshot(&shots.join("sandbox-activate.png"))
        .await
        .unwrap();
    driver
        .find(By::Id("username"))
        .await
        .unwrap()
        .send_keys("bob@example.com")
        .await
        .unwrap();
    driver
        .find(By::Id("password"))
        .await
        .unwrap()
        .send_keys(DEMO_PASSWORD)
        .await
        .unwrap();
    driver
        .find(By::Id("approve"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_title(&driver, "Device activated").await;
    driver
        .screenshot(&shots.join("device-activated.png"))
        .await
        .unwrap();
    pending.finish().await.assert_ok();
    env.run(&["status", "--profile", "device"])
        .await
        .assert_ok();
    assert!(NATIVE_CLIENT_ID.len() == 20);
    driver.quit().await.unwrap();
}
