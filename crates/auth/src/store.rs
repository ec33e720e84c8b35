//! Token store: profile metadata in `<config dir>/profiles/<name>.json`, secrets in the OS
//! keyring when one answers, else in `<config dir>/profiles/<name>.secrets.json` (0600).
//!
//! - Keyring entries are filed under service `oktactl`, user `profile:<name>`, and hold the
//!   [`ProfileSecrets`] as JSON. Every keyring call is abandoned after 3 s (see `keyring.rs`).
//! - Files are written to a temporary file in the same folder, synced and renamed into place,
//!   so a reader sees the old file or the new one, never a partial one. `<config dir>` and
//!   `profiles/` are created 0700, every file 0600.
//! - Saves and deletes hold `profiles/<name>.lock` (an OS file lock) so two processes writing
//!   one profile take turns; [`TokenStore::lock_profile`] lets a caller hold it longer.
//!
//! Like gh (`internal/config/config.go`), [`StoreMode::Auto`] falls back to the file when there
//! is no keyring and says so through the returned [`StoreKind`], so the caller can warn.

mod file;
mod keyring;

use std::path::{Path, PathBuf};

use crate::profile::{Profile, ProfileSecrets, StoreKind};

pub use file::ProfileLock;

/// The environment variable that picks a [`StoreMode`].
pub const TOKEN_STORE_ENV: &str = "OKTACTL_TOKEN_STORE";

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

impl StoreMode {
    /// Reads [`TOKEN_STORE_ENV`] (see [`StoreMode::from_env_value`]).
    pub fn from_env() -> Result<Self, StoreError> {
        let value = std::env::var_os(TOKEN_STORE_ENV);
        Self::from_env_value(value.as_ref().map(|v| v.to_str().unwrap_or("\u{fffd}")))
    }

    /// Parses a value of `OKTACTL_TOKEN_STORE`: `file`, `keyring`, `auto`, or unset/empty for
    /// `auto` (ASCII case ignored).
    pub fn from_env_value(value: Option<&str>) -> Result<Self, StoreError> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(StoreMode::Auto);
        };
        match value.to_ascii_lowercase().as_str() {
            "auto" => Ok(StoreMode::Auto),
            "file" => Ok(StoreMode::File),
            "keyring" => Ok(StoreMode::Keyring),
            _ => Err(StoreError::InvalidStoreMode {
                value: value.to_owned(),
            }),
        }
    }
}

/// Failures of the token store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing a file failed, e.g. `profiles/` is not writable.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A profile name outside `[A-Za-z0-9._-]{1,64}`, e.g. `../x`, or one ending in `.secrets`.
    #[error("invalid profile name {name:?}: {reason}")]
    InvalidProfileName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A profile or secrets file that is not the JSON we write, e.g. truncated by hand.
    #[error(
        "{path} is corrupted (invalid json at line {line}, column {column}); \
         run `oktactl connect` again"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the JSON went wrong (1-based).
        line: usize,
        /// Where the JSON went wrong (1-based).
        column: usize,
    },
    /// The keyring entry of a profile is not the JSON we write.
    #[error(
        "the keyring entry for profile {profile:?} (service oktactl) is corrupted; \
         run `oktactl connect` again"
    )]
    CorruptKeyringEntry {
        /// The profile.
        profile: String,
    },
    /// `OKTACTL_TOKEN_STORE=keyring` (or a keyring profile) on a machine with no keyring, e.g.
    /// headless Linux without a Secret Service.
    #[error(
        "no OS keyring available ({reason}); set OKTACTL_TOKEN_STORE=file to keep tokens in a \
         0600 file"
    )]
    KeyringUnavailable {
        /// Why, as the keyring reported it.
        reason: String,
    },
    /// The keyring did not answer in time (a stuck Secret Service, or an unlock prompt).
    #[error("the OS keyring did not answer within {seconds}s while trying to {operation}")]
    KeyringTimeout {
        /// What was being done, e.g. `save profile "default"`.
        operation: String,
        /// The timeout.
        seconds: u64,
    },
    /// The keyring answered with an error, e.g. the collection is locked.
    #[error("the OS keyring failed to {operation}: {reason}")]
    Keyring {
        /// What was being done, e.g. `read profile "default"`.
        operation: String,
        /// What the keyring said.
        reason: String,
    },
    /// Another process held the profile's lock for too long.
    #[error("timed out after {seconds}s waiting for the lock {path}; is another oktactl stuck?")]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        seconds: u64,
    },
    /// A [`ProfileLock`] used for another profile than the one being written.
    #[error("the lock held is for profile {held:?}, not {wanted:?}")]
    WrongLock {
        /// The profile the lock is for.
        held: String,
        /// The profile being written.
        wanted: String,
    },
    /// An `OKTACTL_TOKEN_STORE` value we do not know.
    #[error("invalid OKTACTL_TOKEN_STORE value {value:?}: expected `auto`, `file` or `keyring`")]
    InvalidStoreMode {
        /// The value.
        value: String,
    },
}

