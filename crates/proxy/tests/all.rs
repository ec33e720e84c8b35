//! The proxy as a library, against the sandbox over real HTTP.

use std::net::SocketAddr;
use std::time::Duration;

use oktactl_auth::{ClientId, ConnectRequest, Credential, DpopMode, HttpClient, Scopes, Tenant};
use oktactl_jose::SigningKey;
use oktactl_proxy::{Proxy, ProxyConfig};
use oktactl_sandbox::{Sandbox, write_demo};

const DPOP_APP: &str = "0oasandboxdpoprsa001";

async fn get(client: &reqwest::Client, url: &str, key: &str) -> reqwest::Response {
    tokio::time::timeout(
        Duration::from_secs(30),
        client
            .get(url)
            .header("Authorization", format!("Bearer {key}"))
            .send(),
    )
    .await
    .expect("answer within 30 s")
    .unwrap()
}

#[tokio::test]
async fn the_proxy_renews_an_expiring_token_before_forwarding() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = write_demo(dir.path()).unwrap();
    for app in &mut demo.config.apps {
        // Expires within the 60 s renewal window as soon as it is issued.
        app.access_token_lifetime_seconds = Some(30);
    }
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let sandbox = Sandbox::start(demo.config.clone(), addr).await.unwrap();
    let controls = sandbox.controls();
    let http = HttpClient::new(Duration::from_secs(10)).unwrap();
    let tenant = Tenant::parse(&sandbox.base_url()).unwrap();
    let key = SigningKey::from_jwk_json(
        &std::fs::read_to_string(dir.path().join(format!("{DPOP_APP}.jwk.json"))).unwrap(),
    )
    .unwrap();
    let session = oktactl_auth::connect(
        &http,
        "test",
        ConnectRequest {
            client_id: ClientId::parse(DPOP_APP, &tenant).unwrap(),
            tenant,
            scopes: Scopes::parse(&["okta.users.read"]).unwrap(),
            credential: Credential::PrivateKey(Box::new(key)),
            dpop: DpopMode::Auto,
        },
    )
    .await
    .unwrap();
    let issued = controls.tokens_issued();
    let proxy = Proxy::start(http, session, None, ProxyConfig::default())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/users?limit=1", proxy.url());
    let response = get(&client, &url, proxy.key().secret()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        controls.tokens_issued(),
        issued + 1,
        "the expiring token was renewed before the request"
    );
    // Concurrent requests share one renewal per expiry, never one per request beyond that.
    let before = controls.tokens_issued();
    let (a, b) = tokio::join!(
        get(&client, &url, proxy.key().secret()),
        get(&client, &url, proxy.key().secret())
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert!(controls.tokens_issued() <= before + 2);
    assert!(
        !format!("{proxy:?}").contains(proxy.key().secret()),
        "Debug never shows the key"
    );
    proxy.shutdown().await;
    sandbox.shutdown().await;
}
