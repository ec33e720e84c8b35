//! Shared helpers: a test org, assertion and proof builders, timeouts.

use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oktactl_jose::{KeyKind, SigningKey};
use oktactl_sandbox::{
    ApiTokenConfig, AppConfig, AuthMethod, Controls, Sandbox, SandboxConfig, UserConfig,
};
use oktactl_wire::{
    ClientAssertionClaims, DPOP_PROOF_TYP, DpopProofClaims, JwsHeader, OAuthErrorBody,
    OktaErrorBody, TokenResponse,
};
use reqwest::StatusCode;
use serde_json::Value;

pub const DPOP_APP: &str = "0oatestdpop000000001";
pub const BEARER_APP: &str = "0oatestbearer0000001";
pub const RSA_APP: &str = "0oatestrsa0000000001";
pub const SECRET_POST_APP: &str = "0oatestsecretpost001";
pub const SECRET_BASIC_APP: &str = "0oatestsecretbasic01";
pub const NO_USERS_SCOPE_APP: &str = "0oatestcustomonly001";
pub const SHORT_LIFETIME_APP: &str = "0oatestshortlived001";
pub const SECRET: &str = "test-secret-value-0123456789";
pub const API_TOKEN: &str = "00testApiToken0123456789abcdefghijklmnopq";
pub const USERS_READ: &str = "okta.users.read";

/// Awaits `future` for at most 30 s.
pub async fn timed<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), future)
        .await
        .expect("timed out after 30 s")
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn ec_key(kid: &str) -> SigningKey {
    SigningKey::generate(KeyKind::P256).unwrap().with_kid(kid)
}

/// One RSA key per test process: generating RSA keys is slow in debug builds.
pub fn rsa_key() -> SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::generate(KeyKind::Rsa { bits: 2048 })
            .unwrap()
            .with_kid("test-rsa")
    })
    .clone()
}

pub fn user(id: &str, first: &str, last: &str, status: &str) -> UserConfig {
    let login = format!("{}@example.com", first.to_lowercase());
    UserConfig {
        id: id.into(),
        login: login.clone(),
        email: login,
        first_name: first.into(),
        last_name: last.into(),
        status: status.into(),
        password: None,
    }
}

fn key_app(client_id: &str, key: &SigningKey, scopes: &[&str], dpop_required: bool) -> AppConfig {
    AppConfig {
        client_id: client_id.into(),
        name: client_id.into(),
        token_endpoint_auth_method: AuthMethod::PrivateKeyJwt,
        jwks: vec![key.public_jwk()],
        client_secret: None,
        granted_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        dpop_required,
        access_token_lifetime_seconds: None,
        redirect_uris: vec![],
    }
}

fn secret_app(client_id: &str, method: AuthMethod) -> AppConfig {
    AppConfig {
        client_id: client_id.into(),
        name: client_id.into(),
        token_endpoint_auth_method: method,
        jwks: vec![],
        client_secret: Some(SECRET.into()),
        granted_scopes: vec![USERS_READ.into(), "sandbox.custom".into()],
        dpop_required: false,
        access_token_lifetime_seconds: None,
        redirect_uris: vec![],
    }
}

/// A started sandbox with a known set of apps and users, and an HTTP client.
pub struct TestOrg {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub dpop_app_key: SigningKey,
    pub bearer_app_key: SigningKey,
    pub custom_only_key: SigningKey,
}

