//! The auth library against the sandbox over real HTTP: what Okta refuses and how we say it.

use std::net::SocketAddr;
use std::time::Duration;

use oktactl_auth::assertion::client_assertion;
use oktactl_auth::{
    AuthError, ClientId, ConnectRequest, Credential, DpopMode, HttpClient, Scopes, Tenant,
};
use oktactl_jose::SigningKey;
use oktactl_sandbox::{Sandbox, write_demo};
use oktactl_wire::CLIENT_ASSERTION_TYPE_JWT_BEARER;

const EC_APP: &str = "0oasandboxbearerec01";

async fn start() -> (Sandbox, SigningKey, tempfile::TempDir) {
    let dir = tempfile::TempDir::new().unwrap();
    let demo = write_demo(dir.path()).unwrap();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let sandbox = Sandbox::start(demo.config.clone(), addr).await.unwrap();
    let key_file = demo
        .clients
        .iter()
        .find(|c| c.client_id == EC_APP)
        .unwrap()
        .key_file
        .clone()
        .unwrap();
    let key = SigningKey::from_jwk_json(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    (sandbox, key, dir)
}

#[tokio::test]
async fn replayed_assertion_is_refused() {
    let (sandbox, key, _dir) = start().await;
    let tenant = Tenant::parse(&sandbox.base_url()).unwrap();
    let client_id = ClientId::parse(EC_APP, &tenant).unwrap();
    let url = tenant.endpoint("/oauth2/v1/token");
    let assertion =
        client_assertion(&key, &client_id, &url, oktactl_auth::http::unix_now()).unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "okta.users.read"),
        ("client_assertion_type", CLIENT_ASSERTION_TYPE_JWT_BEARER),
        ("client_assertion", assertion.as_str()),
    ];
    let http = reqwest::Client::new();
    let first = http.post(&url).form(&form).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let second = http.post(&url).form(&form).send().await.unwrap();
    assert_eq!(second.status(), 401);
    let body: serde_json::Value = second.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(
        body["error_description"],
        "The client_assertion token has already been used."
    );
}

#[tokio::test]
async fn a_server_clock_far_ahead_is_reported_as_clock_skew() {
    let (sandbox, key, _dir) = start().await;
    sandbox.controls().set_clock_skew(900);
    let tenant = Tenant::parse(&sandbox.base_url()).unwrap();
    let request = ConnectRequest {
        client_id: ClientId::parse(EC_APP, &tenant).unwrap(),
        tenant,
        scopes: Scopes::parse(&["okta.users.read"]).unwrap(),
        credential: Credential::PrivateKey(Box::new(key)),
        dpop: DpopMode::Auto,
    };
    let http = HttpClient::new(Duration::from_secs(10)).unwrap();
    let error = oktactl_auth::connect(&http, "test", request)
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::OAuth { .. }), "{error}");
    let message = error.to_string();
    assert!(message.starts_with("invalid_client: "), "{message}");
    assert!(
        message.contains("s behind the server's: fix the system clock"),
        "{message}"
    );
}

#[tokio::test]
async fn ungranted_scope_is_invalid_scope() {
    let (sandbox, key, _dir) = start().await;
    let tenant = Tenant::parse(&sandbox.base_url()).unwrap();
    let request = ConnectRequest {
        client_id: ClientId::parse(EC_APP, &tenant).unwrap(),
        tenant,
        scopes: Scopes::parse(&["okta.groups.manage"]).unwrap(),
        credential: Credential::PrivateKey(Box::new(key)),
        dpop: DpopMode::Auto,
    };
    let http = HttpClient::new(Duration::from_secs(10)).unwrap();
    let error = oktactl_auth::connect(&http, "test", request)
        .await
        .unwrap_err();
    assert!(error.to_string().starts_with("invalid_scope: "), "{error}");
}

#[path = "suite_auth/device_flow.rs"]
mod device_flow;
