//! Bulk passkey provisioning from a CSV of logins (upstream webauthn-interop#22): a software
//! passkey per user, `concurrency` users at a time, one JSON line per user appended, flushed
//! and fsynced to the output as each finishes, so a run can be interrupted and resumed.
//!
//! Resuming: users with an `"status":"ok"` line in the output are skipped; users with only
//! error lines are tried again. Interrupting (the caller sets the stop flag, e.g. on Ctrl-C):
//! no new user is started, in-flight users finish and their lines are written, so no created
//! credential is lost.

use std::collections::{HashSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use oktactl_api::{OktaClient, RateLimitEvent};
use serde_json::{Value, json};

use crate::{AttestationFormat, PasskeyError};

/// Default number of users provisioned at once.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Largest accepted `--concurrency`.
pub const MAX_CONCURRENCY: usize = 64;

/// What to provision and how.
#[derive(Debug, Clone)]
pub struct ProvisionOptions {
    /// CSV with a header row and a `login` column.
    pub users_csv: PathBuf,
    /// JSON Lines output (created 0600, appended to).
    pub out: PathBuf,
    /// Users at once, 1..=64.
    pub concurrency: usize,
    /// Attestation format of the software authenticator.
    pub attestation: AttestationFormat,
    /// Challenge lifetime asked of Okta.
    pub challenge_timeout: Duration,
    /// Draw a progress bar on stderr (it stays hidden anyway when stderr is not a terminal).
    pub progress: bool,
}

/// How a run went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvisionSummary {
    /// Distinct logins in the CSV.
    pub total: usize,
    /// Already provisioned by an earlier run (an ok line in the output).
    pub skipped: usize,
    /// Provisioned now.
    pub succeeded: usize,
    /// Failed now (an error line was written).
    pub failed: usize,
    /// Not started because the run was stopped.
    pub not_started: usize,
    /// Whether the stop flag ended the run early.
    pub interrupted: bool,
    /// 429 answers waited out (and retried) by the API client.
    pub responses_429: u64,
    /// Requests the API client held back because their rate-limit window was nearly used up.
    pub throttled: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// A flag the caller sets to stop starting new users (e.g. from a Ctrl-C handler).
pub type StopFlag = Arc<AtomicBool>;

/// Runs the bulk provisioning. Workers share clones of `okta`, hence its token, its renewals and
/// its rate limiter: together they stay under the org's limits.
pub async fn provision(
    options: &ProvisionOptions,
    okta: &OktaClient,
    stop: StopFlag,
) -> Result<ProvisionSummary, PasskeyError> {
    let started = Instant::now();
    let logins = read_logins(&options.users_csv)?;
    let (file, done) = open_output(&options.out)?;
    let total = logins.len();
    let pending: VecDeque<String> = logins
        .into_iter()
        .filter(|l| !done.contains(&l.to_lowercase()))
        .collect();
    let skipped = total - pending.len();

    let bar = progress_bar(options.progress, pending.len());
    let hook_bar = bar.clone();
    let okta = okta.clone().with_rate_limit_hook(Arc::new(move |event| {
        if let RateLimitEvent::TooManyRequests { wait, .. } = event {
            hook_bar.set_message(format!("429: waiting {} s", wait.as_secs()));
        }
    }));
    let shared = Arc::new(Shared {
        queue: Mutex::new(pending),
        out: Mutex::new(file),
        out_path: options.out.clone(),
        succeeded: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        write_error: Mutex::new(None),
        bar,
    });
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..options.concurrency.clamp(1, MAX_CONCURRENCY) {
        let shared = shared.clone();
        let stop = stop.clone();
        let client = okta.clone();
        let options = options.clone();
        workers.spawn(worker(shared, client, stop, options));
    }
    while workers.join_next().await.is_some() {}

    shared.bar.finish_and_clear();
    if let Some(error) = lock(&shared.write_error).take() {
        return Err(error);
    }
    let not_started = lock(&shared.queue).len();
    Ok(ProvisionSummary {
        total,
        skipped,
        succeeded: shared.succeeded.load(Ordering::Relaxed),
        failed: shared.failed.load(Ordering::Relaxed),
        not_started,
        interrupted: stop.load(Ordering::Relaxed) && not_started > 0,
        responses_429: okta.rate_limit_stats().too_many_requests,
        throttled: okta.rate_limit_stats().throttled,
        elapsed: started.elapsed(),
    })
}

struct Shared {
    queue: Mutex<VecDeque<String>>,
    out: Mutex<File>,
    out_path: PathBuf,
    succeeded: AtomicUsize,
    failed: AtomicUsize,
    write_error: Mutex<Option<PasskeyError>>,
    bar: ProgressBar,
}

async fn worker(shared: Arc<Shared>, okta: OktaClient, stop: StopFlag, options: ProvisionOptions) {
    loop {
        if stop.load(Ordering::Relaxed) || lock(&shared.write_error).is_some() {
            return;
        }
        let Some(login) = lock(&shared.queue).pop_front() else {
            return;
        };
        let result = crate::new_passkey(
            &okta,
            &login,
            options.attestation,
            options.challenge_timeout,
        )
        .await;
        let line = match &result {
            Ok((user, factor, export)) => json!({
                "login": login,
                "status": "ok",
                "userId": user.id,
                "factorId": factor.id,
                "credentialId": export.credential_id(),
                "passkey": export.to_json(),
            }),
            Err(error) => json!({"login": login, "status": "error", "error": error.to_string()}),
        };
        if let Err(error) = append_line(&shared, &line) {
            *lock(&shared.write_error) = Some(error);
            return;
        }
        match result {
            Ok(_) => shared.succeeded.fetch_add(1, Ordering::Relaxed),
            Err(_) => shared.failed.fetch_add(1, Ordering::Relaxed),
        };
        shared.bar.inc(1);
        let stats = okta.rate_limit_stats();
        if stats.too_many_requests + stats.throttled > 0 {
            shared.bar.set_message(format!(
                "429 waits: {}, throttled: {}",
                stats.too_many_requests, stats.throttled
            ));
        }
    }
}

/// Appends one line, flushes and fsyncs it before the next user counts as done.
fn append_line(shared: &Shared, line: &Value) -> Result<(), PasskeyError> {
    let mut text = line.to_string();
    text.push('\n');
    let mut file = lock(&shared.out);
    let io = |source| PasskeyError::Io {
        action: "cannot write",
        path: shared.out_path.clone(),
        source,
    };
    file.write_all(text.as_bytes()).map_err(io)?;
    file.flush().map_err(io)?;
    file.sync_data().map_err(io)
}

/// The distinct logins of the CSV's `login` column, in file order.
fn read_logins(path: &Path) -> Result<Vec<String>, PasskeyError> {
    let bad = |reason: String| PasskeyError::InvalidCsv {
        path: path.to_path_buf(),
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .map_err(|e| bad(e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let column = headers
        .iter()
        .position(|h| {
            h.trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case("login")
        })
        .ok_or_else(|| bad("the header row has no 'login' column".into()))?;
    let mut seen = HashSet::new();
    let mut logins = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let Some(login) = record.get(column).filter(|l| !l.is_empty()) else {
            continue;
        };
        if seen.insert(login.to_lowercase()) {
            logins.push(login.to_owned());
        }
    }
    Ok(logins)
}

/// Opens (or creates, 0600) the output for appending, and returns the logins it already holds
/// an ok line for. A torn last line (a run killed mid-write) is ended with a newline and
/// ignored.
fn open_output(path: &Path) -> Result<(File, HashSet<String>), PasskeyError> {
    let io = |action, source| PasskeyError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let mut open = OpenOptions::new();
    open.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    let mut file = open.open(path).map_err(|e| io("cannot open", e))?;
    let mut text = String::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text))
        .map_err(|e| io("cannot read", e))?;
    let mut done = HashSet::new();
    let lines: Vec<&str> = text.lines().collect();
    let torn = !text.is_empty() && !text.ends_with('\n');
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(value) => {
                if value["status"] == "ok"
                    && let Some(login) = value["login"].as_str()
                {
                    done.insert(login.to_lowercase());
                }
            }
            Err(_) if torn && index + 1 == lines.len() => {}
            Err(_) => {
                return Err(PasskeyError::InvalidOutput {
                    path: path.to_path_buf(),
                    line: index + 1,
                });
            }
        }
    }
    if torn {
        file.write_all(b"\n").map_err(|e| io("cannot write", e))?;
    }
    Ok((file, done))
}

