//! `oktactl doctor`: a checklist that explains a failing set-up in plain words. Each line is ✓
//! or ✗ with the fix. It mints one token to test the app's set-up but saves nothing.
//!
//! The checks follow what users of comparable tools struggle with (reference §9): the network
//! path (proxy, CA), the clock (reference §2), the key, DPoP (§3), scopes and admin roles.

use oktactl_api::OktaClient;
use oktactl_auth::{AuthError, Flow, Session, StoredCredential, TokenType};
use reqwest::Method;
use serde::Serialize;
use serde_json::json;

use crate::cli::DoctorArgs;
use crate::commands::{CommandError, Context};
use crate::output::print_line;

/// Okta refuses assertions that look too far in the future; beyond this skew we warn.
const MAX_SKEW_SECS: i64 = 30;

/// One line of the report.
#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Runs `doctor`: exit 0 when every check passes, 1 otherwise.
pub async fn run(ctx: &Context, args: DoctorArgs) -> Result<(), CommandError> {
    let checks = checks(ctx).await;
    let ok = checks.iter().all(|c| c.ok);
    if args.json {
        print_line(&json!({ "ok": ok, "profile": ctx.profile, "checks": checks }).to_string())?;
    } else {
        for check in &checks {
            let mark = if check.ok { "✓" } else { "✗" };
            print_line(&format!("{mark} {}: {}", check.name, check.detail))?;
            if let Some(fix) = &check.fix {
                print_line(&format!("    fix: {fix}"))?;
            }
        }
    }
    if ok {
        Ok(())
    } else {
        Err(CommandError::ExitSilently(1))
    }
}

