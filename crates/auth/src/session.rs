//! [`Session`]: a connection to one tenant as one app — what `connect` makes, the token store
//! keeps, and the API client uses. It renews its token when it is about to expire and revokes
//! it on `disconnect`.

use url::Url;

use crate::credential::Credential;
use crate::dpop::{DpopKey, DpopMode};
use crate::error::AuthError;
use crate::flows::client_credentials::client_credentials;
use crate::flows::refresh::refresh;
use crate::http::{HttpClient, unix_now};
use crate::profile::{Flow, Profile, ProfileSecrets, StoreKind, StoredCredential, TokenType};
use crate::revoke::revoke;
use crate::secret::SecretString;
use crate::store::{ProfileLock, TokenStore};
use crate::tenant::{ClientId, Scopes, Tenant};
use crate::token_endpoint::{ClientAuth, TokenGrant};

/// `oktactl token` renews a token that expires within this many seconds.
pub const RENEW_WITHIN_SECS: i64 = 60;

/// What `connect` needs.
#[derive(Clone, Debug)]
pub struct ConnectRequest {
    /// The org.
    pub tenant: Tenant,
    /// The app.
    pub client_id: ClientId,
    /// Scopes to request.
    pub scopes: Scopes,
    /// How the app authenticates.
    pub credential: Credential,
    /// DPoP mode.
    pub dpop: DpopMode,
}

/// The headers that authorize one API request.
#[derive(Debug)]
pub struct RequestAuth {
    /// Value of `Authorization` (secret).
    pub authorization: SecretString,
    /// Value of `DPoP`, when the token is DPoP-bound.
    pub dpop_proof: Option<String>,
}

/// A connection: profile metadata plus its secrets.
#[derive(Debug, Clone)]
pub struct Session {
    profile: Profile,
    secrets: ProfileSecrets,
    tenant: Tenant,
    client_id: ClientId,
}

/// Connects: mints a token (client credentials) or checks an API token, and returns the
/// session, not yet saved (see [`Session::save`]).
pub async fn connect(
    http: &HttpClient,
    profile_name: &str,
    request: ConnectRequest,
) -> Result<Session, AuthError> {
    let ConnectRequest {
        tenant,
        client_id,
        scopes,
        credential,
        dpop,
    } = request;
    let (flow, auth, stored_credential) = match credential {
        Credential::ApiToken(token) => {
            return connect_api_token(http, profile_name, tenant, client_id, token).await;
        }
        Credential::PrivateKey(key) => {
            let stored =
                StoredCredential::PrivateKeyJwk(SecretString::new(key.to_private_jwk_json()));
            (
                Flow::ClientCredentialsPrivateKey,
                ClientAuth::PrivateKey(key),
                stored,
            )
        }
        Credential::ClientSecret(secret) => {
            if scopes.has_okta_scope() {
                tracing::warn!(
                    "Okta refuses client secrets for okta.* scopes on the org authorization server; \
                     use a private key (--jwk or --private-key)"
                );
            }
            (
                Flow::ClientCredentialsSecret,
                ClientAuth::ClientSecret(secret.clone()),
                StoredCredential::ClientSecret(secret),
            )
        }
    };
    let grant = client_credentials(http, &tenant, &client_id, &auth, &scopes, dpop, None).await?;
    Ok(Session::from_grant(
        profile_name,
        tenant,
        client_id,
        &scopes,
        flow,
        Some(stored_credential),
        grant,
    ))
}