fn progress_bar(show: bool, len: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    // `stderr()` draws nothing when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(len).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {pos}/{len} users  {per_sec}  ETA {eta}  {msg}")
    {
        bar.set_style(style);
    }
    bar
}

/// Locks a mutex, carrying on past poisoning: each critical section here is a single push,
/// pop or write, which leaves the data usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_needs_a_login_column_and_dedupes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.csv");
        std::fs::write(&path, "id,Login\n1, a@x.com\n2,B@x.com\n3,A@X.com\n4,\n").unwrap();
        assert_eq!(read_logins(&path).unwrap(), ["a@x.com", "B@x.com"]);
        std::fs::write(&path, "email\na@x.com\n").unwrap();
        assert!(matches!(
            read_logins(&path),
            Err(PasskeyError::InvalidCsv { .. })
        ));
    }

    #[test]
    fn output_resume_skips_ok_lines_and_tolerates_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.jsonl");
        std::fs::write(
            &path,
            "{\"login\":\"a@x.com\",\"status\":\"ok\"}\n{\"login\":\"b@x.com\",\"status\":\"error\"}\n{\"login\":\"c@",
        )
        .unwrap();
        let (_file, done) = open_output(&path).unwrap();
        assert_eq!(done, HashSet::from(["a@x.com".to_string()]));
        assert!(std::fs::read_to_string(&path).unwrap().ends_with("c@\n"));
        std::fs::write(&path, "garbage\n{}\n").unwrap();
        assert!(matches!(
            open_output(&path),
            Err(PasskeyError::InvalidOutput { line: 1, .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn output_is_created_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.jsonl");
        open_output(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
