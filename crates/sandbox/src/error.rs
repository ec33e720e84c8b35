//! [`SandboxError`]: what can go wrong configuring or starting a sandbox.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything that can go wrong reading a configuration, writing the demo files or starting the
/// server. Requests the sandbox refuses are HTTP answers, not errors of this type.
///
/// Messages are one lowercase line and never contain secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The configuration file cannot be read, e.g. it does not exist.
    #[error("cannot read the sandbox configuration {path}: {source}")]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The configuration file is not valid JSON for [`crate::SandboxConfig`].
    #[error("the sandbox configuration {path} is invalid: {reason}")]
    ConfigParse {
        /// The file.
        path: PathBuf,
        /// What the JSON parser said.
        reason: String,
    },
    /// Two apps share one client id.
    #[error("the client id {client_id} is configured twice")]
    DuplicateClient {
        /// The repeated client id.
        client_id: String,
    },
    /// A registered public key of an app cannot be used, e.g. an RSA key below 2048 bits.
    #[error("a registered key of app {client_id} is unusable: {reason}")]
    InvalidAppKey {
        /// The app.
        client_id: String,
        /// What is wrong with the key.
        reason: String,
    },
    /// Generating a key (the sandbox's signing key or a demo client key) failed.
    #[error("key generation failed: {reason}")]
    KeyGeneration {
        /// Why.
        reason: String,
    },
    /// The listening socket cannot be bound, e.g. the port is taken.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A demo file or directory cannot be written.
    #[error("cannot write {path}: {source}")]
    DemoWrite {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The HTTPS set-up (certificate authority, server certificate, rustls) failed.
    #[error("cannot set up HTTPS: {reason}")]
    Tls {
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant formats as one lowercase line without a final period.
    #[test]
    fn smoke_every_variant_formats() {
        let io = || std::io::Error::other("boom");
        let all = [
            SandboxError::ConfigRead {
                path: "/x/sandbox.json".into(),
                source: io(),
            },
            SandboxError::ConfigParse {
                path: "/x/sandbox.json".into(),
                reason: "eof".into(),
            },
            SandboxError::DuplicateClient {
                client_id: "0oa1".into(),
            },
            SandboxError::InvalidAppKey {
                client_id: "0oa1".into(),
                reason: "too small".into(),
            },
            SandboxError::KeyGeneration {
                reason: "rng".into(),
            },
            SandboxError::Bind {
                addr: "127.0.0.1:1".parse().unwrap(),
                source: io(),
            },
            SandboxError::DemoWrite {
                path: "/x/api-token".into(),
                source: io(),
            },
        ];
        for err in all {
            let text = err.to_string();
            assert!(!text.contains('\n'), "{text}");
            assert!(!text.ends_with('.'), "{text}");
            assert!(
                text.chars().next().is_some_and(|c| c.is_lowercase()),
                "{text}"
            );
        }
    }
}
