/*!
Passkeys for Okta users (reference §8): enrol a WebAuthn factor and print the standard creation
options, activate it with a `PublicKeyCredential` from a browser or authenticator, or let the
built-in software authenticator create the credential and export it for a password manager —
for one user or thousands from a CSV.

Main items: [`enroll`], [`activate`], [`list`], [`delete`], [`new_passkey`],
[`create_credential`], [`PasskeyExport`], [`provision::provision`] and [`PasskeyError`].
*/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod authenticator;
mod error;
mod export;
mod factors;
pub mod provision;
mod timeout;

pub use crate::authenticator::{
    AttestationFormat, AttestationResponse, COSE_ES256, CreatedCredential, PublicKeyCredential,
    create_credential,
};
pub use crate::error::PasskeyError;
pub use crate::export::PasskeyExport;
pub use crate::factors::{
    Enrollment, activate, delete, enroll, list, new_passkey, origin_for, resolve_user,
};
pub use crate::timeout::{DEFAULT_CHALLENGE_TIMEOUT, parse_challenge_timeout};
