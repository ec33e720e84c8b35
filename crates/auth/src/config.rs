//! Where oktactl keeps its files, and the Okta SDKs' shared configuration file
//! `~/.okta/okta.yaml` (read as a fallback, like the SDKs do).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::AuthError;
use crate::secret::SecretString;

/// `OKTACTL_CONFIG_DIR`, else the platform config dir + `oktactl` (e.g. `~/.config/oktactl`).
pub fn config_dir() -> Result<PathBuf, AuthError> {
    if let Some(dir) = std::env::var_os("OKTACTL_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::config_dir()
        .map(|d| d.join("oktactl"))
        .ok_or_else(|| {
            AuthError::Usage("cannot find a config directory: set OKTACTL_CONFIG_DIR".into())
        })
}

/// `~/.okta/okta.yaml`.
pub fn okta_yaml_path() -> Option<PathBuf> {
    dirs::home_dir().map(|home| home.join(".okta").join("okta.yaml"))
}

/// The `okta.client` section of `okta.yaml`, as the official SDKs define it.
#[derive(Debug, Default, Clone)]
pub struct OktaYamlClient {
    /// `orgUrl`.
    pub org_url: Option<String>,
    /// `clientId`.
    pub client_id: Option<String>,
    /// `scopes` (a list or a comma/space separated string).
    pub scopes: Vec<String>,
    /// `privateKey`: PEM, JWK JSON or a file path (secret).
    pub private_key: Option<SecretString>,
    /// `token`: an SSWS API token (secret).
    pub token: Option<SecretString>,
    /// `authorizationMode`: `SSWS` or `PrivateKey`.
    pub authorization_mode: Option<String>,
}

#[derive(Deserialize)]
struct YamlRoot {
    okta: Option<YamlOkta>,
}

#[derive(Deserialize)]
struct YamlOkta {
    client: Option<YamlClient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct YamlClient {
    org_url: Option<String>,
    client_id: Option<String>,
    scopes: Option<YamlScopes>,
    private_key: Option<String>,
    token: Option<String>,
    authorization_mode: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum YamlScopes {
    List(Vec<String>),
    Text(String),
}

/// Reads `path` when it exists; `Ok(None)` when it does not.
pub fn load_okta_yaml(path: &Path) -> Result<Option<OktaYamlClient>, AuthError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(AuthError::Usage(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    parse_okta_yaml(&text)
        .map(Some)
        .map_err(|reason| AuthError::Usage(format!("{}: {reason}", path.display())))
}

fn parse_okta_yaml(text: &str) -> Result<OktaYamlClient, String> {
    let root: YamlRoot = serde_saphyr::from_str(text).map_err(|e| {
        // The parser's message can quote the offending line, which may hold a key: keep only
        // its first line's position part.
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("invalid YAML").to_string();
        if first.contains("-----") || first.contains('{') {
            "invalid YAML".to_string()
        } else {
            first
        }
    })?;
    let Some(client) = root.okta.and_then(|o| o.client) else {
        return Ok(OktaYamlClient::default());
    };
    Ok(OktaYamlClient {
        org_url: client.org_url,
        client_id: client.client_id,
        scopes: match client.scopes {
            Some(YamlScopes::List(list)) => list,
            Some(YamlScopes::Text(text)) => vec![text],
            None => Vec::new(),
        },
        private_key: client.private_key.map(SecretString::new),
        token: client.token.map(SecretString::new),
        authorization_mode: client.authorization_mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_yaml_is_read() {
        let yaml = "okta:\n  client:\n    orgUrl: https://example.okta.com\n    authorizationMode: PrivateKey\n    clientId: 0oakmj8hvxvtvCy3P5d7\n    scopes:\n      - okta.users.read\n      - okta.apps.read\n    privateKey: /home/me/key.pem\n";
        let client = parse_okta_yaml(yaml).unwrap();
        assert_eq!(client.org_url.as_deref(), Some("https://example.okta.com"));
        assert_eq!(client.client_id.as_deref(), Some("0oakmj8hvxvtvCy3P5d7"));
        assert_eq!(client.scopes, vec!["okta.users.read", "okta.apps.read"]);
        assert_eq!(client.private_key.unwrap().secret(), "/home/me/key.pem");
    }

    #[test]
    fn empty_and_broken_yaml() {
        assert!(parse_okta_yaml("other: 1\n").unwrap().org_url.is_none());
        assert!(parse_okta_yaml("okta: [unclosed").is_err());
    }
}
