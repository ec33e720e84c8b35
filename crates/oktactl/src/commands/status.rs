//! `oktactl status`: what is stored, never the token itself. Reads only metadata: no keyring
//! prompt, no network.

use oktactl_auth::{AuthError, StoreKind};

use crate::cli::StatusArgs;
use crate::commands::{CommandError, Context};
use crate::output::{print_line, print_table, status_json, status_lines};

/// Runs `status`.
pub fn run(ctx: &Context, args: StatusArgs) -> Result<(), CommandError> {
    let store = ctx.store()?;
    let profile = store
        .load_profile(&ctx.profile)?
        .ok_or_else(|| AuthError::NotConnected {
            profile: ctx.profile.clone(),
        })?;
    let location = match profile.store {
        StoreKind::Keyring => "OS keyring".to_string(),
        StoreKind::File => store.secrets_path(&profile.name).display().to_string(),
    };
    if args.json {
        return print_line(&status_json(&profile, &location).to_string());
    }
    print_table(&status_lines(&profile, &location))
}
