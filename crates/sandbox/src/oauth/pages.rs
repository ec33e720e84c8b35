//! The HTML pages a person sees in the sandbox: the sign-in form of `/oauth2/v1/authorize`, the
//! device activation form of `/activate`, and the pages that end them. One centered card, the
//! app's name, clear buttons; inline CSS only, nothing loaded from elsewhere (the answers carry
//! a `Content-Security-Policy` that forbids it).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A sign-in or activation form.
pub(crate) struct FormPage<'a> {
    /// Page title, e.g. `Sign in`.
    pub title: &'a str,
    /// The app's display name.
    pub app_name: &'a str,
    /// Line under the title.
    pub subtitle: &'a str,
    /// Where the form posts.
    pub action: &'a str,
    /// Hidden fields carried through the form.
    pub hidden: Vec<(&'a str, String)>,
    /// A user code field with this value (device activation).
    pub user_code: Option<String>,
    /// The username to prefill.
    pub username: String,
    /// An error shown above the fields.
    pub error: Option<String>,
    /// `(value, label)` of the primary button.
    pub primary: (&'a str, &'a str),
    /// `(value, label)` of the secondary button.
    pub secondary: (&'a str, &'a str),
}

/// Renders a form page.
pub(crate) fn form_page(status: StatusCode, page: &FormPage<'_>) -> Response {
    let mut fields = String::new();
    for (name, value) in &page.hidden {
        fields.push_str(&format!(
            r#"<input type="hidden" name="{}" value="{}">"#,
            escape(name),
            escape(value)
        ));
    }
    let error = page
        .error
        .as_deref()
        .map(|e| {
            format!(
                r#"<div class="alert" role="alert" id="error">{}</div>"#,
                escape(e)
            )
        })
        .unwrap_or_default();
    let user_code = page
        .user_code
        .as_deref()
        .map(|code| {
            format!(
                r#"<label for="user_code">Activation code</label>
<input id="user_code" name="user_code" value="{}" autocomplete="off" autocapitalize="characters" spellcheck="false" required>"#,
                escape(code)
            )
        })
        .unwrap_or_default();
    let body = format!(
        r#"<header class="brand"><span class="logo">okta</span><span class="org">sandbox</span></header>
<h1>{title}</h1>
<p class="sub">{subtitle} <strong id="app-name">{app}</strong></p>
{error}
<form method="post" action="{action}" autocomplete="on">
{fields}
{user_code}
<label for="username">Username</label>
<input id="username" name="username" type="text" value="{username}" autocomplete="username" spellcheck="false" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="actions">
<button id="{secondary_value}" class="secondary" type="submit" name="action" value="{secondary_value}" formnovalidate>{secondary_label}</button>
<button id="{primary_value}" class="primary" type="submit" name="action" value="{primary_value}">{primary_label}</button>
</div>
</form>
<p class="foot">This is the local oktactl sandbox, not a real Okta org.</p>"#,
        title = escape(page.title),
        subtitle = escape(page.subtitle),
        app = escape(page.app_name),
        action = escape(page.action),
        username = escape(&page.username),
        primary_value = page.primary.0,
        primary_label = page.primary.1,
        secondary_value = page.secondary.0,
        secondary_label = page.secondary.1,
    );
    html(status, page.title, &body)
}

/// A page that ends a flow or reports a problem.
pub(crate) fn message_page(status: StatusCode, title: &str, message: &str, good: bool) -> Response {
    let (icon, class) = if good {
        ("&#10003;", "ok")
    } else {
        ("!", "bad")
    };
    let body = format!(
        r#"<header class="brand"><span class="logo">okta</span><span class="org">sandbox</span></header>
<div class="icon {class}">{icon}</div>
<h1 id="title">{title}</h1>
<p class="sub" id="message">{message}</p>"#,
        title = escape(title),
        message = escape(message),
    );
    html(status, title, &body)
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} &middot; oktactl sandbox</title>
<style>{STYLE}</style></head>
<body><main class="card">{body}</main></body></html>
"#,
        title = escape(title),
    );
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://localhost:* \
             http://127.0.0.1:* http://[::1]:*; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:linear-gradient(180deg,#eef2f7 0%,#e2e8f0 100%);font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d1d21}
.card{background:#fff;border-radius:12px;box-shadow:0 12px 32px rgba(15,23,42,.14);padding:36px 40px 28px;width:calc(100% - 48px);max-width:400px}
.brand{display:flex;align-items:baseline;gap:8px;justify-content:center;margin-bottom:22px;padding-bottom:18px;border-bottom:1px solid #e5e7eb}
.logo{font-size:26px;font-weight:700;color:#00297a;letter-spacing:-.02em}
.org{font-size:13px;color:#6b7280;text-transform:uppercase;letter-spacing:.08em}
h1{font-size:21px;margin:0 0 6px;text-align:center}
.sub{font-size:14px;color:#4b5563;margin:0 0 20px;text-align:center;line-height:1.5}
label{display:block;font-size:13px;font-weight:600;margin:14px 0 6px;color:#374151}
input[type=text],input[type=password],input:not([type]){width:100%;padding:10px 12px;border:1px solid #c4c9d2;border-radius:6px;font-size:15px}
input:focus{outline:2px solid #1662dd;outline-offset:0;border-color:#1662dd}
.actions{display:flex;gap:10px;margin-top:24px}
button{flex:1;padding:11px 14px;border-radius:6px;font-size:15px;font-weight:600;cursor:pointer;border:1px solid transparent}
.primary{background:#1662dd;color:#fff}
.primary:hover{background:#0f4fb8}
.secondary{background:#fff;color:#374151;border-color:#c4c9d2}
.secondary:hover{background:#f3f4f6}
.alert{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;border-radius:6px;padding:10px 12px;font-size:14px;margin-bottom:6px}
.foot{font-size:12px;color:#9ca3af;text-align:center;margin:22px 0 0}
.icon{width:56px;height:56px;border-radius:50%;margin:4px auto 16px;display:flex;align-items:center;justify-content:center;font-size:28px;font-weight:700;color:#fff}
.icon.ok{background:#15803d}
.icon.bad{background:#b91c1c}
"#;

/// Escapes text for HTML text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
