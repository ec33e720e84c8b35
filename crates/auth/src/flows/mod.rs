//! The grants that mint tokens, one module each.

pub mod auth_code;
pub mod client_credentials;
pub mod device;
pub mod refresh;