impl TestOrg {
    pub async fn start() -> TestOrg {
        let dpop_app_key = ec_key("dpop-app");
        let bearer_app_key = ec_key("bearer-app");
        let custom_only_key = ec_key("custom-only");
        let users_scopes = [USERS_READ, "okta.users.manage"];
        let mut short = key_app(SHORT_LIFETIME_APP, &bearer_app_key, &users_scopes, false);
        short.access_token_lifetime_seconds = Some(60);
        let config = SandboxConfig {
            apps: vec![
                key_app(DPOP_APP, &dpop_app_key, &users_scopes, true),
                key_app(BEARER_APP, &bearer_app_key, &users_scopes, false),
                key_app(RSA_APP, &rsa_key(), &users_scopes, false),
                key_app(
                    NO_USERS_SCOPE_APP,
                    &custom_only_key,
                    &["sandbox.custom"],
                    false,
                ),
                short,
                secret_app(SECRET_POST_APP, AuthMethod::ClientSecretPost),
                secret_app(SECRET_BASIC_APP, AuthMethod::ClientSecretBasic),
            ],
            users: vec![
                user("00utestalice00000001", "Alice", "Anderson", "ACTIVE"),
                user("00utestbob0000000002", "Bob", "Brown", "ACTIVE"),
                user("00utestcarol00000003", "Carol", "Clark", "ACTIVE"),
                user("00utestdave000000004", "Dave", "Davis", "SUSPENDED"),
                user("00utestalina00000005", "Alina", "Zed", "ACTIVE"),
            ],
            api_tokens: vec![ApiTokenConfig {
                name: "test".into(),
                token: API_TOKEN.into(),
            }],
            ..SandboxConfig::default()
        };
        let sandbox = timed(Sandbox::start(config, "127.0.0.1:0".parse().unwrap()))
            .await
            .unwrap();
        TestOrg {
            sandbox,
            http: http_client(),
            dpop_app_key,
            bearer_app_key,
            custom_only_key,
        }
    }

    pub fn controls(&self) -> Controls {
        self.sandbox.controls()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sandbox.base_url(), path)
    }

    /// A fresh, valid assertion for `client_id` addressed to `path`.
    pub fn assertion(&self, key: &SigningKey, client_id: &str, path: &str) -> String {
        let now = now();
        sign_assertion(
            key,
            &assertion_claims(client_id, &self.url(path), now, now + 300),
        )
    }

    /// POSTs a form to `path`, with an optional `DPoP` header.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        dpop: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.http.post(self.url(path)).form(form);
        if let Some(proof) = dpop {
            request = request.header("DPoP", proof);
        }
        timed(request.send()).await.unwrap()
    }

    /// A client credentials request with a fresh assertion.
    pub async fn token_request(
        &self,
        key: &SigningKey,
        client_id: &str,
        scope: &str,
        dpop: Option<&str>,
    ) -> reqwest::Response {
        let assertion = self.assertion(key, client_id, "/oauth2/v1/token");
        self.post_form("/oauth2/v1/token", &assertion_form(&assertion, scope), dpop)
            .await
    }

    /// A Bearer token for a private_key_jwt app that does not require DPoP.
    pub async fn bearer_token(&self, key: &SigningKey, client_id: &str, scope: &str) -> String {
        let response = self.token_request(key, client_id, scope, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let token: TokenResponse = timed(response.json()).await.unwrap();
        assert_eq!(token.token_type, "Bearer");
        token.access_token
    }

    /// The server's current token-endpoint nonce, learnt the way a client learns it.
    pub async fn token_nonce(&self, dpop_key: &SigningKey) -> String {
        let proof = self.proof(dpop_key, "POST", "/oauth2/v1/token", None, None);
        let response = self
            .token_request(&self.dpop_app_key, DPOP_APP, USERS_READ, Some(&proof))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        response.headers()["dpop-nonce"]
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// A DPoP-bound token for the DPoP app, following the nonce dance.
    pub async fn dpop_token(&self, dpop_key: &SigningKey, scope: &str) -> TokenResponse {
        let nonce = self.token_nonce(dpop_key).await;
        let proof = self.proof(dpop_key, "POST", "/oauth2/v1/token", Some(&nonce), None);
        let response = self
            .token_request(&self.dpop_app_key, DPOP_APP, scope, Some(&proof))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        timed(response.json()).await.unwrap()
    }

    /// A DPoP proof for `method` on `<base_url><path>`.
    pub fn proof(
        &self,
        key: &SigningKey,
        method: &str,
        path: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> String {
        let claims = DpopProofClaims {
            jti: oktactl_jose::random_base64url(16),
            htm: method.into(),
            htu: self.url(path),
            iat: now(),
            nonce: nonce.map(str::to_owned),
            ath: access_token.map(|t| oktactl_jose::sha256_base64url(t.as_bytes())),
        };
        sign_proof(key, &claims)
    }

    /// GETs `path` with the given headers.
    pub async fn get(&self, path: &str, headers: &[(&str, String)]) -> reqwest::Response {
        let mut request = self.http.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        timed(request.send()).await.unwrap()
    }

    /// GETs a users API path with a DPoP token and a fresh proof for it.
    pub async fn get_with_dpop(
        &self,
        path: &str,
        token: &str,
        dpop_key: &SigningKey,
    ) -> reqwest::Response {
        let path_only = path.split('?').next().unwrap();
        let proof = self.proof(dpop_key, "GET", path_only, None, Some(token));
        self.get(
            path,
            &[("Authorization", format!("DPoP {token}")), ("DPoP", proof)],
        )
        .await
    }
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub fn assertion_claims(client_id: &str, aud: &str, iat: i64, exp: i64) -> ClientAssertionClaims {
    ClientAssertionClaims {
        iss: client_id.into(),
        sub: client_id.into(),
        aud: aud.into(),
        iat,
        exp,
        jti: oktactl_jose::random_base64url(16),
    }
}

pub fn sign_assertion(key: &SigningKey, claims: &impl serde::Serialize) -> String {
    let header = JwsHeader {
        alg: String::new(),
        typ: Some("JWT".into()),
        kid: key.kid().map(Into::into),
        jwk: None,
    };
    key.sign(&header, claims).unwrap()
}

pub fn sign_proof(key: &SigningKey, claims: &impl serde::Serialize) -> String {
    let header = JwsHeader {
        alg: String::new(),
        typ: Some(DPOP_PROOF_TYP.into()),
        kid: None,
        jwk: Some(key.dpop_jwk()),
    };
    key.sign(&header, claims).unwrap()
}

pub fn assertion_form<'a>(assertion: &'a str, scope: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("grant_type", "client_credentials"),
        ("scope", scope),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion),
    ]
}

