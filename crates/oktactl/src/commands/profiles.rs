//! `oktactl profiles`: every stored connection, one line each (never a token).

use oktactl_auth::http::unix_now;
use oktactl_auth::{Profile, StoreKind, TokenStore};

use crate::cli::StatusArgs;
use crate::commands::{CommandError, Context};
use crate::output::{print_line, relative, status_json};

/// Runs `profiles`.
pub fn run(ctx: &Context, args: StatusArgs) -> Result<(), CommandError> {
    let store = ctx.store()?;
    let profiles = store.list()?;
    if args.json {
        let list: Vec<serde_json::Value> = profiles
            .iter()
            .map(|p| status_json(p, &location(&store, p)))
            .collect();
        return print_line(&serde_json::Value::Array(list).to_string());
    }
    if profiles.is_empty() {
        eprintln!("No stored profiles: run `oktactl connect` first.");
        return Ok(());
    }
    let now = unix_now();
    let rows: Vec<[String; 7]> = profiles
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.tenant.clone(),
                p.client_id.clone(),
                p.flow.as_str().to_string(),
                p.token_type.as_str().to_string(),
                match p.expires_at {
                    Some(exp) if exp <= now => format!("expired {}", relative(exp - now)),
                    Some(exp) => relative(exp - now),
                    None => "never".into(),
                },
                location(&store, p),
            ]
        })
        .collect();
    let header = [
        "PROFILE",
        "TENANT",
        "CLIENT ID",
        "FLOW",
        "TOKEN",
        "EXPIRES",
        "STORE",
    ]
    .map(str::to_string);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(rows.iter()) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        print_line(line.join("  ").trim_end())?;
    }
    Ok(())
}

fn location(store: &TokenStore, profile: &Profile) -> String {
    match profile.store {
        StoreKind::Keyring => "OS keyring".to_string(),
        StoreKind::File => store.secrets_path(&profile.name).display().to_string(),
    }
}
