//! Rate limits and pagination against the sandbox.

mod pagination;
mod rate_limits;
