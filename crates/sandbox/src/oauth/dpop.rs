//! DPoP proof validation (RFC 9449 §4.3), shared by the token endpoint (§5) and the users API
//! (§7). Nonce handling differs between the two and lives with each caller (§8, §9).
//!
//! Okta's wording of the refusals is followed where known (reference §3); the rest follow the
//! same `'<claim>' claim in the DPoP proof JWT is invalid.` pattern.

use axum::http::HeaderMap;
use base64::Engine;
use oktactl_jose::{Algorithm, JoseError, VerifyingKey};
use oktactl_wire::{DPOP_PROOF_TYP, PublicJwk};
use serde_json::Value;

use crate::oauth::client_auth::numeric_date;
use crate::state::{AppState, PROOF_IAT_WINDOW_SECONDS};

/// JWK members that only a private key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Why a proof was refused. Each has its own description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProofError {
    Missing,
    Multiple,
    Malformed,
    Typ,
    Alg,
    Jwk,
    Signature,
    Htm,
    Htu,
    Iat,
    Jti,
    Ath,
    Replayed,
    Nonce,
    SameKeyAsClient,
    KeyMismatch,
}

impl ProofError {
    /// The `error_description` for this refusal.
    pub(crate) fn description(self) -> &'static str {
        match self {
            ProofError::Missing => "The DPoP proof JWT header is missing.",
            ProofError::Multiple => "Only one DPoP proof JWT header may be sent.",
            ProofError::Malformed => "The DPoP proof JWT is malformed.",
            ProofError::Typ => "'typ' header in the DPoP proof JWT is invalid.",
            ProofError::Alg => "'alg' header in the DPoP proof JWT is invalid.",
            ProofError::Jwk => "'jwk' header in the DPoP proof JWT is invalid.",
            ProofError::Signature => "The DPoP proof JWT signature is invalid.",
            ProofError::Htm => "'htm' claim in the DPoP proof JWT is invalid.",
            ProofError::Htu => "'htu' claim in the DPoP proof JWT is invalid.",
            ProofError::Iat => "'iat' claim in the DPoP proof JWT is invalid.",
            ProofError::Jti => "'jti' claim in the DPoP proof JWT is invalid.",
            ProofError::Ath => "'ath' claim in the DPoP proof JWT is invalid.",
            ProofError::Replayed => "The DPoP proof JWT has already been used.",
            ProofError::Nonce => "'nonce' claim in the DPoP proof JWT is invalid.",
            ProofError::SameKeyAsClient => {
                "The DPoP proof JWT must not be signed with the client authentication key."
            }
            ProofError::KeyMismatch => {
                "The DPoP proof JWT key does not match the key the access token is bound to."
            }
        }
    }
}

/// What the request the proof comes with looks like.
pub(crate) struct ProofContext<'a> {
    /// `htm`: the request method.
    pub method: &'a str,
    /// `htu`: the request URL without query and fragment, exactly as the sandbox saw it.
    pub url: &'a str,
    /// The access token, on resource requests (`ath`).
    pub access_token: Option<&'a str>,
}

/// A proof that passed every check but the nonce.
#[derive(Debug)]
pub(crate) struct VerifiedProof {
    /// RFC 7638 thumbprint of the proof key (`cnf.jkt`).
    pub jkt: String,
    /// The `nonce` claim, if any.
    pub nonce: Option<String>,
}

/// The single `DPoP` request header.
pub(crate) fn proof_header(headers: &HeaderMap) -> Result<&str, ProofError> {
    let mut values = headers.get_all("dpop").iter();
    let first = values.next().ok_or(ProofError::Missing)?;
    if values.next().is_some() {
        return Err(ProofError::Multiple);
    }
    first
        .to_str()
        .map(str::trim)
        .map_err(|_| ProofError::Malformed)
}

