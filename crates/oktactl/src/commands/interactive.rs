//! `oktactl connect` without a credential: a person signs in, in the system browser
//! (authorization code + PKCE with a loopback redirect) or with `--device` (RFC 8628). The
//! protocol is in `oktactl_auth::flows`; this file only prints, opens the browser and stores.

use std::time::Duration;

use oktactl_auth::config::OktaYamlClient;
use oktactl_auth::flows::auth_code::{SignInOptions, sign_in};
use oktactl_auth::flows::device;
use oktactl_auth::http::unix_now;
use oktactl_auth::id_token::validate_id_token;
use oktactl_auth::loopback::RedirectUri;
use oktactl_auth::{AuthError, ClientId, DpopMode, Flow, Scopes, Session, StoreKind, Tenant};
use serde_json::Value;
use url::Url;

use crate::cli::ConnectArgs;
use crate::commands::{CommandError, Context};
use crate::output::relative;

/// Runs the interactive sign-in and stores the result.
pub async fn run(
    ctx: &Context,
    args: &ConnectArgs,
    yaml: &OktaYamlClient,
) -> Result<(), CommandError> {
    let (tenant, client_id, scopes, dpop) = resolve_interactive(args, yaml)?;
    let http = ctx.http()?;
    let login_timeout = Duration::from_secs(args.login_timeout);
    let open_browser = !args.no_browser && display_available();
    let (flow, grant, id_claims) = if args.device {
        let authorization = device::start(&http, &tenant, &client_id, &scopes).await?;
        eprintln!(
            "To sign in, open {} and enter the code {}",
            authorization.verification_uri, authorization.user_code
        );
        if let Some(complete) = &authorization.verification_uri_complete {
            eprintln!("Or open this link, which fills in the code: {complete}");
            if open_browser {
                open_in_browser(complete);
            }
        }
        eprintln!("Waiting for the sign-in to be approved…");
        let polled = tokio::time::timeout(
            login_timeout,
            device::poll(
                &http,
                &tenant,
                &client_id,
                &authorization,
                dpop,
                tokio::time::sleep,
            ),
        )
        .await
        .map_err(|_| AuthError::LoginTimeout {
            seconds: login_timeout.as_secs(),
        })??;
        let claims = match &polled.response.id_token {
            Some(id_token) => Some(
                validate_id_token(&http, &tenant, &client_id, id_token, None, unix_now()).await?,
            ),
            None => None,
        };
        (Flow::DeviceCode, polled, claims)
    } else {
        let options = SignInOptions {
            redirect: RedirectUri::parse(&args.redirect_uri)?,
            timeout: login_timeout,
            dpop,
        };
        let signed = sign_in(&http, &tenant, &client_id, &scopes, &options, |url| {
            eprintln!("Sign in to continue; open this URL in a browser:\n\n  {url}\n");
            if open_browser {
                open_in_browser(url.as_str());
            } else {
                eprintln!("(not opening a browser: --no-browser, no display, or an SSH session)");
            }
            eprintln!(
                "Waiting up to {} s for the sign-in (--login-timeout)…",
                login_timeout.as_secs()
            );
        })
        .await?;
        (Flow::AuthorizationCode, signed.grant, signed.id_claims)
    };
    let mut session =
        Session::from_user_grant(&ctx.profile, tenant, client_id, &scopes, flow, grant);
    let store = ctx.store()?;
    let kind = session.save(&store)?;
    if kind == StoreKind::File && ctx.store_mode_is_auto() {
        eprintln!(
            "warning: no OS keyring available; the token is stored in {} (mode 0600)",
            store.secrets_path(&ctx.profile).display()
        );
    }
    let profile = session.profile();
    let user = id_claims
        .as_ref()
        .and_then(|c| c.get("preferred_username").and_then(Value::as_str))
        .map(|u| format!(" as {u}"))
        .unwrap_or_default();
    let expiry = profile
        .expires_at
        .map(|e| format!(", expires {}", relative(e - unix_now())))
        .unwrap_or_default();
    let refresh = if session.has_refresh_token() {
        "; refreshes silently"
    } else {
        "; no refresh token (add the offline_access scope to stay signed in)"
    };
    eprintln!(
        "Signed in to {}{user} with app {} ({} token{expiry}{refresh}; profile '{}').",
        profile.tenant,
        profile.client_id,
        profile.token_type.as_str(),
        profile.name
    );
    Ok(())
}

/// Tenant, app, scopes and DPoP mode for an interactive sign-in: flags, then `OKTA_CLIENT_*`,
/// then `okta.yaml`, as for the other parameter sets.
fn resolve_interactive(
    args: &ConnectArgs,
    yaml: &OktaYamlClient,
) -> Result<(Tenant, ClientId, Scopes, DpopMode), CommandError> {
    let tenant_text = args
        .tenant
        .clone()
        .or_else(|| yaml.org_url.clone())
        .ok_or_else(|| {
            CommandError::Usage(
                "no tenant: pass --tenant example.okta.com (or set OKTA_CLIENT_ORGURL)".into(),
            )
        })?;
    let tenant = Tenant::parse(&tenant_text)?;
    let client_id = args
        .client_id
        .clone()
        .or_else(|| yaml.client_id.clone())
        .ok_or_else(|| {
            CommandError::Usage(
                "no credential and no client id: pass --client-id 0oa... of the app people sign \
                 in to (browser or --device), or a credential (--jwk, --private-key, \
                 --client-secret, --api-token)"
                    .into(),
            )
        })?;
    let client_id = ClientId::parse(&client_id, &tenant)?;
    let scopes = if args.scopes.is_empty() {
        Scopes::parse(&yaml.scopes)?
    } else {
        Scopes::parse(&args.scopes)?
    };
    let dpop = match (args.dpop, args.no_dpop) {
        (true, _) => DpopMode::On,
        (_, true) => DpopMode::Off,
        _ => DpopMode::Auto,
    };
    Ok((tenant, client_id, scopes, dpop))
}

/// Whether a browser can be shown here: not over SSH, and on Linux only with a display.
fn display_available() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("SSH_CONNECTION") || set("SSH_CLIENT") || set("SSH_TTY") {
        return false;
    }
    if cfg!(all(unix, not(target_os = "macos"))) {
        return set("DISPLAY") || set("WAYLAND_DISPLAY");
    }
    true
}

/// Opens `url` in the system browser on a thread of its own (some launchers wait for the
/// browser). Only http(s) URLs are launched (as gh checks the scheme before launching). A
/// failure is not fatal: the URL is printed already.
fn open_in_browser(url: &str) {
    let Ok(parsed) = Url::parse(url) else { return };
    if !matches!(parsed.scheme(), "http" | "https") {
        return;
    }
    let url = url.to_string();
    std::thread::spawn(move || {
        if let Err(e) = webbrowser::open(&url) {
            eprintln!("warning: cannot open a browser ({e}); open the URL above by hand");
        }
    });
}