/// Where profiles and their secrets are kept.
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
    mode: StoreMode,
}

impl TokenStore {
    /// Opens the store rooted at `config_dir`. Nothing is created until the first write.
    pub fn open(config_dir: &Path, mode: StoreMode) -> Result<Self, StoreError> {
        Ok(TokenStore {
            dir: config_dir.to_path_buf(),
            mode,
        })
    }

    /// The mode this store was opened with.
    pub fn mode(&self) -> StoreMode {
        self.mode
    }

    /// Saves metadata and secrets; returns where the secrets went, which is also what the saved
    /// metadata's `store` says (whatever `profile.store` was).
    ///
    /// Takes the profile's lock for the duration. Do not call it while this process holds a
    /// [`ProfileLock`] for the same profile (it would wait for itself): use
    /// [`TokenStore::save_locked`].
    pub fn save(
        &self,
        profile: &Profile,
        secrets: &ProfileSecrets,
    ) -> Result<StoreKind, StoreError> {
        let lock = self.lock_profile(&profile.name)?;
        self.save_locked(&lock, profile, secrets)
    }

    /// [`TokenStore::save`] for a caller that already holds the profile's lock.
    pub fn save_locked(
        &self,
        lock: &ProfileLock,
        profile: &Profile,
        secrets: &ProfileSecrets,
    ) -> Result<StoreKind, StoreError> {
        let name = profile.name.as_str();
        check_lock(lock, name)?;
        let previous = file::read_json::<Profile>(&self.profile_path(name))
            .ok()
            .flatten();
        let kind = match self.mode {
            StoreMode::File => StoreKind::File,
            StoreMode::Keyring => {
                self.set_keyring(name, secrets)?;
                StoreKind::Keyring
            }
            StoreMode::Auto => match self.set_keyring(name, secrets) {
                Ok(()) => StoreKind::Keyring,
                Err(err) => {
                    tracing::debug!(
                        profile = name,
                        "keyring not used, falling back to file: {err}"
                    );
                    StoreKind::File
                }
            },
        };
        if kind == StoreKind::File {
            file::write_json_atomic(&self.secrets_path(name), secrets)?;
        }
        let mut stored = profile.clone();
        stored.store = kind;
        file::write_json_atomic(&self.profile_path(name), &stored)?;
        // Only now that the metadata points at the new copy, drop the stale one.
        match kind {
            StoreKind::Keyring => {
                if file::remove(&self.secrets_path(name))? {
                    file::sync_dir(&self.profiles_dir())?;
                }
            }
            // Only when the keyring held them before: touching it otherwise could cost the
            // timeout on every file save.
            StoreKind::File if previous.is_some_and(|p| p.store == StoreKind::Keyring) => {
                match keyring::delete(keyring::user(name)) {
                    Ok(()) | Err(keyring::KeyringFailure::NoEntry) => {}
                    Err(err) => {
                        let err = keyring_error(err, "delete", name);
                        tracing::warn!(profile = name, "stale keyring entry left behind: {err}");
                    }
                }
            }
            StoreKind::File => {}
        }
        Ok(kind)
    }

    /// Loads a profile's metadata, `None` when there is no such profile.
    pub fn load_profile(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        validate_name(name)?;
        file::read_json(&self.profile_path(name))
    }

    /// Loads a profile's secrets from where [`Profile::store`] says they are; `None` when they
    /// are not there.
    pub fn load_secrets(&self, profile: &Profile) -> Result<Option<ProfileSecrets>, StoreError> {
        let name = profile.name.as_str();
        validate_name(name)?;
        match profile.store {
            StoreKind::File => file::read_json(&self.secrets_path(name)),
            StoreKind::Keyring => match keyring::get(keyring::user(name)) {
                Ok(json) => serde_json::from_str(&json).map(Some).map_err(|_| {
                    StoreError::CorruptKeyringEntry {
                        profile: name.to_owned(),
                    }
                }),
                Err(keyring::KeyringFailure::NoEntry) => Ok(None),
                Err(keyring::KeyringFailure::BadEncoding) => Err(StoreError::CorruptKeyringEntry {
                    profile: name.to_owned(),
                }),
                Err(err) => Err(keyring_error(err, "read", name)),
            },
        }
    }

    /// Deletes a profile's metadata and secrets (file and keyring entry); `Ok(false)` when
    /// there was none. Takes the profile's lock, like [`TokenStore::save`].
    pub fn delete(&self, name: &str) -> Result<bool, StoreError> {
        validate_name(name)?;
        let lock = self.lock_profile(name)?;
        self.delete_locked(&lock)
    }