/// Checks a proof (RFC 9449 §4.3 steps 1–11, except the nonce) and consumes its `jti`.
pub(crate) fn verify_proof(
    state: &AppState,
    proof: &str,
    context: &ProofContext<'_>,
) -> Result<VerifiedProof, ProofError> {
    let header = raw_header(proof).ok_or(ProofError::Malformed)?;
    if header.get("typ").and_then(Value::as_str) != Some(DPOP_PROOF_TYP) {
        return Err(ProofError::Typ);
    }
    // Only asymmetric algorithms are in this list; `none` and HMAC never are (§4.3 step 5).
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Algorithm::from_name);
    if alg.is_none() {
        return Err(ProofError::Alg);
    }
    let jwk_value = header
        .get("jwk")
        .filter(|jwk| jwk.is_object())
        .ok_or(ProofError::Jwk)?;
    if PRIVATE_MEMBERS
        .iter()
        .any(|member| jwk_value.get(member).is_some())
    {
        return Err(ProofError::Jwk);
    }
    let jwk: PublicJwk = serde_json::from_value(jwk_value.clone()).map_err(|_| ProofError::Jwk)?;
    let key = VerifyingKey::from_jwk(&jwk).map_err(|_| ProofError::Jwk)?;
    let (_, claims) = key.verify::<Value>(proof).map_err(|err| match err {
        JoseError::UnexpectedAlgorithm { .. } => ProofError::Alg,
        JoseError::MalformedJws { .. } => ProofError::Malformed,
        _ => ProofError::Signature,
    })?;
    if !claims.is_object() {
        return Err(ProofError::Malformed);
    }

    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("htm") != Some(context.method) {
        return Err(ProofError::Htm);
    }
    // Okta compares the path byte for byte, without RFC 3986 normalisation (reference §3).
    let htu = text("htu").map(without_query_and_fragment);
    if htu != Some(context.url) {
        return Err(ProofError::Htu);
    }
    let now = state.now();
    let iat = claims
        .get("iat")
        .and_then(numeric_date)
        .ok_or(ProofError::Iat)?;
    if (iat - now).abs() > PROOF_IAT_WINDOW_SECONDS {
        return Err(ProofError::Iat);
    }
    let jti = text("jti")
        .filter(|jti| !jti.is_empty())
        .ok_or(ProofError::Jti)?;
    if let Some(token) = context.access_token
        && text("ath") != Some(oktactl_jose::sha256_base64url(token.as_bytes()).as_str())
    {
        return Err(ProofError::Ath);
    }
    let jkt = oktactl_jose::jwk_thumbprint(&jwk).map_err(|_| ProofError::Jwk)?;
    if !state.consume_proof_jti(jti) {
        return Err(ProofError::Replayed);
    }
    Ok(VerifiedProof {
        jkt,
        nonce: text("nonce").map(str::to_owned),
    })
}

/// The protected header as raw JSON, so that private JWK members (which [`PublicJwk`] drops)
/// can be seen and refused.
fn raw_header(token: &str) -> Option<serde_json::Map<String, Value>> {
    let mut parts = token.split('.');
    let (header, _claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn without_query_and_fragment(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// Whether a proof key is one of the app's client-authentication keys; Okta requires them to
/// differ (reference §3).
pub(crate) fn is_client_key(thumbprints: &[String], jkt: &str) -> bool {
    thumbprints.iter().any(|thumbprint| thumbprint == jkt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_comparison_ignores_query_and_fragment_only() {
        assert_eq!(without_query_and_fragment("http://h/p?x=1#f"), "http://h/p");
        assert_eq!(without_query_and_fragment("http://h/p#f?x"), "http://h/p");
        assert_eq!(
            without_query_and_fragment("http://h/a%40b"),
            "http://h/a%40b"
        );
    }

    #[test]
    fn raw_header_refuses_non_objects_and_extra_parts() {
        assert!(raw_header("e30.e30.sig").is_some());
        assert!(raw_header("WzFd.e30.sig").is_none());
        assert!(raw_header("e30.e30").is_none());
        assert!(raw_header("e30.e30.a.b").is_none());
        assert!(raw_header("!!.e30.sig").is_none());
    }

    #[test]
    fn every_refusal_has_its_own_description() {
        use ProofError::*;
        let all = [
            Missing,
            Multiple,
            Malformed,
            Typ,
            Alg,
            Jwk,
            Signature,
            Htm,
            Htu,
            Iat,
            Jti,
            Ath,
            Replayed,
            Nonce,
            SameKeyAsClient,
            KeyMismatch,
        ];
        let mut seen = std::collections::HashSet::new();
        for err in all {
            assert!(seen.insert(err.description()), "{err:?}");
        }
    }
}
