//! The grants that mint tokens, one module each.

pub mod client_credentials;
