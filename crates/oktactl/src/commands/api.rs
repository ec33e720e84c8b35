//! `oktactl api`: any management API call with the stored token, like `gh api`. The body is
//! printed pretty; on HTTP ≥ 400 it is still printed (Okta's error body), one `error:` line goes
//! to stderr and the exit code is 1.

use std::io::Read;
use std::sync::Arc;

use oktactl_api::{ApiResponse, OktaClient, RateLimitEvent, RateLimitHook};
use oktactl_auth::{AuthError, Session};
use reqwest::Method;
use serde_json::Value;

use crate::cli::ApiArgs;
use crate::commands::{CommandError, Context};
use crate::output::print_line;

/// Runs `api`.
pub async fn run(ctx: &Context, args: ApiArgs) -> Result<(), CommandError> {
    let body = args.data.as_deref().map(read_body).transpose()?;
    let method = parse_method(args.method.as_deref(), body.is_some())?;
    if args.paginate && method != Method::GET {
        return Err(CommandError::Usage("--paginate works with GET only".into()));
    }
    let okta = client(ctx)?;
    if args.paginate {
        return paginate(&okta, &args.path, args.include).await;
    }
    let response = okta.request(method, &args.path, body.as_ref()).await?;
    if args.include {
        print_head(&response)?;
    }
    print_body(&response.body)?;
    fail_unless_success(&response)
}

/// A client for the stored profile, saving renewed tokens back to the store. A 429 wait is
/// announced on stderr (a `note:`, not an error), so a slow command does not look hung.
pub(crate) fn client(ctx: &Context) -> Result<OktaClient, CommandError> {
    let store = ctx.store()?;
    let session = Session::load(&store, &ctx.profile)?;
    let note: RateLimitHook = Arc::new(|event: &RateLimitEvent| {
        if let RateLimitEvent::TooManyRequests { wait, retry, .. } = event {
            eprintln!(
                "note: rate limit exceeded (429); retry {retry} in {} s",
                wait.as_secs()
            );
        }
    });
    Ok(OktaClient::new(ctx.http()?, session)
        .with_store(store)
        .with_rate_limit_hook(note))
}

async fn paginate(okta: &OktaClient, path: &str, include: bool) -> Result<(), CommandError> {
    let mut pages = okta.pages(path);
    let mut items: Vec<Value> = Vec::new();
    let mut all_arrays = true;
    while let Some(page) = pages.next_page().await? {
        if include {
            print_head(&page)?;
        }
        if !page.is_success() {
            print_body(&page.body)?;
            return fail_unless_success(&page);
        }
        match serde_json::from_slice::<Value>(&page.body) {
            Ok(Value::Array(list)) => items.extend(list),
            Ok(other) => {
                all_arrays = false;
                items.push(other);
            }
            Err(_) => {
                all_arrays = false;
                items.push(Value::String(String::from_utf8_lossy(&page.body).into()));
            }
        }
    }
    // Pages that are not arrays (an object endpoint) print as they are when there is one.
    let merged = if !all_arrays && items.len() == 1 {
        items.remove(0)
    } else {
        Value::Array(items)
    };
    print_line(&pretty(&merged))
}

fn fail_unless_success(response: &ApiResponse) -> Result<(), CommandError> {
    if response.is_success() {
        Ok(())
    } else {
        Err(response.error().into())
    }
}

/// `HTTP/1.1 404 Not Found`, the headers, a blank line.
fn print_head(response: &ApiResponse) -> Result<(), CommandError> {
    let reason = reqwest::StatusCode::from_u16(response.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    print_line(&format!("HTTP/1.1 {} {reason}", response.status))?;
    for (name, value) in &response.headers {
        print_line(&format!(
            "{}: {}",
            name.as_str(),
            String::from_utf8_lossy(value.as_bytes())
        ))?;
    }
    print_line("")
}

/// JSON pretty-printed; anything else as text; nothing for an empty body (204).
fn print_body(body: &[u8]) -> Result<(), CommandError> {
    if body.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => print_line(&pretty(&value)),
        Err(_) => print_line(String::from_utf8_lossy(body).trim_end()),
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn parse_method(method: Option<&str>, has_body: bool) -> Result<Method, CommandError> {
    let Some(text) = method else {
        return Ok(if has_body { Method::POST } else { Method::GET });
    };
    let upper = text.trim().to_ascii_uppercase();
    match upper.as_str() {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => {
            Method::from_bytes(upper.as_bytes()).map_err(|e| CommandError::Usage(e.to_string()))
        }
        _ => Err(CommandError::Usage(format!(
            "unknown HTTP method '{text}': use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS"
        ))),
    }
}

/// `--data`: JSON, `@file` or `-` (stdin); must parse as JSON.
fn read_body(value: &str) -> Result<Value, CommandError> {
    let text = if value == "-" {
        let mut buffer = String::new();
        std::io::stdin()
            .read_to_string(&mut buffer)
            .map_err(|e| CommandError::Usage(format!("--data: cannot read standard input: {e}")))?;
        buffer
    } else if let Some(path) = value.strip_prefix('@') {
        std::fs::read_to_string(path)
            .map_err(|e| CommandError::Usage(format!("--data: cannot read {path}: {e}")))?
    } else {
        value.to_string()
    };
    serde_json::from_str(&text)
        .map_err(|e| AuthError::Usage(format!("--data is not valid JSON: {e}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_defaults_to_post_with_data() {
        assert_eq!(parse_method(None, false).unwrap(), Method::GET);
        assert_eq!(parse_method(None, true).unwrap(), Method::POST);
        assert_eq!(parse_method(Some("delete"), false).unwrap(), Method::DELETE);
        assert!(parse_method(Some("FROB"), false).is_err());
    }
}
