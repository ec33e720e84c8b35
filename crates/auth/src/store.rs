//! Token store: profile metadata in `<config dir>/profiles/<name>.json`, secrets in the OS
//! keyring when one answers, else in `<config dir>/profiles/<name>.secrets.json` (0600).
//!
//! (API surface fixed here; the implementation lands separately.)

use std::path::{Path, PathBuf};

use crate::profile::{Profile, ProfileSecrets, StoreKind};

/// Which backend to use for secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// The keyring when it answers, else the file (with a warning from the caller).
    Auto,
    /// Always the 0600 file (`OKTACTL_TOKEN_STORE=file`).
    File,
    /// Always the keyring; fail when there is none (`OKTACTL_TOKEN_STORE=keyring`).
    Keyring,
}

/// Failures of the token store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing a file failed.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Where profiles and their secrets are kept.
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
    mode: StoreMode,
}

impl TokenStore {
    /// Opens the store rooted at `config_dir`.
    pub fn open(config_dir: &Path, mode: StoreMode) -> Result<Self, StoreError> {
        Ok(TokenStore { dir: config_dir.to_path_buf(), mode })
    }

    /// Saves metadata and secrets; returns where the secrets went.
    pub fn save(&self, profile: &Profile, secrets: &ProfileSecrets) -> Result<StoreKind, StoreError> {
        let _ = (profile, secrets, &self.dir, self.mode);
        unimplemented!("store implementation lands separately")
    }

    /// Loads a profile's metadata, `None` when there is no such profile.
    pub fn load_profile(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        let _ = name;
        unimplemented!("store implementation lands separately")
    }

    /// Loads a profile's secrets from where [`Profile::store`] says they are.
    pub fn load_secrets(&self, profile: &Profile) -> Result<Option<ProfileSecrets>, StoreError> {
        let _ = profile;
        unimplemented!("store implementation lands separately")
    }

    /// Deletes a profile's metadata and secrets; `Ok(false)` when there was none.
    pub fn delete(&self, name: &str) -> Result<bool, StoreError> {
        let _ = name;
        unimplemented!("store implementation lands separately")
    }
}
