//! Printing helpers: human-readable times and stdout writes that tolerate a closed pipe.

use std::io::Write;

use oktactl_auth::Profile;
use oktactl_auth::http::unix_now;
use serde_json::json;

use crate::commands::CommandError;

/// Writes `text` and a newline to stdout. A closed pipe (`oktactl token | head -c0`) is not an
/// error: the reader has what it wanted (the Unix convention, as in ripgrep).
pub fn print_line(text: &str) -> Result<(), CommandError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CommandError::Output(e)),
    }
}

/// "in 59 min", "3 s ago".
pub fn relative(seconds_from_now: i64) -> String {
    let magnitude = seconds_from_now.unsigned_abs();
    let amount = match magnitude {
        0..=119 => format!("{magnitude} s"),
        120..=7199 => format!("{} min", magnitude / 60),
        _ => format!("{} h", magnitude / 3600),
    };
    if seconds_from_now >= 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// An HTTP-date style UTC time for an epoch second.
pub fn utc(epoch: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(epoch.max(0) as u64);
    httpdate::fmt_http_date(time)
}

/// The status lines of a profile (no secrets: the profile holds none).
pub fn status_lines(profile: &Profile, store_location: &str) -> Vec<(&'static str, String)> {
    let now = unix_now();
    let expiry = match profile.expires_at {
        Some(exp) if exp <= now => format!("expired {} ({})", relative(exp - now), utc(exp)),
        Some(exp) => format!("{} ({})", relative(exp - now), utc(exp)),
        None => "does not expire (SSWS API tokens expire after 30 days unused)".to_string(),
    };
    let mut scopes = profile.scopes.join(" ");
    if !profile.granted_scopes.is_empty() && profile.granted_scopes != profile.scopes {
        scopes = format!("{scopes} (granted: {})", profile.granted_scopes.join(" "));
    }
    vec![
        ("profile", profile.name.clone()),
        ("tenant", profile.tenant.clone()),
        ("client id", profile.client_id.clone()),
        ("flow", profile.flow.as_str().to_string()),
        (
            "scopes",
            if scopes.is_empty() {
                "-".into()
            } else {
                scopes
            },
        ),
        ("token type", profile.token_type.as_str().to_string()),
        ("expires", expiry),
        ("stored in", store_location.to_string()),
    ]
}

/// The same as JSON.
pub fn status_json(profile: &Profile, store_location: &str) -> serde_json::Value {
    let now = unix_now();
    json!({
        "profile": profile.name,
        "tenant": profile.tenant,
        "client_id": profile.client_id,
        "flow": profile.flow,
        "scopes": profile.scopes,
        "granted_scopes": profile.granted_scopes,
        "token_type": profile.token_type.as_str(),
        "dpop": profile.dpop,
        "obtained_at": profile.obtained_at,
        "expires_at": profile.expires_at,
        "expires_in": profile.expires_at.map(|e| e - now),
        "store": profile.store.as_str(),
        "store_location": store_location,
    })
}

/// Prints aligned `name: value` lines.
pub fn print_table(lines: &[(&str, String)]) -> Result<(), CommandError> {
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (key, value) in lines {
        print_line(&format!("{:<width$} {value}", format!("{key}:")))?;
    }
    Ok(())
}
