/*!
The Okta org authorization server, from the client side: who we talk to ([`Tenant`],
[`ClientId`], [`Scopes`]), how we prove who we are ([`Credential`], client assertions, DPoP),
the grants that mint tokens (`flows`), revocation, and where tokens are kept ([`TokenStore`]).

The protocol facts behind each piece are in `shared/okta-reference.md`; each module's header
names the RFC sections it implements.
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod profile;
pub mod secret;
pub mod store;

pub use profile::{Flow, Profile, ProfileSecrets, StoreKind, StoredCredential, TokenType};
pub use secret::SecretString;
pub use store::{StoreError, StoreMode, TokenStore};