async fn checks(ctx: &Context) -> Vec<Check> {
    let mut checks = Vec::new();
    let store = match ctx.store() {
        Ok(store) => store,
        Err(e) => {
            checks.push(Check::fail(
                "profile",
                e.to_string(),
                "check OKTACTL_CONFIG_DIR and OKTACTL_TOKEN_STORE",
            ));
            return checks;
        }
    };
    let session = match Session::load(&store, &ctx.profile) {
        Ok(session) => session,
        Err(e) => {
            checks.push(Check::fail(
                "profile",
                e.to_string(),
                format!(
                    "run `oktactl connect --profile {} --tenant <org> --client-id <id> --jwk @key.json`",
                    ctx.profile
                ),
            ));
            return checks;
        }
    };
    let profile = session.profile().clone();
    checks.push(Check::pass(
        "profile",
        format!(
            "'{}': {} as {} ({})",
            profile.name,
            profile.tenant,
            profile.client_id,
            profile.flow.as_str()
        ),
    ));
    let http = match ctx.http() {
        Ok(http) => http,
        Err(e) => {
            checks.push(Check::fail(
                "network",
                e.to_string(),
                "pass a readable PEM file to --ca-file",
            ));
            return checks;
        }
    };

    // Reachability, through whatever proxy applies, with whatever CA is trusted.
    let route = network_route(&profile.tenant, ctx);
    let probe = format!("{}/.well-known/oauth-authorization-server", profile.tenant);
    let headers = match http.inner().get(&probe).send().await {
        Ok(response) => {
            checks.push(Check::pass(
                "tenant reachable",
                format!("HTTP {} from {probe} ({route})", response.status().as_u16()),
            ));
            response.headers().clone()
        }
        Err(e) => {
            let error = http.send_error(&probe, &e);
            let fix = match &error {
                AuthError::Tls { .. } => {
                    "pass your organisation's CA with --ca-file <pem> (or set SSL_CERT_FILE)"
                        .to_string()
                }
                AuthError::Timeout { .. } => {
                    "raise --timeout, or check the proxy settings (HTTPS_PROXY, NO_PROXY)".into()
                }
                _ => "check the tenant address, your network and the proxy settings \
                      (HTTPS_PROXY, NO_PROXY)"
                    .into(),
            };
            checks.push(Check::fail(
                "tenant reachable",
                format!("{error} ({route})"),
                fix,
            ));
            return checks;
        }
    };

    // The clock: Okta refuses assertions that look too far in the future (reference §2).
    match oktactl_auth::http::clock_skew(&headers) {
        Some(skew) if skew.abs() > MAX_SKEW_SECS => checks.push(Check::fail(
            "clock",
            format!(
                "the local clock is {} s {} the server's (Date header); Okta refuses client \
                 assertions and DPoP proofs that look too far in the future or past",
                skew.abs(),
                if skew > 0 { "ahead of" } else { "behind" }
            ),
            "synchronise the clock (e.g. `timedatectl set-ntp true` or `sudo ntpdate pool.ntp.org`)",
        )),
        Some(skew) => checks.push(Check::pass(
            "clock",
            format!("within {} s of the server's (Date header)", skew.abs().max(0)),
        )),
        None => checks.push(Check::pass("clock", "the server sent no Date header to compare")),
    }

    if profile.flow == Flow::ApiToken {
        checks.push(Check::pass(
            "credential",
            "SSWS API token (no client key, no token request, no DPoP)",
        ));
        api_check(&mut checks, http, session, &[]).await;
        return checks;
    }

    // The key.
    if let Ok(Some(secrets)) = store.load_secrets(&profile) {
        match &secrets.client_credential {
            Some(StoredCredential::PrivateKeyJwk(jwk)) => {
                match oktactl_jose::SigningKey::from_jwk_json(jwk.secret()) {
                    Ok(key) => checks.push(Check::pass(
                        "client key",
                        format!(
                            "kid {}, {}",
                            key.kid().unwrap_or("(none)"),
                            key.algorithm().as_str()
                        ),
                    )),
                    Err(e) => checks.push(Check::fail(
                        "client key",
                        format!("the stored key is unusable: {e}"),
                        "connect again with --jwk or --private-key",
                    )),
                }
            }
            Some(StoredCredential::ClientSecret(_)) => checks.push(Check::pass(
                "client key",
                "client secret (Okta refuses it for okta.* scopes on the org authorization server)",
            )),
            None => {}
        }
    }

    // A token request: does the app accept the assertion?
    let mut fresh = session.clone();
    match fresh.renew(&http).await {
        Ok(()) => checks.push(Check::pass(
            "token request",
            format!(
                "the app accepted the client assertion ({} token)",
                fresh.profile().token_type.as_str()
            ),
        )),
        Err(e) => {
            let fix = token_fix(&e, &profile.client_id);
            checks.push(Check::fail("token request", e.to_string(), fix));
            return checks;
        }
    }

    // DPoP, from the token type.
    checks.push(Check::pass(
        "DPoP",
        if fresh.profile().token_type == TokenType::DPoP {
            "the app requires DPoP: other tools need `oktactl proxy` or `oktactl exec` to use \
             this connection (the token alone is useless without its key)"
        } else {
            "the app does not require DPoP (Bearer token)"
        },
    ));

    // Requested vs granted scopes, from the token's `scp` claim.
    let granted = granted_scopes(&fresh);
    let missing: Vec<&String> = profile
        .scopes
        .iter()
        .filter(|s| !granted.contains(s))
        .collect();
    if missing.is_empty() {
        checks.push(Check::pass(
            "scopes",
            format!("granted: {}", granted.join(" ")),
        ));
    } else {
        let missing: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        checks.push(Check::fail(
            "scopes",
            format!(
                "requested {} but the token holds {}",
                profile.scopes.join(" "),
                if granted.is_empty() {
                    "none".to_string()
                } else {
                    granted.join(" ")
                }
            ),
            format!(
                "grant {} to app {} (Admin Console > Applications > the app > Okta API Scopes)",
                missing.join(" "),
                profile.client_id
            ),
        ));
    }
    api_check(&mut checks, http, fresh, &granted).await;
    checks
}

