/*!
The authenticated Okta management API client: one request path for every call, whatever the
token type (Bearer, DPoP with a fresh proof per request, or SSWS), renewing the token when it is
about to expire or the API says it is invalid.

Main types: [`OktaClient`], [`ApiResponse`], [`ApiError`].

```
# #[tokio::main(flavor = "current_thread")]
# async fn main() -> Result<(), Box<dyn std::error::Error>> {
# // The example runs against the local sandbox; with a real org the tenant is
# // "example.okta.com" and the key is the JWK Okta generated for the app.
# let dir = tempfile::tempdir()?;
# let demo = oktactl_sandbox::write_demo(dir.path())?;
# let sandbox = oktactl_sandbox::Sandbox::start(demo.config.clone(), "127.0.0.1:0".parse()?).await?;
# let org = sandbox.base_url();
# let key_file = dir.path().join("0oasandboxdpoprsa001.jwk.json");
use oktactl_api::OktaClient;
use oktactl_auth::{ClientId, ConnectRequest, Credential, DpopMode, HttpClient, Scopes, Tenant};
use oktactl_jose::SigningKey;

let http = HttpClient::new(oktactl_auth::http::DEFAULT_TIMEOUT)?;
let tenant = Tenant::parse(&org)?;
let key = SigningKey::from_jwk_json(&std::fs::read_to_string(&key_file)?)?;
let request = ConnectRequest {
    client_id: ClientId::parse("0oasandboxdpoprsa001", &tenant)?,
    tenant,
    scopes: Scopes::parse(&["okta.users.read"])?,
    credential: Credential::PrivateKey(Box::new(key)),
    dpop: DpopMode::Auto, // this app requires DPoP: detected and handled
};
let session = oktactl_auth::connect(&http, "default", request).await?;
assert_eq!(session.profile().token_type.as_str(), "DPoP");

let mut okta = OktaClient::new(http, session);
let user = okta.user("alice@example.com").await?;
assert_eq!(user.profile.login, "alice@example.com");
let users: Vec<oktactl_wire::User> = okta.get_json("/api/v1/users?limit=2").await?;
assert_eq!(users.len(), 2);
# sandbox.shutdown().await;
# Ok(()) }
```
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use oktactl_auth::{AuthError, ErrorKind, HttpClient, Session, TokenStore};
use oktactl_wire::User;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;

/// Nonce demands from the resource server are retried at most this often (reference §3).
const MAX_NONCE_RETRIES: u32 = 2;

/// Failures of API calls.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Getting or presenting the token failed, or the API refused (see [`AuthError::Api`]).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The path is not a path of the tenant, e.g. `https://evil.example/`.
    #[error("invalid API path '{path}': {reason}")]
    InvalidPath {
        /// What was given.
        path: String,
        /// Why.
        reason: String,
    },
    /// A success answer whose JSON does not have the expected shape.
    #[error("unexpected JSON from {url}: {reason}")]
    Json {
        /// The URL.
        url: String,
        /// What the parser said.
        reason: String,
    },
}

impl ApiError {
    /// The kind of failure, for exit codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Auth(e) => e.kind(),
            ApiError::InvalidPath { .. } => ErrorKind::BadInput,
            ApiError::Json { .. } => ErrorKind::Refused,
        }
    }
}

/// An API answer, whatever its status.
#[derive(Debug)]
pub struct ApiResponse {
    /// The URL requested.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// Turns a non-2xx answer into an error (Okta's errorCode and errorSummary).
    pub fn error_for_status(self) -> Result<ApiResponse, ApiError> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        Err(
            oktactl_auth::http::error_from_body(&self.url, self.status, &self.headers, &self.body)
                .into(),
        )
    }

    /// Parses the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::Json {
            url: self.url.clone(),
            reason: e.to_string(),
        })
    }
}

/// A client for one tenant's management API, authorized by a [`Session`].
#[derive(Debug)]
pub struct OktaClient {
    http: HttpClient,
    session: Session,
    store: Option<TokenStore>,
}

impl OktaClient {
    /// A client using `session`'s token. Renewed tokens stay in memory only; see
    /// [`OktaClient::with_store`].
    pub fn new(http: HttpClient, session: Session) -> Self {
        OktaClient {
            http,
            session,
            store: None,
        }
    }

    /// Saves renewed tokens to `store`.
    pub fn with_store(mut self, store: TokenStore) -> Self {
        self.store = Some(store);
        self
    }

    /// The session (profile metadata, tenant).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Sends one request to `path` (e.g. `/api/v1/users?limit=2`) and returns the answer
    /// whatever its status. Renews the token first when it expires within 60 s, answers a
    /// DPoP nonce demand (at most twice) and, on 401 `invalid_token`, renews once and retries.
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<ApiResponse, ApiError> {
        let url = self.url_for(path)?;
        self.ensure_fresh().await?;
        let mut nonce: Option<String> = None;
        let mut nonce_retries = 0;
        let mut renewed = false;
        loop {
            let response = self
                .send_once(&method, &url, body, nonce.as_deref())
                .await?;
            if response.status == 401 {
                let challenge = header_text(&response.headers, "www-authenticate");
                if challenge.contains("use_dpop_nonce")
                    && nonce_retries < MAX_NONCE_RETRIES
                    && let Some(value) = header_opt(&response.headers, "dpop-nonce")
                {
                    nonce_retries += 1;
                    nonce = Some(value);
                    continue;
                }
                if !renewed && self.session.can_renew() && !challenge.contains("use_dpop_nonce") {
                    tracing::info!("the API refused the token; getting a new one");
                    renewed = true;
                    self.session.renew(&self.http).await?;
                    self.persist()?;
                    continue;
                }
            }
            return Ok(response);
        }
    }

    /// GETs `path` and parses a 2xx JSON answer; other statuses become errors.
    pub async fn get_json<T: DeserializeOwned>(&mut self, path: &str) -> Result<T, ApiError> {
        self.request(Method::GET, path, None)
            .await?
            .error_for_status()?
            .json()
    }

    /// Looks a user up by id or login (`GET /api/v1/users/{id or login}`).
    pub async fn user(&mut self, id_or_login: &str) -> Result<User, ApiError> {
        let mut url = self.url_for("/api/v1/users")?;
        url.path_segments_mut()
            .map_err(|()| ApiError::InvalidPath {
                path: id_or_login.into(),
                reason: "cannot be a path segment".into(),
            })?
            .push(id_or_login);
        let path = url.path().to_string();
        self.get_json(&path).await
    }

    async fn ensure_fresh(&mut self) -> Result<(), ApiError> {
        if self
            .session
            .ensure_fresh(&self.http, oktactl_auth::session::RENEW_WITHIN_SECS)
            .await?
        {
            self.persist()?;
        }
        Ok(())
    }

    fn persist(&mut self) -> Result<(), ApiError> {
        if let Some(store) = &self.store {
            self.session.save(store)?;
        }
        Ok(())
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        nonce: Option<&str>,
    ) -> Result<ApiResponse, ApiError> {
        let auth = self.session.request_auth(method.as_str(), url, nonce)?;
        let mut request = self
            .http
            .inner()
            .request(method.clone(), url.clone())
            .header("Authorization", auth.authorization.secret())
            .header("Accept", "application/json");
        if let Some(proof) = auth.dpop_proof {
            request = request.header("DPoP", proof);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let url_text = url.to_string();
        let response = request
            .send()
            .await
            .map_err(|e| self.http.send_error(&url_text, &e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.http.send_error(&url_text, &e))?
            .to_vec();
        tracing::debug!(url = %url_text, status, "api response");
        Ok(ApiResponse {
            url: url_text,
            status,
            headers,
            body,
        })
    }

    /// Resolves `path` against the tenant; absolute URLs must point at the tenant itself, so a
    /// token is never sent to another host.
    fn url_for(&self, path: &str) -> Result<Url, ApiError> {
        let base = self.session.tenant().base_url();
        let bad = |reason: &str| ApiError::InvalidPath {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        let text = if path.starts_with("http://") || path.starts_with("https://") {
            if !path.starts_with(&format!("{base}/")) {
                return Err(bad("absolute URLs must point at the connected tenant"));
            }
            path.to_string()
        } else if path.starts_with('/') {
            format!("{base}{path}")
        } else {
            format!("{base}/{path}")
        };
        Url::parse(&text).map_err(|e| bad(&e.to_string()))
    }
}

fn header_opt(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn header_text(headers: &HeaderMap, name: &str) -> String {
    header_opt(headers, name).unwrap_or_default()
}