/// Asserts an OAuth error answer and returns it.
pub async fn expect_oauth_error(
    response: reqwest::Response,
    status: StatusCode,
    error: &str,
    description: &str,
) -> reqwest::header::HeaderMap {
    let headers = response.headers().clone();
    let got_status = response.status();
    let body: OAuthErrorBody = timed(response.json()).await.unwrap();
    assert_eq!(
        (got_status, body.error.as_str()),
        (status, error),
        "body: {body:?}"
    );
    assert_eq!(body.error_description.as_deref(), Some(description));
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "no-store");
    headers
}

/// Asserts an Okta error answer and returns its headers.
pub async fn expect_okta_error(
    response: reqwest::Response,
    status: StatusCode,
    code: &str,
    summary: &str,
) -> reqwest::header::HeaderMap {
    let headers = response.headers().clone();
    let got_status = response.status();
    let body: OktaErrorBody = timed(response.json()).await.unwrap();
    assert_eq!(
        (got_status, body.error_code.as_str()),
        (status, code),
        "body: {body:?}"
    );
    assert_eq!(body.error_summary, summary);
    assert_eq!(body.error_link.as_deref(), Some(code));
    assert!(body.error_id.is_some_and(|id| !id.is_empty()));
    headers
}

/// The claims of a JWT, unverified.
pub fn claims_of(token: &str) -> Value {
    oktactl_jose::decode_unverified::<Value>(token).unwrap().1
}

/// Builds a JWS from raw header and claims JSON with a garbage signature.
pub fn unsigned_jws(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}.{}",
        oktactl_jose::base64url(header.to_string().as_bytes()),
        oktactl_jose::base64url(claims.to_string().as_bytes()),
        oktactl_jose::base64url(b"not a signature"),
    )
}