/// One API call; a 403 names the missing scope or the admin role that is likely missing.
async fn api_check(
    checks: &mut Vec<Check>,
    http: oktactl_auth::HttpClient,
    session: Session,
    granted: &[String],
) {
    let path = "/api/v1/users?limit=1";
    let client_id = session.profile().client_id.clone();
    let client = OktaClient::new(http, session);
    match client.request(Method::GET, path, None).await {
        Ok(response) if (200..300).contains(&response.status) => checks.push(Check::pass(
            "API call",
            format!("GET {path}: HTTP {}", response.status),
        )),
        Ok(response) => {
            let status = response.status;
            let challenge = response
                .headers
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let error = response
                .error_for_status()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            let fix = if status == 403 && challenge.contains("insufficient_scope") {
                let scope = challenge
                    .split("scope=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap_or("okta.users.read");
                format!(
                    "grant {scope} to app {client_id} (Okta API Scopes tab) and connect with --scopes {scope}"
                )
            } else if status == 403 {
                format!(
                    "the app {client_id} likely lacks an admin role: assign one in Admin Console > \
                     Applications > the app > Admin roles — Read-Only Administrator to read users, \
                     Help Desk or Group Administrator to manage them (granted scopes: {})",
                    granted.join(" ")
                )
            } else if status == 401 {
                "the token was refused: run `oktactl connect` again".to_string()
            } else {
                "see the error above".to_string()
            };
            checks.push(Check::fail("API call", format!("GET {path}: {error}"), fix));
        }
        Err(e) => checks.push(Check::fail(
            "API call",
            format!("GET {path}: {e}"),
            "see the error above",
        )),
    }
}

/// The plain-words fix for a refused token request.
fn token_fix(error: &AuthError, client_id: &str) -> String {
    let text = error.to_string();
    if text.contains("too far into the future") || text.contains("expired") || text.contains("iat")
    {
        return "synchronise the local clock (see the clock check)".into();
    }
    match error {
        AuthError::OAuth { error, .. } if error == "invalid_client" => format!(
            "the key does not match a public key registered for app {client_id}: add its public \
             key in the app's General tab (Client Credentials > Public keys), or connect with the \
             right --jwk/--private-key"
        ),
        AuthError::OAuth { error, .. } if error == "invalid_scope" => format!(
            "grant the requested scopes to app {client_id} (Okta API Scopes tab), or connect with \
             fewer --scopes"
        ),
        AuthError::OAuth { error, .. } if error == "invalid_dpop_proof" => {
            "the app requires DPoP: connect again without --no-dpop".into()
        }
        AuthError::Tls { .. } => "pass your organisation's CA with --ca-file <pem>".into(),
        _ => "connect again: `oktactl connect ...`".into(),
    }
}

/// The token's `scp` claim (Okta access tokens are JWTs); else the `scope` of the response.
fn granted_scopes(session: &Session) -> Vec<String> {
    let claims =
        oktactl_jose::decode_unverified::<serde_json::Value>(session.access_token().secret())
            .ok()
            .map(|(_, claims)| claims);
    match claims.as_ref().and_then(|c| c.get("scp")) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(serde_json::Value::String(text)) => {
            text.split_whitespace().map(str::to_string).collect()
        }
        _ => session.profile().granted_scopes.clone(),
    }
}

/// Which proxy and CA a request to `tenant` uses, in words.
fn network_route(tenant: &str, ctx: &Context) -> String {
    let env = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
    };
    let host = url::Url::parse(tenant)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let proxy = if tenant.starts_with("https://") {
        env(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
    } else {
        env(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
    };
    let bypassed = env(&["NO_PROXY", "no_proxy"]).is_some_and(|list| {
        list.split(',').map(str::trim).any(|entry| {
            entry == "*"
                || (!entry.is_empty()
                    && (host == entry.trim_start_matches('.')
                        || host.ends_with(&format!(".{}", entry.trim_start_matches('.')))))
        })
    });
    let via = match proxy {
        Some(_) if bypassed => "direct (NO_PROXY)".to_string(),
        Some(p) => format!("via proxy {}", redact_userinfo(&p)),
        None => "direct, no proxy set".to_string(),
    };
    let ca = if ctx.ca_files.is_empty() {
        "platform CA roots".to_string()
    } else {
        let files: Vec<String> = ctx
            .ca_files
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        format!("platform CA roots + {}", files.join(", "))
    };
    format!("{via}; {ca}")
}

/// `http://user:pass@proxy:3128` → `http://***@proxy:3128`.
fn redact_userinfo(proxy: &str) -> String {
    match proxy.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => proxy.to_string(),
        },
        None => proxy.to_string(),
    }
}
