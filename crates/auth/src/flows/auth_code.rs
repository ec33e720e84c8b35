//! Authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636, S256 only) for native apps
//! (RFC 8252 §7.3, loopback redirect), and the OpenID Connect `nonce` (Core §3.1.2.1) — the
//! seed's default, interactive parameter set (`shared/okta-reference.md` §4).

use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::dpop::{DpopKey, DpopMode};
use crate::error::AuthError;
use crate::http::{HttpClient, unix_now};
use crate::id_token::validate_id_token;
use crate::loopback::{LoopbackListener, RedirectUri};
use crate::pkce::{Pkce, random_token};
use crate::secret::SecretString;
use crate::tenant::{ClientId, Scopes, Tenant};
use crate::token_endpoint::{ClientAuth, TokenGrant, request_token};

/// Default time a person has to finish signing in.
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(300);

/// One authorization request: the URL to open and the values the answer is checked against.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// `/oauth2/v1/authorize?…` to open in the browser.
    pub url: Url,
    /// The random `state` (CSRF protection, RFC 6749 §10.12).
    pub state: String,
    /// The random OpenID Connect `nonce`.
    pub nonce: String,
    /// The PKCE pair.
    pub pkce: Pkce,
    /// Where the code comes back.
    pub redirect: RedirectUri,
}

impl AuthorizationRequest {
    /// Builds a request with fresh `state`, `nonce` and PKCE verifier.
    pub fn new(
        tenant: &Tenant,
        client_id: &ClientId,
        scopes: &Scopes,
        redirect: &RedirectUri,
    ) -> Result<Self, AuthError> {
        let state = random_token();
        let nonce = random_token();
        let pkce = Pkce::new_s256();
        let base = tenant.endpoint("/oauth2/v1/authorize");
        let mut url = Url::parse(&base)
            .map_err(|e| AuthError::Usage(format!("bad authorize URL {base}: {e}")))?;
        url.query_pairs_mut()
            .append_pair("client_id", client_id.as_str())
            .append_pair("response_type", "code")
            .append_pair("scope", &scopes.to_param())
            .append_pair("redirect_uri", redirect.as_str())
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", pkce.challenge())
            .append_pair("code_challenge_method", "S256");
        Ok(AuthorizationRequest {
            url,
            state,
            nonce,
            pkce,
            redirect: redirect.clone(),
        })
    }
}

/// What an interactive sign-in gives.
#[derive(Debug)]
pub struct SignedIn {
    /// The token endpoint's answer.
    pub grant: TokenGrant,
    /// The validated id token's claims, with `openid`.
    pub id_claims: Option<Value>,
}

/// Settings of [`sign_in`].
#[derive(Debug, Clone)]
pub struct SignInOptions {
    /// The registered loopback redirect URI.
    pub redirect: RedirectUri,
    /// How long to wait for the browser.
    pub timeout: Duration,
    /// DPoP mode for the code exchange.
    pub dpop: DpopMode,
}

/// Runs the whole browser sign-in: binds the listener first (so a busy port fails before a
/// browser opens), hands the URL to `show` (print it, open a browser), waits for one valid
/// callback, exchanges the code and validates the id token.
pub async fn sign_in(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    scopes: &Scopes,
    options: &SignInOptions,
    show: impl FnOnce(&Url),
) -> Result<SignedIn, AuthError> {
    let request = AuthorizationRequest::new(tenant, client_id, scopes, &options.redirect)?;
    let listener = LoopbackListener::bind(&options.redirect).await?;
    show(&request.url);
    let callback = listener.wait(&request.state, options.timeout).await?;
    let dpop_key = match options.dpop {
        DpopMode::On => Some(DpopKey::generate()?),
        _ => None,
    };
    let grant = exchange_code(
        http,
        tenant,
        client_id,
        &callback.code,
        &request,
        options.dpop,
        dpop_key,
    )
    .await?;
    let id_claims = match &grant.response.id_token {
        Some(id_token) => Some(
            validate_id_token(
                http,
                tenant,
                client_id,
                id_token,
                Some(&request.nonce),
                unix_now(),
            )
            .await?,
        ),
        None => None,
    };
    Ok(SignedIn { grant, id_claims })
}

/// Exchanges `code` at the token endpoint (RFC 6749 §4.1.3) with the PKCE verifier (RFC 7636
/// §4.5), as a public client.
pub async fn exchange_code(
    http: &HttpClient,
    tenant: &Tenant,
    client_id: &ClientId,
    code: &SecretString,
    request: &AuthorizationRequest,
    mode: DpopMode,
    dpop_key: Option<DpopKey>,
) -> Result<TokenGrant, AuthError> {
    let grant = [
        ("grant_type", "authorization_code".to_string()),
        ("code", code.secret().to_string()),
        ("redirect_uri", request.redirect.as_str().to_string()),
        (
            "code_verifier",
            request.pkce.verifier().secret().to_string(),
        ),
    ];
    request_token(
        http,
        tenant,
        client_id,
        &ClientAuth::Public,
        &grant,
        mode,
        dpop_key,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_carries_every_parameter() {
        let tenant = Tenant::parse("example.okta.com").unwrap();
        let client = ClientId::parse("0oakmj8hvxvtvCy3P5d7", &tenant).unwrap();
        let scopes = Scopes::parse(&["okta.users.read", "offline_access"]).unwrap();
        let redirect = RedirectUri::parse(crate::loopback::DEFAULT_REDIRECT_URI).unwrap();
        let request = AuthorizationRequest::new(&tenant, &client, &scopes, &redirect).unwrap();
        let url = &request.url;
        assert_eq!(url.path(), "/oauth2/v1/authorize");
        let get = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
                .unwrap()
        };
        assert_eq!(get("response_type"), "code");
        assert_eq!(get("code_challenge_method"), "S256");
        assert_eq!(get("code_challenge"), request.pkce.challenge());
        assert_eq!(get("state"), request.state);
        assert_eq!(get("nonce"), request.nonce);
        assert_eq!(get("redirect_uri"), "http://localhost:8080/login/callback");
        assert_eq!(get("scope"), "okta.users.read offline_access");
        assert!(!url.as_str().contains(request.pkce.verifier().secret()));
    }
}
