//! Secret newtypes whose `Debug` never shows the value (the oauth2-rs `new_secret_type!` idea).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret string: an access or refresh token, a client secret, an API token or private key
/// material.
///
/// `Debug` and `Display` print `[redacted]`. Read the value only through [`SecretString::secret`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The secret value.
    ///
    /// # Security warning
    /// Never log or print the result, except where the user asked for it (`oktactl token`).
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = SecretString::new("hunter2");
        assert_eq!(format!("{s:?}"), "SecretString([redacted])");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(s.secret(), "hunter2");
    }
}
