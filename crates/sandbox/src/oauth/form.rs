//! `application/x-www-form-urlencoded` request bodies of the OAuth endpoints.

use std::collections::HashMap;

use crate::responses::OAuthError;

/// The parameters of a form body. RFC 6749 §3.2: "Request and response parameters MUST NOT be
/// included more than once", so a repeated parameter is refused when the form is parsed.
#[derive(Debug, Default)]
pub(crate) struct Form {
    params: HashMap<String, String>,
}

impl Form {
    /// Parses a form body. Invalid percent-escapes and bytes are decoded lossily, as most
    /// servers do; the value then simply fails the later checks.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let mut params = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            if params
                .insert(name.to_string(), value.into_owned())
                .is_some()
            {
                return Err(OAuthError::invalid_request(format!(
                    "The '{name}' parameter was provided more than once."
                )));
            }
        }
        Ok(Form { params })
    }

    /// The parameter's value; an empty value counts as absent (RFC 6749 §3.1: "Parameters sent
    /// without a value MUST be treated as if they were omitted").
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_value_counts_as_absent() {
        let form = Form::parse(b"scope=&grant_type=client_credentials").unwrap();
        assert_eq!(form.get("scope"), None);
        assert_eq!(form.get("grant_type"), Some("client_credentials"));
    }

    #[test]
    fn repeated_parameter_is_refused() {
        let err = Form::parse(b"scope=a&scope=b").unwrap_err();
        assert_eq!(err.error, "invalid_request");
        assert!(err.description.contains("'scope'"), "{}", err.description);
    }

    #[test]
    fn garbage_does_not_panic() {
        let form = Form::parse(b"%zz=%ff%&&==&\xff\xfe=1").unwrap();
        assert_eq!(form.get("grant_type"), None);
    }
}
