//! How the client proves who it is, and where that secret comes from: an argument, `@file`,
//! `-` (stdin — the seed's pipeline input) or an environment variable.

use std::io::Read;
use std::path::Path;

use oktactl_jose::SigningKey;

use crate::error::AuthError;
use crate::secret::SecretString;

/// A client credential given to `connect`.
#[derive(Clone, Debug)]
pub enum Credential {
    /// A private key (JWK or PEM): `private_key_jwt`.
    PrivateKey(Box<SigningKey>),
    /// A client secret: `client_secret_post`.
    ClientSecret(SecretString),
    /// A legacy SSWS API token.
    ApiToken(SecretString),
}

/// Reads a secret value given as `<value>`, `@<file>` or `-` (stdin). `what` names the option
/// in error messages. Surrounding whitespace is trimmed.
pub fn read_secret_arg(value: &str, what: &str) -> Result<SecretString, AuthError> {
    let text = if value == "-" {
        let mut buffer = String::new();
        std::io::stdin()
            .read_to_string(&mut buffer)
            .map_err(|e| AuthError::Usage(format!("{what}: cannot read standard input: {e}")))?;
        buffer
    } else if let Some(path) = value.strip_prefix('@') {
        read_file(Path::new(path), what)?
    } else {
        value.to_string()
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AuthError::Usage(format!("{what}: the value is empty")));
    }
    Ok(SecretString::new(trimmed))
}

fn read_file(path: &Path, what: &str) -> Result<String, AuthError> {
    std::fs::read_to_string(path)
        .map_err(|e| AuthError::Usage(format!("{what}: cannot read {}: {e}", path.display())))
}

/// Parses a private JWK given as `<json|@file|->`.
pub fn jwk_from_arg(value: &str, what: &str) -> Result<SigningKey, AuthError> {
    let text = read_secret_arg(value, what)?;
    SigningKey::from_jwk_json(text.secret()).map_err(|e| AuthError::key(what, e))
}

/// Parses a PEM private key file.
pub fn pem_from_file(path: &Path, what: &str) -> Result<SigningKey, AuthError> {
    let text = read_file(path, what)?;
    SigningKey::from_pem(&text).map_err(|e| AuthError::key(what, e))
}

/// Parses a private key as the Okta SDKs accept it in `OKTA_CLIENT_PRIVATEKEY` / `privateKey`:
/// PEM text, JWK JSON, or the path of a file holding either.
pub fn private_key_from_sdk_value(value: &str, what: &str) -> Result<SigningKey, AuthError> {
    let trimmed = value.trim();
    let text = if trimmed.starts_with('{') || trimmed.contains("-----BEGIN") {
        trimmed.to_string()
    } else {
        read_file(Path::new(trimmed), what)?
    };
    let text = text.trim();
    let parsed = if text.starts_with('{') {
        SigningKey::from_jwk_json(text)
    } else {
        SigningKey::from_pem(text)
    };
    parsed.map_err(|e| AuthError::key(what, e))
}
