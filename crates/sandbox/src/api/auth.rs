//! Who calls the users API: `Authorization: Bearer`, `DPoP` (with a proof, RFC 9449 §7) or
//! `SSWS` (legacy API tokens), and what scopes they hold (reference §7).

use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, StatusCode, header};
use oktactl_wire::OAuthErrorBody;

use crate::oauth::access_token::{self, KnownToken};
use crate::oauth::dpop::{self, ProofContext, ProofError};
use crate::responses::ApiError;
use crate::state::{AppState, NonceIssuer};

/// Algorithms advertised in a `DPoP` challenge (RFC 9449 §7.1).
const DPOP_ALGS: &str = "RS256 RS384 RS512 ES256 ES384 ES512";

/// The scheme a caller used, which decides the scheme of any challenge sent back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Bearer,
    Dpop,
}

/// An authenticated caller of the users API.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// An SSWS API token: every permission.
    ApiToken,
    /// An OAuth access token with these scopes.
    Token { scheme: Scheme, scopes: Vec<String> },
}

/// The request facts authentication needs.
pub(crate) struct ResourceRequest<'a> {
    pub method: &'a str,
    /// The path exactly as received (still percent-encoded), without the query.
    pub raw_path: &'a str,
    pub headers: &'a HeaderMap,
}

/// Authenticates a users API request.
pub(crate) fn authenticate(
    state: &AppState,
    request: &ResourceRequest<'_>,
) -> Result<Caller, ApiError> {
    let refuse = |scheme, error: &str, description: &str| {
        invalid_token(challenge(
            state,
            scheme,
            error,
            description,
            request.raw_path,
        ))
    };
    let invalid = |scheme| refuse(scheme, "invalid_token", "The access token is invalid.");
    let Some(value) = request.headers.get(header::AUTHORIZATION) else {
        return Err(invalid(Scheme::Bearer));
    };
    let value = value.to_str().map_err(|_| invalid(Scheme::Bearer))?.trim();
    let (scheme, credential) = value.split_once(' ').unwrap_or((value, ""));
    let credential = credential.trim();
    if scheme.eq_ignore_ascii_case("SSWS") {
        let known = state
            .config
            .api_tokens
            .iter()
            .any(|token| token.token == credential);
        return if known && !credential.is_empty() {
            Ok(Caller::ApiToken)
        } else {
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "E0000011",
                "Invalid token provided",
            ))
        };
    }
    if scheme.eq_ignore_ascii_case("Bearer") {
        let known = access_token::active(state, credential).map_err(|_| invalid(Scheme::Bearer))?;
        if known.record.jkt.is_some() {
            // RFC 9449 §7.2: a DPoP-bound token is not a bearer token.
            return Err(refuse(
                Scheme::Dpop,
                "invalid_token",
                "The access token is DPoP-bound and must be sent with the DPoP scheme.",
            ));
        }
        return Ok(Caller::Token {
            scheme: Scheme::Bearer,
            scopes: known.record.scopes,
        });
    }
    if scheme.eq_ignore_ascii_case("DPoP") {
        let known = access_token::active(state, credential).map_err(|_| invalid(Scheme::Dpop))?;
        check_resource_proof(state, request, credential, &known)?;
        return Ok(Caller::Token {
            scheme: Scheme::Dpop,
            scopes: known.record.scopes,
        });
    }
    Err(invalid(Scheme::Bearer))
}

/// Refuses a caller that holds none of `any_of`; `shown` is the scope named in the challenge.
pub(crate) fn require_scope(
    state: &AppState,
    caller: &Caller,
    any_of: &[&str],
    shown: &str,
    raw_path: &str,
) -> Result<(), ApiError> {
    let Caller::Token { scheme, scopes } = caller else {
        return Ok(());
    };
    if scopes.iter().any(|scope| any_of.contains(&scope.as_str())) {
        return Ok(());
    }
    let mut err = ApiError::new(
        StatusCode::FORBIDDEN,
        "E0000006",
        "You do not have permission to perform the requested action",
    );
    err.www_authenticate = Some(format!(
        "{}authorization_uri=\"{}\", realm=\"IdP\", scope=\"{shown}\", error=\"insufficient_scope\", \
         error_description=\"The access token provided does not contain the required scopes.\", \
         resource=\"{raw_path}\"",
        scheme_prefix(*scheme),
        state.url("/oauth2/v1/authorize"),
    ));
    Err(err)
}

fn check_resource_proof(
    state: &AppState,
    request: &ResourceRequest<'_>,
    token: &str,
    known: &KnownToken,
) -> Result<(), ApiError> {
    let refuse = |err: ProofError| {
        invalid_token(challenge(
            state,
            Scheme::Dpop,
            "invalid_dpop_proof",
            err.description(),
            request.raw_path,
        ))
    };
    let Some(bound_to) = known.record.jkt.as_deref() else {
        return Err(invalid_token(challenge(
            state,
            Scheme::Dpop,
            "invalid_token",
            "The access token is not DPoP-bound.",
            request.raw_path,
        )));
    };
    let proof = dpop::proof_header(request.headers).map_err(refuse)?;
    // htu is built from the path as received, byte for byte (reference §3).
    let url = state.url(request.raw_path);
    let context = ProofContext {
        method: request.method,
        url: &url,
        access_token: Some(token),
    };
    let verified = dpop::verify_proof(state, proof, &context).map_err(refuse)?;
    if verified.jkt != bound_to {
        return Err(refuse(ProofError::KeyMismatch));
    }
    let nonce_ok = verified
        .nonce
        .as_deref()
        .is_some_and(|nonce| state.nonce_is_valid(NonceIssuer::ResourceServer, nonce));
    if state
        .controls
        .require_resource_nonce
        .load(Ordering::Relaxed)
        && !nonce_ok
    {
        // RFC 9449 §9: the resource server's nonce challenge. The RFC puts the error only in
        // `WWW-Authenticate`; the official Python SDK (3.4.6, `fire_request_helper`) reads it from
        // an OAuth error body, so the answer carries both.
        let description = "Resource server requires nonce in DPoP proof.";
        let mut err = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        );
        err.oauth_body = Some(OAuthErrorBody {
            error: "use_dpop_nonce".to_owned(),
            error_description: Some(description.to_owned()),
        });
        err.www_authenticate = Some(format!(
            "DPoP algs=\"{DPOP_ALGS}\", error=\"use_dpop_nonce\", \
             error_description=\"{description}\""
        ));
        err.dpop_nonce = Some(state.current_nonce(NonceIssuer::ResourceServer));
        return Err(err);
    }
    Ok(())
}

/// 401 E0000011 with a challenge.
fn invalid_token(www_authenticate: String) -> ApiError {
    let mut err = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
    );
    err.www_authenticate = Some(www_authenticate);
    err
}

/// Okta's `WWW-Authenticate` value for users API refusals.
fn challenge(
    state: &AppState,
    scheme: Scheme,
    error: &str,
    description: &str,
    resource: &str,
) -> String {
    format!(
        "{}authorization_uri=\"{}\", realm=\"IdP\", scope=\"okta.users.read\", error=\"{error}\", \
         error_description=\"{description}\", resource=\"{resource}\"",
        scheme_prefix(scheme),
        state.url("/oauth2/v1/authorize"),
    )
}

fn scheme_prefix(scheme: Scheme) -> String {
    match scheme {
        Scheme::Bearer => "Bearer ".to_owned(),
        Scheme::Dpop => format!("DPoP algs=\"{DPOP_ALGS}\", "),
    }
}