    /// [`TokenStore::delete`] of the profile whose lock the caller holds.
    pub fn delete_locked(&self, lock: &ProfileLock) -> Result<bool, StoreError> {
        let name = lock.name();
        validate_name(name)?;
        let metadata = self.profile_path(name);
        let previous = file::read_json::<Profile>(&metadata);
        let mut removed = false;
        // The keyring first: if it fails while holding the secrets, keep the metadata so that
        // the user can see the profile and try again.
        let in_keyring = matches!(&previous, Ok(Some(p)) if p.store == StoreKind::Keyring);
        let unknown = !matches!(previous, Ok(Some(_)));
        if in_keyring || (unknown && self.mode != StoreMode::File) {
            match keyring::delete(keyring::user(name)) {
                Ok(()) => removed = true,
                Err(keyring::KeyringFailure::NoEntry) => {}
                Err(err) if in_keyring => return Err(keyring_error(err, "delete", name)),
                Err(err) => tracing::debug!(profile = name, "keyring not checked: {err:?}"),
            }
        }
        removed |= file::remove(&self.secrets_path(name))?;
        removed |= file::remove(&metadata)?;
        if removed {
            file::sync_dir(&self.profiles_dir())?;
        }
        Ok(removed)
    }

    /// Every profile, sorted by name.
    pub fn list(&self) -> Result<Vec<Profile>, StoreError> {
        let dir = self.profiles_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(file::io_error(&dir, source)),
        };
        let mut profiles = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| file::io_error(&dir, source))?;
            let file_name = entry.file_name();
            let Some(name) = file_name.to_str().and_then(|f| f.strip_suffix(".json")) else {
                continue;
            };
            // Secrets files, and anything we would not have written.
            if validate_name(name).is_err() {
                continue;
            }
            if let Some(profile) = self.load_profile(name)? {
                profiles.push(profile);
            }
        }
        profiles.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(profiles)
    }

    /// Takes the profile's exclusive lock (across threads and processes), waiting up to a
    /// minute for another holder; released when the guard is dropped.
    ///
    /// Hold it around "check expiry → refresh → save" so two `oktactl token` runs do not both
    /// refresh, and write with [`TokenStore::save_locked`] meanwhile.
    pub fn lock_profile(&self, name: &str) -> Result<ProfileLock, StoreError> {
        validate_name(name)?;
        self.create_dirs()?;
        let path = self.profiles_dir().join(format!("{name}.lock"));
        file::lock(name, path, file::LOCK_WAIT)
    }

    /// Where a profile's secrets file is (or would be), for the "stored in a file" warning.
    pub fn secrets_path(&self, name: &str) -> PathBuf {
        self.profiles_dir().join(format!("{name}.secrets.json"))
    }

    fn profile_path(&self, name: &str) -> PathBuf {
        self.profiles_dir().join(format!("{name}.json"))
    }

    fn profiles_dir(&self) -> PathBuf {
        self.dir.join("profiles")
    }

    fn create_dirs(&self) -> Result<(), StoreError> {
        file::create_private_dir(&self.dir)?;
        file::create_private_dir(&self.profiles_dir())
    }

    fn set_keyring(&self, name: &str, secrets: &ProfileSecrets) -> Result<(), StoreError> {
        let json = serde_json::to_string(secrets).map_err(|err| StoreError::Keyring {
            operation: format!("save profile {name:?}"),
            reason: format!("cannot encode the secrets: {err}"),
        })?;
        keyring::set(keyring::user(name), json).map_err(|err| keyring_error(err, "save", name))
    }
}

/// Checks a profile name: `[A-Za-z0-9._-]{1,64}`, so that it stays one file name inside
/// `profiles/`; and not ending in `.secrets`, whose metadata file would be another profile's
/// secrets file.
fn validate_name(name: &str) -> Result<(), StoreError> {
    let reason = if name.is_empty() || name.len() > 64 {
        Some("use 1 to 64 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        Some("use only letters, digits, '.', '_' and '-'")
    } else if name.ends_with(".secrets") {
        Some("it must not end in \".secrets\"")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StoreError::InvalidProfileName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

fn check_lock(lock: &ProfileLock, name: &str) -> Result<(), StoreError> {
    validate_name(name)?;
    if lock.name != name {
        return Err(StoreError::WrongLock {
            held: lock.name.clone(),
            wanted: name.to_owned(),
        });
    }
    Ok(())
}

fn keyring_error(failure: keyring::KeyringFailure, verb: &str, name: &str) -> StoreError {
    let operation = format!("{verb} profile {name:?}");
    match failure {
        keyring::KeyringFailure::Unavailable(reason) => StoreError::KeyringUnavailable { reason },
        keyring::KeyringFailure::TimedOut => StoreError::KeyringTimeout {
            operation,
            seconds: keyring::TIMEOUT.as_secs(),
        },
        keyring::KeyringFailure::NoEntry => StoreError::Keyring {
            operation,
            reason: "no entry".into(),
        },
        keyring::KeyringFailure::BadEncoding => StoreError::CorruptKeyringEntry {
            profile: name.to_owned(),
        },
        keyring::KeyringFailure::Failed(reason) => StoreError::Keyring { operation, reason },
    }
}

#[cfg(test)]
mod tests;
