//! The management API subset (`/api/v1/*`, reference §7).

pub(crate) mod auth;
pub(crate) mod factors;
pub(crate) mod filter;
pub(crate) mod users;
