//! [`PasskeyError`]: everything that can go wrong with passkey options, registration, the
//! software authenticator and bulk provisioning.

use std::path::PathBuf;

use oktactl_api::ApiError;
use oktactl_auth::ErrorKind;

/// Failures of the passkey operations. Messages are one lowercase line without secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasskeyError {
    /// The API call failed or Okta refused it (e.g. E0000068 for a bad attestation).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A challenge timeout outside 1 s – 1 day or not a duration, e.g. `0s` or `2w`.
    #[error("invalid challenge timeout '{input}': {reason}")]
    InvalidTimeout {
        /// What was given.
        input: String,
        /// Why it is refused.
        reason: String,
    },
    /// A `PublicKeyCredential` JSON that cannot be used, e.g. no `response.attestationObject`.
    #[error("invalid credential JSON: {reason}")]
    InvalidCredential {
        /// What is wrong.
        reason: String,
    },
    /// Okta's enrol answer has no `_embedded.activation` creation options.
    #[error("the enrolled factor {factor_id} has no WebAuthn activation options")]
    MissingActivation {
        /// The factor.
        factor_id: String,
    },
    /// The creation options do not allow ES256 (COSE -7), the only algorithm of the built-in
    /// authenticator.
    #[error("the relying party does not accept ES256 (COSE -7); offered: {offered:?}")]
    UnsupportedAlgorithm {
        /// The COSE algorithms offered.
        offered: Vec<i64>,
    },
    /// Reading or writing a local file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. `cannot write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The output file exists and `--force` was not given.
    #[error("{path} already exists; use --force to overwrite it")]
    OutputExists {
        /// The file.
        path: PathBuf,
    },
    /// The users CSV cannot be used, e.g. no `login` column.
    #[error("invalid users CSV {path}: {reason}")]
    InvalidCsv {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A line of an existing provisioning output is not JSON (the file is not ours).
    #[error("cannot resume from {path}: line {line} is not a provisioning result")]
    InvalidOutput {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// The operating system random number generator or a crypto primitive failed.
    #[error("crypto failure: {reason}")]
    Crypto {
        /// What failed.
        reason: String,
    },
}

impl PasskeyError {
    /// The kind of failure, for exit codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PasskeyError::Api(e) => e.kind(),
            PasskeyError::InvalidTimeout { .. }
            | PasskeyError::InvalidCredential { .. }
            | PasskeyError::OutputExists { .. }
            | PasskeyError::InvalidCsv { .. }
            | PasskeyError::InvalidOutput { .. }
            | PasskeyError::Io { .. } => ErrorKind::BadInput,
            PasskeyError::MissingActivation { .. }
            | PasskeyError::UnsupportedAlgorithm { .. }
            | PasskeyError::Crypto { .. } => ErrorKind::Refused,
        }
    }

    pub(crate) fn crypto(reason: impl std::fmt::Display) -> Self {
        PasskeyError::Crypto {
            reason: reason.to_string(),
        }
    }

    pub(crate) fn credential(reason: impl Into<String>) -> Self {
        PasskeyError::InvalidCredential {
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant formats as one lowercase line without a final period.
    #[test]
    fn smoke_every_variant_formats() {
        let all = [
            PasskeyError::Api(ApiError::InvalidPath {
                path: "x".into(),
                reason: "y".into(),
            }),
            PasskeyError::InvalidTimeout {
                input: "0s".into(),
                reason: "below 1 s".into(),
            },
            PasskeyError::credential("no response"),
            PasskeyError::MissingActivation {
                factor_id: "fwf1".into(),
            },
            PasskeyError::UnsupportedAlgorithm {
                offered: vec![-257],
            },
            PasskeyError::Io {
                action: "cannot write",
                path: "/x".into(),
                source: std::io::Error::other("boom"),
            },
            PasskeyError::OutputExists { path: "/x".into() },
            PasskeyError::InvalidCsv {
                path: "/u.csv".into(),
                reason: "no login column".into(),
            },
            PasskeyError::InvalidOutput {
                path: "/o.jsonl".into(),
                line: 3,
            },
            PasskeyError::crypto("rng"),
        ];
        for err in all {
            let text = err.to_string();
            assert!(!text.contains('\n'), "{text}");
            assert!(!text.ends_with('.'), "{text}");
            assert!(
                text.chars().next().is_some_and(|c| !c.is_uppercase()),
                "{text}"
            );
            let _ = err.kind();
        }
    }
}
