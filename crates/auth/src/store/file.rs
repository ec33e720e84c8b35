//! The file half of the token store: private folders, atomic 0600 writes, per-profile lock
//! files and JSON reads that turn a damaged file into [`StoreError::Corrupt`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tempfile::NamedTempFile;

use super::StoreError;

/// How long [`lock`] waits for another process (a slow refresh, say) before giving up, so a
/// stuck `oktactl` never wedges every later one.
pub(super) const LOCK_WAIT: Duration = Duration::from_secs(60);

/// An exclusive lock on one profile, across threads and processes; released on drop.
///
/// Get one from [`TokenStore::lock_profile`](super::TokenStore::lock_profile) to keep
/// "check expiry → refresh → save" in one piece, and save through
/// [`TokenStore::save_locked`](super::TokenStore::save_locked) while holding it.
#[derive(Debug)]
pub struct ProfileLock {
    pub(super) name: String,
    path: PathBuf,
    // Held for the lock: closing the file (on drop) releases it.
    _file: File,
}

impl ProfileLock {
    /// The profile this lock is for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Creates `dir` (and its missing parents) private to the user.
pub(super) fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| io_error(dir, source))
}

/// Takes the exclusive lock in `path`, creating the lock file (0600) if needed.
///
/// Lock files are never deleted: removing one while another process waits on it would let a
/// third process lock a fresh file at the same path, and then two writers would both proceed.
pub(super) fn lock(name: &str, path: PathBuf, wait: Duration) -> Result<ProfileLock, StoreError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&path)
        .map_err(|source| io_error(&path, source))?;
    // Poll instead of a blocking `lock()` so that the wait is bounded.
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(2);
    loop {
        match file.try_lock() {
            Ok(()) => {
                return Ok(ProfileLock {
                    name: name.to_owned(),
                    path,
                    _file: file,
                });
            }
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(StoreError::LockTimeout {
                    path,
                    seconds: wait.as_secs(),
                });
            }
            Err(fs::TryLockError::Error(source)) => return Err(io_error(&path, source)),
        }
    }
}

/// Replaces `path` with `value` as pretty JSON, atomically: readers see the old file or the new
/// one, never a mix. The file is 0600 (tempfile creates it so) and reaches the disk before the
/// rename, and the rename reaches the disk before this returns.
pub(super) fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    let dir = parent(path);
    let mut bytes = serde_json::to_vec_pretty(value)
        // Only maps with non-string keys or failing `Serialize` impls make this fail; profiles
        // and secrets have neither, but keep it an error rather than a panic.
        .map_err(|source| io_error(path, io::Error::from(source)))?;
    bytes.push(b'\n');
    let mut temp = NamedTempFile::new_in(dir).map_err(|source| io_error(dir, source))?;
    temp.write_all(&bytes)
        .map_err(|source| io_error(temp.path(), source))?;
    temp.as_file()
        .sync_all()
        .map_err(|source| io_error(temp.path(), source))?;
    temp.persist(path)
        .map_err(|err| io_error(path, err.error))?;
    sync_dir(dir)
}

/// Reads `path` as JSON; `None` when the file does not exist.
pub(super) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, StoreError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_error(path, source)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|err| StoreError::Corrupt {
            path: path.to_path_buf(),
            // Only the position: serde's message can quote file content, which may be a secret.
            line: err.line(),
            column: err.column(),
        })
}

/// Removes `path`; `Ok(false)` when it was not there.
pub(super) fn remove(path: &Path) -> Result<bool, StoreError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(io_error(path, source)),
    }
}

/// Makes a rename or removal in `dir` durable.
pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    // Directories cannot be opened as files on Windows, where the rename is already durable
    // enough (MoveFileEx); fsync of the folder is the POSIX way.
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| io_error(dir, source))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

pub(super) fn io_error(path: &Path, source: io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn parent(path: &Path) -> &Path {
    // Every path given here is `<profiles dir>/<file>`, so there is always a parent.
    path.parent().unwrap_or(Path::new("."))
}
