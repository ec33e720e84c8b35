//! The access tokens the sandbox mints: RS256 JWTs signed with its own key, shaped like the
//! org authorization server's (`ver`, `jti` = `AT.…`, `cid`, `scp`, `cnf.jkt` when DPoP-bound,
//! RFC 9449 §6.1).

use oktactl_jose::random_base64url;
use oktactl_wire::{AccessTokenClaims, Confirmation, JwsHeader};

use crate::state::{AppState, IssuedToken};

/// A freshly minted token.
pub(crate) struct Minted {
    pub token: String,
    pub lifetime: u64,
}

/// Mints and records an access token for `client_id`.
pub(crate) fn mint(
    state: &AppState,
    client_id: &str,
    scopes: &[String],
    lifetime: u64,
    jkt: Option<String>,
) -> Result<Minted, oktactl_jose::JoseError> {
    mint_for(state, client_id, scopes, lifetime, jkt, None)
}

/// Mints and records an access token for `client_id`, on behalf of `user` (`(id, login)`) when
/// given: `uid` is the user id and `sub` the login, as Okta's user tokens have.
pub(crate) fn mint_for(
    state: &AppState,
    client_id: &str,
    scopes: &[String],
    lifetime: u64,
    jkt: Option<String>,
    user: Option<(&str, &str)>,
) -> Result<Minted, oktactl_jose::JoseError> {
    let now = state.now();
    let exp = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let claims = AccessTokenClaims {
        ver: 1,
        jti: format!("AT.{}", random_base64url(32)),
        iss: state.base_url.clone(),
        aud: state.base_url.clone(),
        iat: now,
        exp,
        cid: client_id.to_owned(),
        uid: user.map(|(id, _)| id.to_owned()),
        scp: scopes.to_vec(),
        sub: user.map_or_else(|| client_id.to_owned(), |(_, login)| login.to_owned()),
        cnf: jkt.clone().map(|jkt| Confirmation { jkt }),
    };
    let header = JwsHeader {
        alg: state.signing_key.algorithm().as_str().to_owned(),
        kid: state.signing_key.kid().map(str::to_owned),
        ..JwsHeader::default()
    };
    let token = state.signing_key.sign(&header, &claims)?;
    state.record_token(
        claims.jti,
        IssuedToken {
            client_id: client_id.to_owned(),
            scopes: scopes.to_vec(),
            iat: now,
            exp,
            jkt,
            revoked: false,
        },
    );
    Ok(Minted { token, lifetime })
}

/// Why a presented token is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// Not a token this sandbox signed and recorded.
    Unknown,
    /// Past `exp` on the sandbox clock.
    Expired,
    /// Revoked at `/oauth2/v1/revoke`.
    Revoked,
}

/// A token this sandbox issued, looked up from its text.
#[derive(Debug, Clone)]
pub(crate) struct KnownToken {
    pub jti: String,
    pub record: IssuedToken,
}

/// Verifies the signature and issuer of `token` and finds its record, whatever its state.
pub(crate) fn lookup(state: &AppState, token: &str) -> Option<KnownToken> {
    let (_, claims) = state
        .verifying_key
        .verify::<AccessTokenClaims>(token)
        .ok()?;
    if claims.iss != state.base_url || claims.aud != state.base_url {
        return None;
    }
    let record = state.issued_token(&claims.jti)?;
    Some(KnownToken {
        jti: claims.jti,
        record,
    })
}

/// Like [`lookup`], but only for a token that is still usable.
pub(crate) fn active(state: &AppState, token: &str) -> Result<KnownToken, TokenProblem> {
    let known = lookup(state, token).ok_or(TokenProblem::Unknown)?;
    if known.record.revoked {
        return Err(TokenProblem::Revoked);
    }
    if known.record.exp <= state.now() {
        return Err(TokenProblem::Expired);
    }
    Ok(known)
}
