//! `oktactl demo`: the whole headless story against an in-process sandbox, with no Okta
//! tenant: start the sandbox, connect with a private JWK (the app requires DPoP, which is
//! detected), show the status, look a user up, disconnect.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use oktactl_api::OktaClient;
use oktactl_auth::credential::jwk_from_arg;
use oktactl_auth::{
    ClientId, ConnectRequest, Credential, DpopMode, Scopes, Session, StoreMode, Tenant, TokenStore,
};
use oktactl_sandbox::{Sandbox, write_demo};

use crate::commands::{CommandError, Context};
use crate::output::{print_line, print_table, status_lines};

/// The demo app: private_key_jwt with an RSA JWK, DPoP required.
const DEMO_CLIENT: &str = "0oasandboxdpoprsa001";

/// Runs `demo`.
pub async fn run(ctx: &Context) -> Result<(), CommandError> {
    let started = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("oktactl-demo-")
        .tempdir()
        .map_err(|e| CommandError::Usage(format!("cannot create a temporary folder: {e}")))?;
    let demo = write_demo(&work.path().join("sandbox"))?;
    let client = demo
        .clients
        .iter()
        .find(|c| c.client_id == DEMO_CLIENT)
        .and_then(|c| c.key_file.clone())
        .ok_or_else(|| CommandError::Usage("the demo config has no DPoP app".into()))?;
    let sandbox = Sandbox::start(
        demo.config.clone(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await?;
    let base = sandbox.base_url();
    print_line(&format!(
        "1. Sandbox running at {base} (files in {})",
        work.path().display()
    ))?;

    let http = ctx.http()?;
    let tenant = Tenant::parse(&base)?;
    let request = ConnectRequest {
        client_id: ClientId::parse(DEMO_CLIENT, &tenant)?,
        tenant,
        scopes: Scopes::parse(&["okta.users.read okta.users.manage"])?,
        credential: Credential::PrivateKey(Box::new(jwk_from_arg(
            &format!("@{}", client.display()),
            "--jwk",
        )?)),
        dpop: DpopMode::Auto,
    };
    print_line(&format!(
        "2. oktactl connect --tenant {base} --client-id {DEMO_CLIENT} --jwk @{}",
        client.display()
    ))?;
    let mut session = oktactl_auth::connect(&http, "demo", request).await?;
    // The demo keeps its token in its own temporary folder, never in the user's store.
    let store = TokenStore::open(&work.path().join("config"), StoreMode::File)?;
    session.save(&store)?;
    print_line(&format!(
        "   connected: {} token (the app requires DPoP: detected and answered, nonce included)",
        session.profile().token_type.as_str()
    ))?;

    print_line("3. oktactl status")?;
    let location = store.secrets_path("demo").display().to_string();
    print_table(&status_lines(session.profile(), &location))?;

    print_line(
        "4. oktactl user show alice@example.com  (GET /api/v1/users/alice@example.com, DPoP proof with ath)",
    )?;
    let okta = OktaClient::new(http.clone(), session).with_store(store.clone());
    let user = okta.user("alice@example.com").await?;
    let name = [
        user.profile.first_name.as_deref(),
        user.profile.last_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    print_line(&format!(
        "   {} ({name}): id {}, status {}",
        user.profile.login, user.id, user.status
    ))?;

    print_line("5. oktactl disconnect")?;
    let session = Session::load(&store, "demo")?;
    session.revoke(&http).await?;
    store.delete("demo")?;
    print_line("   token revoked and forgotten")?;

    sandbox.shutdown().await;
    print_line(&format!(
        "Demo finished in {} ms.",
        started.elapsed().as_millis()
    ))
}
