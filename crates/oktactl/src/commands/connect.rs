//! `oktactl connect`: resolve tenant, app, scopes and credential (flags, then the Okta SDKs'
//! environment variables, then `~/.okta/okta.yaml`), get a token, store it. With no credential
//! a person signs in: in the browser (authorization code + PKCE) or with the device flow
//! (`--device`); see `interactive.rs`.

use oktactl_auth::config::{OktaYamlClient, load_okta_yaml, okta_yaml_path};
use oktactl_auth::credential::{
    jwk_from_arg, pem_from_file, private_key_from_sdk_value, read_secret_arg,
};
use oktactl_auth::{ClientId, ConnectRequest, Credential, DpopMode, Scopes, StoreKind, Tenant};

use crate::cli::ConnectArgs;
use crate::commands::{CommandError, Context};
use crate::output::relative;

/// Runs `connect`.
pub async fn run(ctx: &Context, args: ConnectArgs) -> Result<(), CommandError> {
    let yaml = match okta_yaml_path() {
        Some(path) => load_okta_yaml(&path)?.unwrap_or_default(),
        None => OktaYamlClient::default(),
    };
    let Some(request) = resolve(&args, &yaml)? else {
        return crate::commands::interactive::run(ctx, &args, &yaml).await;
    };
    if matches!(request.credential, Credential::ClientSecret(_)) && request.scopes.has_okta_scope()
    {
        eprintln!(
            "warning: Okta refuses client secrets for okta.* scopes on the org authorization server; \
             use --jwk or --private-key"
        );
    }
    let http = ctx.http()?;
    let mut session = oktactl_auth::connect(&http, &ctx.profile, request).await?;
    let store = ctx.store()?;
    // Tokens are keyed by tenant + client id + flow: a profile that held another org or app is
    // replaced whole (metadata and secrets), never mixed with the new one.
    if let Ok(Some(old)) = store.load_profile(&ctx.profile) {
        let new = session.profile();
        if old.tenant != new.tenant || old.client_id != new.client_id || old.flow != new.flow {
            eprintln!(
                "note: profile '{}' held {} as {} ({}); replacing it with {} as {} ({})",
                ctx.profile,
                old.tenant,
                old.client_id,
                old.flow.as_str(),
                new.tenant,
                new.client_id,
                new.flow.as_str()
            );
        }
    }
    let kind = session.save(&store)?;
    if kind == StoreKind::File && ctx.store_mode_is_auto() {
        eprintln!(
            "warning: no OS keyring available; the token is stored in {} (mode 0600)",
            store.secrets_path(&ctx.profile).display()
        );
    }
    let profile = session.profile();
    let expiry = profile
        .expires_at
        .map(|e| format!(", expires {}", relative(e - oktactl_auth::http::unix_now())))
        .unwrap_or_default();
    eprintln!(
        "Connected to {} as {} ({} token{expiry}; profile '{}').",
        profile.tenant,
        profile.client_id,
        profile.token_type.as_str(),
        profile.name
    );
    Ok(())
}

/// Flags win, then `OKTA_CLIENT_*` (clap reads the plain ones), then `okta.yaml`. `None` when
/// there is no credential: the caller signs a person in instead.
fn resolve(
    args: &ConnectArgs,
    yaml: &OktaYamlClient,
) -> Result<Option<ConnectRequest>, CommandError> {
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
    let client_id_text = args.client_id.clone().or_else(|| yaml.client_id.clone());
    if args.device {
        return Ok(None);
    }
    let Some(credential) = resolve_credential(args, yaml)? else {
        return Ok(None);
    };
    let client_id = match (&credential, client_id_text) {
        (_, Some(id)) => ClientId::parse(&id, &tenant)?,
        // An SSWS token belongs to an admin, not an app: the client id is only a label.
        (Credential::ApiToken(_), None) => {
            ClientId::parse("ssws-api-token", &Tenant::parse("http://127.0.0.1")?)?
        }
        (_, None) => {
            return Err(CommandError::Usage(
                "no client id: pass --client-id 0oa... (or set OKTA_CLIENT_CLIENTID)".into(),
            ));
        }
    };
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
    Ok(Some(ConnectRequest {
        tenant,
        client_id,
        scopes,
        credential,
        dpop,
    }))
}

fn resolve_credential(
    args: &ConnectArgs,
    yaml: &OktaYamlClient,
) -> Result<Option<Credential>, CommandError> {
    if let Some(jwk) = &args.jwk {
        let key = jwk_from_arg(jwk, "--jwk")?;
        return Ok(Some(Credential::PrivateKey(Box::new(key))));
    }
    if let Some(path) = &args.private_key {
        let key = pem_from_file(path, "--private-key")?;
        return Ok(Some(Credential::PrivateKey(Box::new(key))));
    }
    if let Some(secret) = &args.client_secret {
        let secret = read_secret_arg(secret, "--client-secret")?;
        return Ok(Some(Credential::ClientSecret(secret)));
    }
    if let Some(token) = &args.api_token {
        let token = read_secret_arg(token, "--api-token")?;
        return Ok(Some(Credential::ApiToken(token)));
    }
    if let Some(key) = std::env::var("OKTA_CLIENT_PRIVATEKEY")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        let key = private_key_from_sdk_value(&key, "OKTA_CLIENT_PRIVATEKEY")?;
        return Ok(Some(Credential::PrivateKey(Box::new(key))));
    }
    if let Some(token) = std::env::var("OKTA_CLIENT_TOKEN")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        let token = read_secret_arg(&token, "OKTA_CLIENT_TOKEN")?;
        return Ok(Some(Credential::ApiToken(token)));
    }
    let mode = yaml.authorization_mode.as_deref().unwrap_or("");
    if let Some(key) = &yaml.private_key
        && !mode.eq_ignore_ascii_case("SSWS")
    {
        let key = private_key_from_sdk_value(key.secret(), "okta.yaml privateKey")?;
        return Ok(Some(Credential::PrivateKey(Box::new(key))));
    }
    if let Some(token) = &yaml.token {
        return Ok(Some(Credential::ApiToken(token.clone())));
    }
    // No credential: a person signs in (the seed's default parameter set).
    Ok(None)
}