/// An SSWS API token is validated with one API call, then kept as the session's token.
async fn connect_api_token(
    http: &HttpClient,
    profile_name: &str,
    tenant: Tenant,
    client_id: ClientId,
    token: SecretString,
) -> Result<Session, AuthError> {
    let url = tenant.endpoint("/api/v1/users?limit=1");
    http.send_expecting_success(
        &url,
        http.inner()
            .get(&url)
            .header("Authorization", format!("SSWS {}", token.secret()))
            .header("Accept", "application/json"),
    )
    .await?;
    Ok(Session {
        profile: Profile {
            name: profile_name.to_string(),
            tenant: tenant.base_url(),
            client_id: client_id.to_string(),
            flow: Flow::ApiToken,
            scopes: Vec::new(),
            granted_scopes: Vec::new(),
            token_type: TokenType::Ssws,
            obtained_at: unix_now(),
            expires_at: None,
            dpop: false,
            store: StoreKind::File,
        },
        secrets: ProfileSecrets {
            access_token: token,
            refresh_token: None,
            dpop_key: None,
            client_credential: None,
        },
        tenant,
        client_id,
    })
}

impl Session {
    /// Loads the profile `name` from `store`; [`AuthError::NotConnected`] when there is none.
    pub fn load(store: &TokenStore, name: &str) -> Result<Session, AuthError> {
        let not_connected = || AuthError::NotConnected {
            profile: name.to_string(),
        };
        let profile = store.load_profile(name)?.ok_or_else(not_connected)?;
        let secrets = store.load_secrets(&profile)?.ok_or_else(not_connected)?;
        Session::from_parts(profile, secrets)
    }

    /// Rebuilds a session from stored parts.
    pub fn from_parts(profile: Profile, secrets: ProfileSecrets) -> Result<Session, AuthError> {
        let tenant = Tenant::parse(&profile.tenant)?;
        let client_id = ClientId::parse(&profile.client_id, &tenant)?;
        Ok(Session {
            profile,
            secrets,
            tenant,
            client_id,
        })
    }

    /// Saves the session to `store`; returns where the secrets went.
    pub fn save(&mut self, store: &TokenStore) -> Result<StoreKind, AuthError> {
        let kind = store.save(&self.profile, &self.secrets)?;
        self.profile.store = kind;
        Ok(kind)
    }

    /// Saves the session while the caller holds the profile's lock (see
    /// [`TokenStore::lock_profile`]); returns where the secrets went.
    pub fn save_locked(
        &mut self,
        store: &TokenStore,
        lock: &ProfileLock,
    ) -> Result<StoreKind, AuthError> {
        let kind = store.save_locked(lock, &self.profile, &self.secrets)?;
        self.profile.store = kind;
        Ok(kind)
    }

    /// The metadata (no secrets).
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The org.
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The access token (or SSWS API token).
    ///
    /// # Security warning
    /// A secret: print it only when the user asked (`oktactl token`).
    pub fn access_token(&self) -> &SecretString {
        &self.secrets.access_token
    }

    /// The DPoP key the token is bound to, for callers that build their own proofs.
    pub fn dpop_key(&self) -> Result<Option<DpopKey>, AuthError> {
        self.secrets
            .dpop_key
            .as_ref()
            .map(DpopKey::from_stored)
            .transpose()
    }

    /// Whether the token expires within `within_secs` of `now` (never for SSWS tokens).
    pub fn expires_within(&self, within_secs: i64, now: i64) -> bool {
        self.profile
            .expires_at
            .is_some_and(|exp| exp - now <= within_secs)
    }

    /// Builds a session from the grant of an interactive sign-in (authorization code or
    /// device flow); not yet saved (see [`Session::save`]).
    pub fn from_user_grant(
        profile_name: &str,
        tenant: Tenant,
        client_id: ClientId,
        scopes: &Scopes,
        flow: Flow,
        grant: TokenGrant,
    ) -> Session {
        Session::from_grant(profile_name, tenant, client_id, scopes, flow, None, grant)
    }

    /// A new session for `tenant` and `client_id` holding what `grant` brought; `credential`
    /// is kept when the flow can re-mint with it (client credentials).
    fn from_grant(
        profile_name: &str,
        tenant: Tenant,
        client_id: ClientId,
        scopes: &Scopes,
        flow: Flow,
        credential: Option<StoredCredential>,
        grant: TokenGrant,
    ) -> Session {
        let mut session = Session {
            profile: Profile {
                name: profile_name.to_string(),
                tenant: tenant.base_url(),
                client_id: client_id.to_string(),
                flow,
                scopes: scopes.as_slice().to_vec(),
                granted_scopes: Vec::new(),
                token_type: TokenType::Bearer,
                obtained_at: 0,
                expires_at: None,
                dpop: false,
                store: StoreKind::File,
            },
            secrets: ProfileSecrets {
                access_token: SecretString::new(""),
                refresh_token: None,
                dpop_key: None,
                client_credential: credential,
            },
            tenant,
            client_id,
        };
        session.apply_grant(grant);
        session
    }

