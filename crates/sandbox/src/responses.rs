//! The two error shapes the sandbox answers with, as Okta does (reference §7): OAuth errors
//! (RFC 6749 §5.2) from `/oauth2/v1/*` and Okta error bodies from `/api/v1/*`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oktactl_wire::{OAuthErrorBody, OktaErrorBody};

/// The `DPoP-Nonce` response header (RFC 9449 §8).
pub(crate) const DPOP_NONCE: &str = "dpop-nonce";

/// An OAuth error answer: `{"error": …, "error_description": …}`.
#[derive(Debug, Clone)]
pub(crate) struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    /// Sent as `DPoP-Nonce` (with `use_dpop_nonce`).
    pub dpop_nonce: Option<String>,
}

impl OAuthError {
    pub(crate) fn new(
        status: StatusCode,
        error: &'static str,
        description: impl Into<String>,
    ) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            dpop_nonce: None,
        }
    }

    /// 401 `invalid_client`.
    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    /// 400 `invalid_request`.
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// 400 `invalid_scope`.
    pub(crate) fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
    }

    /// 400 `invalid_dpop_proof`.
    pub(crate) fn invalid_dpop_proof(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_dpop_proof", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        tracing::info!(error = self.error, description = %self.description, "oauth request refused");
        let body = OAuthErrorBody {
            error: self.error.to_owned(),
            error_description: Some(self.description),
        };
        let mut response = (self.status, json_text(&body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(nonce) = self.dpop_nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            headers.insert(DPOP_NONCE, nonce);
        }
        response
    }
}

/// An Okta management API error answer (`errorCode`, `errorSummary`, …). Boxed: it travels in
/// every `Result` of the users API and is only built on the refusal path.
#[derive(Debug, Clone)]
pub(crate) struct ApiError(Box<ApiErrorDetails>);

/// What an [`ApiError`] answers with.
#[derive(Debug, Clone)]
pub(crate) struct ApiErrorDetails {
    pub status: StatusCode,
    pub code: &'static str,
    pub summary: String,
    pub causes: Vec<String>,
    pub www_authenticate: Option<String>,
    pub dpop_nonce: Option<String>,
    /// Answered in place of the Okta body (the resource server's `use_dpop_nonce`).
    pub oauth_body: Option<OAuthErrorBody>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, summary: impl Into<String>) -> Self {
        ApiError(Box::new(ApiErrorDetails {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
            www_authenticate: None,
            dpop_nonce: None,
            oauth_body: None,
        }))
    }

    /// 404 E0000007 for a missing resource of `kind` (e.g. `User`).
    pub(crate) fn not_found(what: &str, kind: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {what} ({kind})"),
        )
    }

    /// 400 E0000031 for an unparsable `filter`/`search` expression.
    pub(crate) fn invalid_search() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000031",
            "Invalid search criteria.",
        )
    }

    /// 400 E0000001 naming the invalid parameter.
    pub(crate) fn validation(cause: impl Into<String>) -> Self {
        let mut err = Self::new(StatusCode::BAD_REQUEST, "E0000001", "Api validation failed");
        err.causes.push(cause.into());
        err
    }
}

impl std::ops::Deref for ApiError {
    type Target = ApiErrorDetails;

    fn deref(&self) -> &ApiErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ApiErrorDetails {
        &mut self.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let this = *self.0;
        tracing::info!(code = this.code, summary = %this.summary, "api request refused");
        let body = OktaErrorBody {
            error_code: this.code.to_owned(),
            error_summary: this.summary,
            error_link: Some(this.code.to_owned()),
            error_id: Some(format!("oae{}", oktactl_jose::random_base64url(16))),
            error_causes: this
                .causes
                .into_iter()
                .map(|error_summary| oktactl_wire::OktaErrorCause { error_summary })
                .collect(),
        };
        let text = match &this.oauth_body {
            Some(oauth) => json_text(oauth),
            None => json_text(&body),
        };
        let mut response = (this.status, text).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(value) = this
            .www_authenticate
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some(nonce) = this.dpop_nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            headers.insert(DPOP_NONCE, nonce);
        }
        response
    }
}

/// Serializes `body`; the wire types here are plain structs of strings, which cannot fail to
/// serialize, but an empty object is answered rather than panicking if one ever did.
pub(crate) fn json_text<T: serde::Serialize>(body: &T) -> String {
    serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned())
}

/// A JSON 200 answer with `Cache-Control: no-store` (RFC 6749 §5.1).
pub(crate) fn json_no_store<T: serde::Serialize>(body: &T) -> Response {
    let mut response = (StatusCode::OK, json_text(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// A JSON 200 answer.
pub(crate) fn json<T: serde::Serialize>(body: &T) -> Response {
    let mut response = (StatusCode::OK, json_text(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
