//! The keyring half of the token store: every call to the OS keyring runs on its own thread and
//! is abandoned after [`TIMEOUT`], as gh does (`internal/keyring/keyring.go`), so a stuck Secret
//! Service never hangs the CLI.
//!
//! `keyring` 4 (feature `v1`) picks the platform store itself: the first `Entry::new` or
//! `Entry::store_status` builds it once (a `LazyLock` inside the crate) and, on Linux, fails in
//! milliseconds with `NoDefaultStore` when there is no session bus or no
//! `org.freedesktop.secrets`. `Entry::store_status` returns why.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// The keyring service name every profile is filed under.
pub(super) const SERVICE: &str = "oktactl";

/// How long one keyring call may take.
pub(super) const TIMEOUT: Duration = Duration::from_secs(3);

/// Set once a call timed out: the stuck thread may still hold the store, so later calls in this
/// process would only wait again.
static TIMED_OUT: AtomicBool = AtomicBool::new(false);

/// Why a keyring call did not succeed. Messages hold no secret.
#[derive(Debug)]
pub(super) enum KeyringFailure {
    /// No keyring on this machine (or it stopped answering earlier in this process).
    Unavailable(String),
    /// No answer within [`TIMEOUT`].
    TimedOut,
    /// There is no entry.
    NoEntry,
    /// The entry holds something that is not UTF-8.
    BadEncoding,
    /// The keyring answered with an error (locked, refused, …).
    Failed(String),
}

/// The keyring user for a profile.
pub(super) fn user(profile: &str) -> String {
    format!("profile:{profile}")
}

/// Whether a keyring answers, checked under the timeout.
#[cfg(test)]
pub(super) fn probe() -> Result<(), KeyringFailure> {
    run(|| Ok(()))
}

/// Stores `value` for `user`.
pub(super) fn set(user: String, value: String) -> Result<(), KeyringFailure> {
    run(move || entry(&user)?.set_password(&value))
}

/// Reads the value for `user`.
pub(super) fn get(user: String) -> Result<String, KeyringFailure> {
    run(move || entry(&user)?.get_password())
}

/// Deletes the entry for `user`.
pub(super) fn delete(user: String) -> Result<(), KeyringFailure> {
    run(move || entry(&user)?.delete_credential())
}

fn entry(user: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, user)
}

/// Runs `call` against the keyring on a helper thread, waiting at most [`TIMEOUT`].
fn run<T, F>(call: F) -> Result<T, KeyringFailure>
where
    T: Send + 'static,
    F: FnOnce() -> keyring::Result<T> + Send + 'static,
{
    if TIMED_OUT.load(Ordering::Relaxed) {
        return Err(KeyringFailure::Unavailable(format!(
            "the keyring did not answer within {}s earlier",
            TIMEOUT.as_secs()
        )));
    }
    let (sender, receiver) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name("oktactl-keyring".into())
        .spawn(move || {
            let result = match keyring::Entry::store_status() {
                Ok(()) => call().map_err(classify),
                Err(err) => Err(KeyringFailure::Unavailable(unavailable_reason(err))),
            };
            // The receiver is gone after a timeout; nobody is left to tell.
            let _ = sender.send(result);
        });
    if let Err(err) = spawned {
        return Err(KeyringFailure::Failed(format!(
            "cannot start a keyring thread: {err}"
        )));
    }
    match receiver.recv_timeout(TIMEOUT) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            TIMED_OUT.store(true, Ordering::Relaxed);
            Err(KeyringFailure::TimedOut)
        }
        // The thread panicked inside the keyring crate.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(KeyringFailure::Failed("the keyring call panicked".into()))
        }
    }
}

fn classify(err: keyring::Error) -> KeyringFailure {
    match err {
        keyring::Error::NoEntry => KeyringFailure::NoEntry,
        keyring::Error::NoDefaultStore => KeyringFailure::Unavailable(unavailable_reason(&err)),
        // Both carry the raw stored bytes; say nothing of them.
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
            KeyringFailure::BadEncoding
        }
        other => KeyringFailure::Failed(lowercase_first(&other.to_string())),
    }
}

fn unavailable_reason(err: &keyring::Error) -> String {
    match err {
        // keyring's own text ("no default store has been set…") reads as a programming error;
        // on Linux it means there is no session bus or no Secret Service on it.
        keyring::Error::NoDefaultStore => "no Secret Service on a session bus".into(),
        other => lowercase_first(&other.to_string()),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
