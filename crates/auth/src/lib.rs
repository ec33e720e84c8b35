/*!
The Okta org authorization server, from the client side: who we talk to ([`Tenant`],
[`ClientId`], [`Scopes`]), how we prove who we are ([`Credential`], client assertions, DPoP),
the grants that mint tokens ([`flows`]), revocation, and where tokens are kept ([`TokenStore`]).
[`connect`] ties them together into a [`Session`].

The protocol facts behind each piece are in `shared/okta-reference.md`; each module's header
names the RFC sections it implements.
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod assertion;
pub mod config;
pub mod credential;
pub mod dpop;
pub mod error;
pub mod flows;
pub mod http;
pub mod id_token;
pub mod loopback;
pub mod pkce;
pub mod profile;
pub mod revoke;
pub mod secret;
pub mod session;
pub mod store;
pub mod tenant;
pub mod token_endpoint;

pub use credential::Credential;
pub use dpop::{DpopKey, DpopMode};
pub use error::{AuthError, ErrorKind};
pub use http::{HttpClient, HttpOptions};
pub use profile::{Flow, Profile, ProfileSecrets, StoreKind, StoredCredential, TokenType};
pub use secret::SecretString;
pub use session::{ConnectRequest, RequestAuth, Session, connect};
pub use store::{ProfileLock, StoreError, StoreMode, TOKEN_STORE_ENV, TokenStore};
pub use tenant::{ClientId, Scopes, Tenant};
pub use token_endpoint::ClientAuth;
