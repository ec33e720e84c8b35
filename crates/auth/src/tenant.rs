//! Who we talk to: [`Tenant`] (the org), [`ClientId`] (the app) and [`Scopes`] — each checked
//! once, when built (`shared/okta-reference.md` §1).

use std::fmt;
use std::net::IpAddr;

use url::Url;

use crate::error::AuthError;

/// The management scope `Connect-Okta` asks for when none is given.
pub const DEFAULT_SCOPE: &str = "okta.users.manage";

/// Okta tenant host suffixes accepted without a scheme, as upstream's pattern
/// `^[a-zA-Z0-9-]+\.okta(?:-emea|preview|\.mil)?\.com$` intends (and `*.okta.mil`).
const OKTA_HOST_SUFFIXES: [&str; 4] = [
    ".okta.com",
    ".okta-emea.com",
    ".oktapreview.com",
    ".okta.mil",
];

/// An Okta org: its base URL (scheme, host, port; no path).
///
/// `https://` always; `http://` only for loopback hosts (127.0.0.1, [::1], localhost), which is
/// how tests and the local sandbox are reached.
#[derive(Clone, PartialEq, Eq)]
pub struct Tenant {
    base: Url,
}

impl Tenant {
    /// Parses `example.okta.com`, `https://login.example.com` or `http://127.0.0.1:8080`.
    pub fn parse(input: &str) -> Result<Self, AuthError> {
        let trimmed = input.trim();
        let bad = |reason: String| AuthError::InvalidTenant {
            input: trimmed.to_string(),
            reason,
        };
        if trimmed.is_empty() {
            return Err(bad("the tenant is empty".into()));
        }
        let url_text = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            let host = trimmed.trim_end_matches('/');
            if !is_okta_host(host) {
                return Err(bad(
                    "expected an Okta host such as example.okta.com, or a full https:// URL for a \
                     custom domain"
                        .into(),
                ));
            }
            format!("https://{host}")
        };
        let url = Url::parse(&url_text).map_err(|e| bad(format!("not a valid URL ({e})")))?;
        let Some(host) = url.host_str().map(str::to_string) else {
            return Err(bad("the URL has no host".into()));
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "the URL must not contain a user name or password".into()
            ));
        }
        if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
            return Err(bad(
                "give only the org's address, without a path (the org authorization server is \
                 used: custom authorization servers cannot mint okta.* scopes)"
                    .into(),
            ));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(&host) => {}
            "http" => {
                return Err(bad(
                    "http:// is allowed only for loopback hosts (127.0.0.1, [::1], localhost); \
                     use https://"
                        .into(),
                ));
            }
            other => return Err(bad(format!("unsupported scheme {other}://; use https://"))),
        }
        if host.contains("-admin.") && is_okta_host(&host) {
            return Err(bad(format!(
                "that is the admin console host; use {}",
                host.replacen("-admin.", ".", 1)
            )));
        }
        Ok(Tenant { base: url })
    }

    /// The base URL without a trailing slash, e.g. `https://example.okta.com`.
    pub fn base_url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// The host, e.g. `example.okta.com` (the WebAuthn relying party id).
    pub fn host(&self) -> String {
        self.base.host_str().unwrap_or_default().to_string()
    }

    /// Whether this is a loopback tenant (the sandbox, tests).
    pub fn is_loopback(&self) -> bool {
        self.base.host_str().is_some_and(is_loopback_host)
    }

    /// An endpoint of the tenant, e.g. `endpoint("/oauth2/v1/token")`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.base_url(), path)
    }
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tenant({})", self.base_url())
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

fn is_okta_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    OKTA_HOST_SUFFIXES.iter().any(|suffix| {
        host.strip_suffix(suffix).is_some_and(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    })
}

/// 127.0.0.0/8, ::1 and `localhost` — never a name that merely resolves to loopback.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// An Okta app's client id.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ClientId(String);