    /// Whether this session can get a new token by itself: client credentials re-mint, or a
    /// refresh token from an interactive sign-in.
    pub fn can_renew(&self) -> bool {
        match self.profile.flow {
            Flow::ClientCredentialsPrivateKey | Flow::ClientCredentialsSecret => {
                self.secrets.client_credential.is_some()
            }
            Flow::AuthorizationCode | Flow::DeviceCode => self.secrets.refresh_token.is_some(),
            Flow::ApiToken => false,
        }
    }

    /// Whether the session holds a refresh token.
    pub fn has_refresh_token(&self) -> bool {
        self.secrets.refresh_token.is_some()
    }

    /// Mints a new token when the current one expires within `within_secs`; returns whether it
    /// did. The caller saves the session afterwards.
    pub async fn ensure_fresh(
        &mut self,
        http: &HttpClient,
        within_secs: i64,
    ) -> Result<bool, AuthError> {
        if !self.expires_within(within_secs, unix_now()) {
            return Ok(false);
        }
        self.renew(http).await?;
        Ok(true)
    }

    /// Gets a new token now: client credentials re-mint with the stored credential, or the
    /// refresh token grant for interactive sign-ins (a rotated refresh token replaces the old
    /// one). Keeps the DPoP key so the token binding stays with this profile. A refused refresh
    /// is [`AuthError::ReconnectNeeded`].
    pub async fn renew(&mut self, http: &HttpClient) -> Result<(), AuthError> {
        if !self.can_renew() {
            let reason = match self.profile.flow {
                Flow::AuthorizationCode | Flow::DeviceCode => format!(
                    "the token has expired and there is no refresh token (sign in with the \
                     offline_access scope to stay signed in; flow {})",
                    self.profile.flow.as_str()
                ),
                _ => format!(
                    "the token has expired and a {} token cannot be renewed",
                    self.profile.flow.as_str()
                ),
            };
            return Err(AuthError::ReconnectNeeded {
                profile: self.profile.name.clone(),
                reason,
            });
        }
        if matches!(
            self.profile.flow,
            Flow::AuthorizationCode | Flow::DeviceCode
        ) {
            return self.refresh(http).await;
        }
        let auth = self.client_auth()?;
        let scopes = Scopes::parse(&self.profile.scopes)?;
        let (mode, key) = match &self.secrets.dpop_key {
            Some(stored) if self.profile.dpop => {
                (DpopMode::On, Some(DpopKey::from_stored(stored)?))
            }
            _ => (DpopMode::Auto, None),
        };
        let grant = client_credentials(
            http,
            &self.tenant,
            &self.client_id,
            &auth,
            &scopes,
            mode,
            key,
        )
        .await?;
        self.apply_grant(grant);
        Ok(())
    }

    /// The `Authorization` (and `DPoP`) headers for one request to `url` with `method`.
    pub fn request_auth(
        &self,
        method: &str,
        url: &Url,
        nonce: Option<&str>,
    ) -> Result<RequestAuth, AuthError> {
        let token = self.secrets.access_token.secret();
        let scheme = self.profile.token_type.as_str();
        let dpop_proof = match (self.profile.token_type, &self.secrets.dpop_key) {
            (TokenType::DPoP, Some(stored)) => {
                let key = DpopKey::from_stored(stored)?;
                Some(key.proof(
                    method,
                    url,
                    nonce,
                    Some(&self.secrets.access_token),
                    unix_now(),
                )?)
            }
            (TokenType::DPoP, None) => {
                return Err(AuthError::ReconnectNeeded {
                    profile: self.profile.name.clone(),
                    reason: "the DPoP key of the stored token is missing".into(),
                });
            }
            _ => None,
        };
        Ok(RequestAuth {
            authorization: SecretString::new(format!("{scheme} {token}")),
            dpop_proof,
        })
    }

