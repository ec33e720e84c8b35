//! [`ApiError`], the one error type of this crate.

use oktactl_auth::{AuthError, ErrorKind};

/// Failures of API calls.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Getting or presenting the token failed, or the API refused (see [`AuthError::Api`] for
    /// Okta's `errorCode`/`errorSummary`, e.g. `E0000007: Not found: …`).
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
    /// A page's `Link: rel="next"` points away from the tenant, e.g.
    /// `<https://elsewhere.example/api/v1/users?after=x>`; it is not followed, so the token is
    /// never sent there.
    #[error("not following a next-page link to another host: {url}")]
    ForeignLink {
        /// The link target.
        url: String,
    },
    /// A listing went on for more than the page limit (a server linking a page to itself).
    #[error("stopped after {max} pages: the listing does not end")]
    TooManyPages {
        /// The limit.
        max: usize,
    },
}

impl ApiError {
    /// The kind of failure, for exit codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Auth(e) => e.kind(),
            ApiError::InvalidPath { .. } => ErrorKind::BadInput,
            ApiError::Json { .. }
            | ApiError::ForeignLink { .. }
            | ApiError::TooManyPages { .. } => ErrorKind::Refused,
        }
    }

    /// Okta's `errorCode` when the API refused with an Okta error body, e.g. `E0000007`.
    pub fn okta_error_code(&self) -> Option<&str> {
        match self {
            ApiError::Auth(AuthError::Api { code, .. }) => Some(code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_formats_on_one_line() {
        let errors = [
            ApiError::InvalidPath {
                path: "https://evil.example/".into(),
                reason: "absolute URLs must point at the connected tenant".into(),
            },
            ApiError::Json {
                url: "https://o.okta.com/api/v1/users".into(),
                reason: "expected an array".into(),
            },
            ApiError::ForeignLink {
                url: "https://evil.example/next".into(),
            },
            ApiError::TooManyPages { max: 10_000 },
            ApiError::Auth(AuthError::Api {
                url: "https://o.okta.com/api/v1/users/x".into(),
                status: 404,
                code: "E0000007".into(),
                summary: "Not found: Resource not found: x (User)".into(),
                hint: None,
            }),
        ];
        for error in errors {
            let text = error.to_string();
            assert!(!text.contains('\n') && !text.ends_with('.'), "{text}");
            let _ = error.kind();
        }
    }
}