impl ClientId {
    /// Checks `input`: for Okta orgs 20 characters of `[A-Za-z0-9_-]` (e.g.
    /// `0oakmj8hvxvtvCy3P5d7`); for a loopback tenant any non-empty id without whitespace.
    pub fn parse(input: &str, tenant: &Tenant) -> Result<Self, AuthError> {
        let id = input.trim();
        let bad = |reason: &str| AuthError::InvalidClientId {
            input: id.to_string(),
            reason: reason.to_string(),
        };
        if id.is_empty() {
            return Err(bad("the client id is empty"));
        }
        if tenant.is_loopback() {
            if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(bad("the client id must not contain spaces"));
            }
            return Ok(ClientId(id.to_string()));
        }
        if id.len() != 20
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad(
                "Okta client ids are 20 characters of A-Z, a-z, 0-9, '_' and '-' (e.g. \
                 0oakmj8hvxvtvCy3P5d7); copy it from the app's General tab",
            ));
        }
        Ok(ClientId(id.to_string()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A non-empty, de-duplicated list of OAuth scopes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses scopes given as repeated values, each of which may be a comma- or space-separated
    /// list. An empty input (no values at all) gives the default, `okta.users.manage`; values
    /// that hold no scope at all are an error.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Self, AuthError> {
        if values.is_empty() {
            return Ok(Scopes(vec![DEFAULT_SCOPE.to_string()]));
        }
        let mut scopes: Vec<String> = Vec::new();
        for value in values {
            for scope in value
                .as_ref()
                .split(|c: char| c == ',' || c.is_whitespace())
            {
                if scope.is_empty() {
                    continue;
                }
                // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
                if !scope
                    .bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
                {
                    return Err(AuthError::InvalidScope {
                        scope: scope.to_string(),
                    });
                }
                if !scopes.iter().any(|s| s == scope) {
                    scopes.push(scope.to_string());
                }
            }
        }
        if scopes.is_empty() {
            return Err(AuthError::EmptyScopes);
        }
        Ok(Scopes(scopes))
    }

    /// The scopes.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Space-joined, as sent in `scope=`.
    pub fn to_param(&self) -> String {
        self.0.join(" ")
    }

    /// Whether any scope is an Okta management scope (`okta.*`).
    pub fn has_okta_scope(&self) -> bool {
        self.0.iter().any(|s| s.starts_with("okta."))
    }
}

impl Default for Scopes {
    fn default() -> Self {
        Scopes(vec![DEFAULT_SCOPE.to_string()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_hosts_become_https_urls() {
        for host in [
            "example.okta.com",
            "ex-1.okta-emea.com",
            "dev.oktapreview.com",
            "a.okta.mil",
            "Example.OKTA.com/",
        ] {
            let t = Tenant::parse(host).unwrap();
            assert!(t.base_url().starts_with("https://"), "{host}");
            assert!(!t.is_loopback());
        }
    }

    #[test]
    fn custom_https_urls_and_loopback_http_are_accepted() {
        assert_eq!(
            Tenant::parse("https://login.example.com/")
                .unwrap()
                .base_url(),
            "https://login.example.com"
        );
        assert_eq!(
            Tenant::parse("http://127.0.0.1:8080").unwrap().base_url(),
            "http://127.0.0.1:8080"
        );
        assert!(Tenant::parse("http://[::1]:1234").unwrap().is_loopback());
        assert!(Tenant::parse("http://localhost:9").unwrap().is_loopback());
    }

    #[test]
    fn bad_tenants_are_refused_with_a_reason() {
        for (input, needle) in [
            ("", "empty"),
            ("example.com", "expected an Okta host"),
            ("http://example.okta.com", "only for loopback"),
            ("ftp://example.okta.com", "unsupported scheme"),
            ("https://example.okta.com/oauth2/default", "without a path"),
            ("https://user:pw@example.okta.com", "user name"),
            ("example-admin.okta.com", "admin console"),
            ("evil.okta.com.attacker.net", "expected an Okta host"),
            ("http://localhost.attacker.net", "only for loopback"),
        ] {
            let err = Tenant::parse(input).unwrap_err().to_string();
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn client_ids_follow_okta_shape_except_on_loopback() {
        let okta = Tenant::parse("example.okta.com").unwrap();
        assert!(ClientId::parse("0oakmj8hvxvtvCy3P5d7", &okta).is_ok());
        assert!(ClientId::parse("0oakmj8hvxvtvCy3P5d", &okta).is_err());
        assert!(ClientId::parse("0oakmj8hvxvtvCy3P5d!", &okta).is_err());
        assert!(ClientId::parse("", &okta).is_err());
        let local = Tenant::parse("http://127.0.0.1:1").unwrap();
        assert!(ClientId::parse("demo", &local).is_ok());
        assert!(ClientId::parse("a b", &local).is_err());
    }

    #[test]
    fn scopes_accept_repeats_commas_and_spaces() {
        let none: [&str; 0] = [];
        assert_eq!(
            Scopes::parse(&none).unwrap().to_param(),
            "okta.users.manage"
        );
        let s = Scopes::parse(&[
            "okta.users.read,okta.groups.read",
            "okta.apps.read okta.users.read",
        ])
        .unwrap();
        assert_eq!(
            s.to_param(),
            "okta.users.read okta.groups.read okta.apps.read"
        );
        assert!(matches!(
            Scopes::parse(&[" , "]),
            Err(AuthError::EmptyScopes)
        ));
        assert!(matches!(
            Scopes::parse(&["a\"b"]),
            Err(AuthError::InvalidScope { .. })
        ));
    }
}
