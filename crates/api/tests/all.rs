//! The API client against the sandbox over real HTTP: Bearer, DPoP (with resource nonces) and
//! SSWS tokens, renewal on 401, and Okta errors.

use std::net::SocketAddr;
use std::time::Duration;

use oktactl_api::{ApiError, OktaClient};
use oktactl_auth::credential::read_secret_arg;
use oktactl_auth::{
    AuthError, ClientId, ConnectRequest, Credential, DpopMode, ErrorKind, HttpClient, Scopes,
    Tenant,
};
use oktactl_jose::SigningKey;
use oktactl_sandbox::{DemoSetup, Sandbox, write_demo};
use tempfile::TempDir;

struct Env {
    sandbox: Sandbox,
    demo: DemoSetup,
    _dir: TempDir,
}

async fn start() -> Env {
    let dir = TempDir::new().unwrap();
    let demo = write_demo(dir.path()).unwrap();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let sandbox = Sandbox::start(demo.config.clone(), addr).await.unwrap();
    Env {
        sandbox,
        demo,
        _dir: dir,
    }
}

fn http() -> HttpClient {
    HttpClient::new(Duration::from_secs(10)).unwrap()
}

async fn client(env: &Env, client_id: &str, scopes: &str) -> OktaClient {
    let tenant = Tenant::parse(&env.sandbox.base_url()).unwrap();
    let credential = match env
        .demo
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .unwrap()
    {
        c if c.key_file.is_some() => {
            let jwk = std::fs::read_to_string(c.key_file.as_ref().unwrap()).unwrap();
            Credential::PrivateKey(Box::new(SigningKey::from_jwk_json(&jwk).unwrap()))
        }
        c => Credential::ClientSecret(
            read_secret_arg(
                &format!("@{}", c.secret_file.as_ref().unwrap().display()),
                "secret",
            )
            .unwrap(),
        ),
    };
    let request = ConnectRequest {
        client_id: ClientId::parse(client_id, &tenant).unwrap(),
        tenant,
        scopes: Scopes::parse(&[scopes]).unwrap(),
        credential,
        dpop: DpopMode::Auto,
    };
    let session = oktactl_auth::connect(&http(), "test", request)
        .await
        .unwrap();
    OktaClient::new(http(), session)
}

#[tokio::test]
async fn dpop_lookup_answers_a_resource_nonce_demand() {
    let env = start().await;
    env.sandbox.controls().require_resource_nonce(true);
    let okta = client(&env, "0oasandboxdpoprsa001", "okta.users.read").await;
    let user = okta.user("alice@example.com").await.unwrap();
    assert_eq!(user.profile.login, "alice@example.com");
    assert_eq!(
        env.sandbox
            .controls()
            .request_count("/api/v1/users/alice@example.com"),
        2
    );
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_and_the_call_succeeds() {
    let env = start().await;
    let okta = client(&env, "0oasandboxbearerec01", "okta.users.read").await;
    okta.session().revoke(&http()).await.unwrap();
    let issued = env.sandbox.controls().tokens_issued();
    let user = okta.user("bob@example.com").await.unwrap();
    assert_eq!(user.profile.login, "bob@example.com");
    assert_eq!(env.sandbox.controls().tokens_issued(), issued + 1);
}

#[tokio::test]
async fn ssws_token_lists_users_with_paging_links() {
    let env = start().await;
    let tenant = Tenant::parse(&env.sandbox.base_url()).unwrap();
    let token =
        read_secret_arg(&format!("@{}", env.demo.api_token_file.display()), "token").unwrap();
    let request = ConnectRequest {
        client_id: ClientId::parse("ssws", &tenant).unwrap(),
        tenant,
        scopes: Scopes::default(),
        credential: Credential::ApiToken(token),
        dpop: DpopMode::Auto,
    };
    let session = oktactl_auth::connect(&http(), "test", request)
        .await
        .unwrap();
    let okta = OktaClient::new(http(), session);
    let response = okta
        .request(reqwest::Method::GET, "/api/v1/users?limit=2", None)
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let link = response
        .headers
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    assert!(link.contains("rel=\"next\""), "{link}");
    let users: Vec<oktactl_wire::User> = response.json().unwrap();
    assert_eq!(users.len(), 2);
}

#[tokio::test]
async fn unknown_user_is_e0000007() {
    let env = start().await;
    let okta = client(&env, "0oasandboxbearerec01", "okta.users.read").await;
    let error = okta.user("nobody@example.com").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refused);
    assert!(
        matches!(&error, ApiError::Auth(AuthError::Api { code, status: 404, .. }) if code == "E0000007"),
        "{error}"
    );
    assert!(
        error.to_string().starts_with("E0000007: Not found"),
        "{error}"
    );
}

#[tokio::test]
async fn missing_scope_is_explained() {
    let env = start().await;
    let okta = client(&env, "0oasandboxsecret0001", "sandbox.custom").await;
    let error = okta
        .user("alice@example.com")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("E0000006"), "{error}");
    assert!(
        error.contains("the token lacks the scope okta.users.read"),
        "{error}"
    );
}

#[tokio::test]
async fn paths_outside_the_tenant_are_refused() {
    let env = start().await;
    let okta = client(&env, "0oasandboxbearerec01", "okta.users.read").await;
    let error = okta
        .request(
            reqwest::Method::GET,
            "https://attacker.example/api/v1/users",
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadInput);
}

mod suite;