    /// Revokes the access token (and the refresh token, when there is one) at
    /// `/oauth2/v1/revoke`. SSWS API tokens cannot be revoked this
    /// way (reference §6): that is an error the caller can turn into a warning.
    pub async fn revoke(&self, http: &HttpClient) -> Result<(), AuthError> {
        if self.profile.flow == Flow::ApiToken {
            return Err(AuthError::Usage(
                "SSWS API tokens cannot be revoked with OAuth; revoke it in the Admin Console (Security > API > Tokens)"
                    .into(),
            ));
        }
        let auth = self.client_auth()?;
        revoke(
            http,
            &self.tenant,
            &self.client_id,
            &auth,
            &self.secrets.access_token,
            "access_token",
        )
        .await?;
        // A refresh token outlives the access token: revoke it too (RFC 7009 §2.1).
        if let Some(refresh_token) = &self.secrets.refresh_token {
            revoke(
                http,
                &self.tenant,
                &self.client_id,
                &auth,
                refresh_token,
                "refresh_token",
            )
            .await?;
        }
        Ok(())
    }

    async fn refresh(&mut self, http: &HttpClient) -> Result<(), AuthError> {
        let Some(refresh_token) = self.secrets.refresh_token.clone() else {
            return Err(AuthError::ReconnectNeeded {
                profile: self.profile.name.clone(),
                reason: "there is no refresh token".into(),
            });
        };
        let scopes = Scopes::parse(&self.profile.scopes)?;
        let (mode, key) = match &self.secrets.dpop_key {
            Some(stored) if self.profile.dpop => {
                (DpopMode::On, Some(DpopKey::from_stored(stored)?))
            }
            _ => (DpopMode::Auto, None),
        };
        let auth = self.client_auth()?;
        match refresh(
            http,
            &self.tenant,
            &self.client_id,
            &auth,
            &refresh_token,
            &scopes,
            mode,
            key,
        )
        .await
        {
            Ok(grant) => {
                self.apply_grant(grant);
                Ok(())
            }
            Err(error @ (AuthError::OAuth { .. } | AuthError::UnexpectedResponse { .. })) => {
                Err(AuthError::ReconnectNeeded {
                    profile: self.profile.name.clone(),
                    reason: format!("the refresh token was refused ({error})"),
                })
            }
            Err(error) => Err(error),
        }
    }

    fn client_auth(&self) -> Result<ClientAuth, AuthError> {
        Ok(match &self.secrets.client_credential {
            Some(StoredCredential::PrivateKeyJwk(jwk)) => ClientAuth::PrivateKey(Box::new(
                oktactl_jose::SigningKey::from_jwk_json(jwk.secret())
                    .map_err(|e| AuthError::key("stored client key", e))?,
            )),
            Some(StoredCredential::ClientSecret(secret)) => {
                ClientAuth::ClientSecret(secret.clone())
            }
            None => ClientAuth::Public,
        })
    }

    fn apply_grant(&mut self, grant: TokenGrant) {
        let now = unix_now();
        let TokenGrant {
            response,
            dpop_key,
            dpop_bound,
        } = grant;
        self.profile.obtained_at = now;
        self.profile.expires_at = response.expires_in.map(|s| now + s as i64);
        self.profile.granted_scopes = response
            .scope
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        self.profile.token_type = if dpop_bound {
            TokenType::DPoP
        } else {
            TokenType::Bearer
        };
        self.profile.dpop = dpop_bound;
        self.secrets.access_token = SecretString::new(response.access_token);
        if let Some(refresh) = response.refresh_token {
            self.secrets.refresh_token = Some(SecretString::new(refresh));
        }
        self.secrets.dpop_key = dpop_key.map(|k| k.to_stored());
    }
}
