use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use tempfile::TempDir;

use super::*;
use crate::profile::{Flow, StoredCredential, TokenType};
use crate::secret::SecretString;

const ACCESS: &str = "eyJ-access-token-value-1";
const REFRESH: &str = "refresh-token-value-2";
const CLIENT_SECRET: &str = "client-secret-value-3";

fn profile(name: &str) -> Profile {
    Profile {
        name: name.to_owned(),
        tenant: "https://example.okta.com".into(),
        client_id: "0oa1example".into(),
        flow: Flow::ClientCredentialsSecret,
        scopes: vec!["okta.users.read".into()],
        granted_scopes: vec!["okta.users.read".into()],
        token_type: TokenType::Bearer,
        obtained_at: 1_700_000_000,
        expires_at: Some(1_700_003_600),
        dpop: false,
        store: StoreKind::Keyring, // deliberately wrong: save must overwrite it
    }
}

fn secrets(access: &str) -> ProfileSecrets {
    ProfileSecrets {
        access_token: SecretString::new(access),
        refresh_token: Some(SecretString::new(REFRESH)),
        dpop_key: None,
        client_credential: Some(StoredCredential::ClientSecret(SecretString::new(
            CLIENT_SECRET,
        ))),
    }
}

fn file_store() -> (TempDir, TokenStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = TokenStore::open(&dir.path().join("oktactl"), StoreMode::File).expect("open");
    (dir, store)
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

/// A name no real profile has, so the keyring tests never touch a user's entries.
fn unique_name(tag: &str) -> String {
    format!("test-{tag}-{}", std::process::id())
}

#[test]
fn file_mode_round_trip_and_delete() {
    let (_dir, store) = file_store();
    let kind = store
        .save(&profile("default"), &secrets(ACCESS))
        .expect("save");
    assert_eq!(kind, StoreKind::File);

    let loaded = store
        .load_profile("default")
        .expect("load")
        .expect("profile present");
    assert_eq!(
        loaded,
        Profile {
            store: StoreKind::File,
            ..profile("default")
        }
    );
    let loaded_secrets = store.load_secrets(&loaded).expect("load secrets");
    assert_eq!(loaded_secrets, Some(secrets(ACCESS)));

    assert!(
        store.delete("default").expect("delete"),
        "delete reports the removal"
    );
    assert_eq!(
        store.load_profile("default").expect("load after delete"),
        None
    );
    assert_eq!(
        store.load_secrets(&loaded).expect("secrets after delete"),
        None
    );
    assert!(
        !store.secrets_path("default").exists(),
        "secrets file removed"
    );
    assert!(
        !store.delete("default").expect("second delete"),
        "nothing left to delete"
    );
}

#[test]
fn missing_store_reads_as_empty() {
    let (_dir, store) = file_store();
    assert_eq!(store.load_profile("default").expect("load"), None);
    assert!(store.list().expect("list").is_empty());
    assert!(!store.delete("default").expect("delete"));
}

#[cfg(unix)]
#[test]
fn files_are_0600_and_folders_0700() {
    let (dir, store) = file_store();
    store
        .save(&profile("default"), &secrets(ACCESS))
        .expect("save");
    let root = dir.path().join("oktactl");
    assert_eq!(mode_of(&root), 0o700, "config dir");
    assert_eq!(mode_of(&root.join("profiles")), 0o700, "profiles dir");
    assert_eq!(
        mode_of(&store.secrets_path("default")),
        0o600,
        "secrets file"
    );
    assert_eq!(
        mode_of(&root.join("profiles/default.json")),
        0o600,
        "metadata file"
    );
    assert_eq!(
        mode_of(&root.join("profiles/default.lock")),
        0o600,
        "lock file"
    );
}

#[test]
fn metadata_file_holds_no_secret() {
    let (dir, store) = file_store();
    store
        .save(&profile("default"), &secrets(ACCESS))
        .expect("save");
    let metadata =
        fs::read_to_string(dir.path().join("oktactl/profiles/default.json")).expect("read");
    for secret in [ACCESS, REFRESH, CLIENT_SECRET] {
        assert!(
            !metadata.contains(secret),
            "metadata must not contain a secret: {metadata}"
        );
    }
    assert!(
        metadata.contains("\"store\": \"file\""),
        "metadata records the backend: {metadata}"
    );
    let secrets_file = fs::read_to_string(store.secrets_path("default")).expect("read secrets");
    assert!(
        secrets_file.contains(ACCESS),
        "the secrets file does hold the token"
    );
}

#[test]
fn second_save_replaces_the_first() {
    let (dir, store) = file_store();
    store
        .save(&profile("default"), &secrets("first-token"))
        .expect("first save");
    let mut second = profile("default");
    second.obtained_at += 60;
    store
        .save(&second, &secrets("second-token"))
        .expect("second save");

    let loaded = store
        .load_profile("default")
        .expect("load")
        .expect("present");
    assert_eq!(loaded.obtained_at, second.obtained_at);
    let loaded_secrets = store
        .load_secrets(&loaded)
        .expect("secrets")
        .expect("present");
    assert_eq!(loaded_secrets.access_token.secret(), "second-token");
    let mut files: Vec<_> = fs::read_dir(dir.path().join("oktactl/profiles"))
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["default.json", "default.lock", "default.secrets.json"],
        "no temp files"
    );
}

#[test]
fn concurrent_saves_leave_a_valid_profile() {
    let (dir, store) = file_store();
    let store = Arc::new(store);
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                for round in 0..5 {
                    let mut p = profile("shared");
                    p.obtained_at = i * 100 + round;
                    store
                        .save(&p, &secrets(&format!("token-{i}-{round}")))
                        .expect("save");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer thread");
    }
    let loaded = store
        .load_profile("shared")
        .expect("load")
        .expect("present");
    let token = store
        .load_secrets(&loaded)
        .expect("secrets")
        .expect("present");
    assert!(
        token.access_token.secret().starts_with("token-"),
        "a complete secrets file"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("oktactl/profiles"))
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn held_lock_makes_save_wait() {
    let (_dir, store) = file_store();
    let store = Arc::new(store);
    let lock = store.lock_profile("default").expect("lock");
    let released = Arc::new(AtomicBool::new(false));
    let saver = {
        let (store, released) = (Arc::clone(&store), Arc::clone(&released));
        thread::spawn(move || {
            store
                .save(&profile("default"), &secrets(ACCESS))
                .expect("save");
            assert!(
                released.load(Ordering::SeqCst),
                "save finished while the lock was held"
            );
        })
    };
    thread::sleep(Duration::from_millis(200));
    // The holder can still write through its own lock without waiting for itself.
    store
        .save_locked(&lock, &profile("default"), &secrets("by-holder"))
        .expect("save_locked");
    released.store(true, Ordering::SeqCst);
    drop(lock);
    saver.join().expect("saver thread");
    let loaded = store
        .load_profile("default")
        .expect("load")
        .expect("present");
    let token = store
        .load_secrets(&loaded)
        .expect("secrets")
        .expect("present");
    assert_eq!(
        token.access_token.secret(),
        ACCESS,
        "the waiting save ran last"
    );
}

#[test]
fn lock_for_another_profile_is_refused() {
    let (_dir, store) = file_store();
    let lock = store.lock_profile("one").expect("lock");
    let err = store
        .save_locked(&lock, &profile("two"), &secrets(ACCESS))
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongLock { .. }), "{err:?}");
}

#[test]
fn invalid_profile_names_are_refused() {
    let (dir, store) = file_store();
    let long = "a".repeat(65);
    for name in [
        "",
        "../escape",
        "a/b",
        "a\\b",
        "sp ace",
        "é",
        "x.secrets",
        long.as_str(),
    ] {
        let err = store.load_profile(name).unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidProfileName { .. }),
            "{name:?}: {err:?}"
        );
        let err = store.save(&profile(name), &secrets(ACCESS)).unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidProfileName { .. }),
            "{name:?}: {err:?}"
        );
        assert!(matches!(
            store.delete(name),
            Err(StoreError::InvalidProfileName { .. })
        ));
    }
    assert!(!dir.path().join("escape.json").exists());
    for name in ["default", "a", "prod-1.eu_west", ".", "..", &"b".repeat(64)] {
        assert!(validate_name(name).is_ok(), "{name:?} is valid");
    }
}

#[test]
fn corrupted_json_is_an_error_naming_the_file() {
    let (dir, store) = file_store();
    store
        .save(&profile("default"), &secrets(ACCESS))
        .expect("save");
    let metadata = dir.path().join("oktactl/profiles/default.json");
    fs::write(&metadata, "{\"name\": \"default\", \"tenant\": ").expect("truncate");
    let err = store.load_profile("default").unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { path, .. } if *path == metadata),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("default.json") && message.contains("oktactl connect"),
        "{message}"
    );
    assert!(matches!(store.list(), Err(StoreError::Corrupt { .. })));

    // A secrets file whose content serde would quote must not echo it.
    fs::write(
        store.secrets_path("default"),
        format!("{{\"access_token\": 1, \"x\": \"{ACCESS}\""),
    )
    .expect("write");
    let err = store.load_secrets(&Profile {
        store: StoreKind::File,
        ..profile("default")
    });
    let err = err.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(!err.to_string().contains(ACCESS) && !format!("{err:?}").contains(ACCESS));

    // A corrupt profile can still be deleted, so `connect` can start over.
    assert!(store.delete("default").expect("delete"));
}

#[test]
fn list_is_sorted_and_skips_other_files() {
    let (dir, store) = file_store();
    for name in ["zeta", "alpha", "mid"] {
        store.save(&profile(name), &secrets(ACCESS)).expect("save");
    }
    fs::write(dir.path().join("oktactl/profiles/README.txt"), "x").expect("write");
    let names: Vec<_> = store
        .list()
        .expect("list")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["alpha", "mid", "zeta"]);
}

#[test]
fn unwritable_location_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("file");
    fs::write(&blocker, "not a folder").expect("write");
    let store = TokenStore::open(&blocker, StoreMode::File).expect("open");
    let err = store
        .save(&profile("default"), &secrets(ACCESS))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Io { path, .. } if path.starts_with(&blocker)),
        "{err:?}"
    );
}

#[test]
fn store_mode_from_env_value() {
    assert_eq!(StoreMode::from_env_value(None).unwrap(), StoreMode::Auto);
    assert_eq!(
        StoreMode::from_env_value(Some("")).unwrap(),
        StoreMode::Auto
    );
    assert_eq!(
        StoreMode::from_env_value(Some("auto")).unwrap(),
        StoreMode::Auto
    );
    assert_eq!(
        StoreMode::from_env_value(Some("file")).unwrap(),
        StoreMode::File
    );
    assert_eq!(
        StoreMode::from_env_value(Some(" FILE ")).unwrap(),
        StoreMode::File
    );
    assert_eq!(
        StoreMode::from_env_value(Some("keyring")).unwrap(),
        StoreMode::Keyring
    );
    let err = StoreMode::from_env_value(Some("vault")).unwrap_err();
    assert!(matches!(&err, StoreError::InvalidStoreMode { value } if value == "vault"));
    assert_eq!(
        err.to_string(),
        "invalid OKTACTL_TOKEN_STORE value \"vault\": expected `auto`, `file` or `keyring`"
    );
}

#[test]
fn every_error_formats_as_one_lowercase_line() {
    let errors = [
        StoreError::Io {
            path: "/x/profiles".into(),
            source: std::io::Error::other("denied"),
        },
        StoreError::InvalidProfileName {
            name: "../x".into(),
            reason: "use only letters",
        },
        StoreError::Corrupt {
            path: "/x/profiles/default.json".into(),
            line: 1,
            column: 2,
        },
        StoreError::CorruptKeyringEntry {
            profile: "default".into(),
        },
        StoreError::KeyringUnavailable {
            reason: "no Secret Service on a session bus".into(),
        },
        StoreError::KeyringTimeout {
            operation: "save profile \"default\"".into(),
            seconds: 3,
        },
        StoreError::Keyring {
            operation: "read profile \"default\"".into(),
            reason: "locked".into(),
        },
        StoreError::LockTimeout {
            path: "/x/profiles/default.lock".into(),
            seconds: 60,
        },
        StoreError::WrongLock {
            held: "a".into(),
            wanted: "b".into(),
        },
        StoreError::InvalidStoreMode {
            value: "vault".into(),
        },
    ];
    for err in errors {
        let message = err.to_string();
        println!("{message}");
        assert!(
            !message.contains('\n') && !message.ends_with('.'),
            "{message}"
        );
        assert!(
            message.starts_with(|c: char| !c.is_uppercase()),
            "{message}"
        );
    }
}

/// Runs against the real OS keyring, when this machine has one (CI runs it under
/// `.ci/keyring-test.sh`); otherwise prints why and passes, unless `OKTACTL_REQUIRE_KEYRING=1`
/// says a keyring was set up and its absence is a failure.
#[test]
fn keyring_mode_round_trip_when_a_keyring_answers() {
    if let Err(why) = keyring::probe() {
        let required = std::env::var("OKTACTL_REQUIRE_KEYRING").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "OKTACTL_REQUIRE_KEYRING=1 but no keyring answers: {why:?}"
        );
        eprintln!("skipping keyring test: no OS keyring here ({why:?})");
        let dir = tempfile::tempdir().expect("tempdir");
        let store = TokenStore::open(dir.path(), StoreMode::Keyring).expect("open");
        let err = store
            .save(&profile(&unique_name("none")), &secrets(ACCESS))
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::KeyringUnavailable { .. } | StoreError::KeyringTimeout { .. }
            ),
            "{err:?}"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let name = unique_name("keyring");
    let keyring_store = TokenStore::open(dir.path(), StoreMode::Keyring).expect("open");
    let file_store = TokenStore::open(dir.path(), StoreMode::File).expect("open");

    // A stale file copy first, which the keyring save must remove.
    file_store
        .save(&profile(&name), &secrets("stale"))
        .expect("file save");
    let kind = keyring_store
        .save(&profile(&name), &secrets(ACCESS))
        .expect("keyring save");
    assert_eq!(kind, StoreKind::Keyring);
    assert!(
        !file_store.secrets_path(&name).exists(),
        "stale secrets file removed"
    );
    let loaded = keyring_store
        .load_profile(&name)
        .expect("load")
        .expect("present");
    assert_eq!(loaded.store, StoreKind::Keyring);
    assert_eq!(
        keyring_store.load_secrets(&loaded).expect("read"),
        Some(secrets(ACCESS))
    );
    let metadata = fs::read_to_string(dir.path().join(format!("profiles/{name}.json")))
        .expect("read metadata");
    assert!(!metadata.contains(ACCESS), "no secret in metadata");

    // Back to the file: the keyring copy goes.
    assert_eq!(
        file_store
            .save(&profile(&name), &secrets("filed"))
            .expect("save"),
        StoreKind::File
    );
    assert!(matches!(
        keyring::get(keyring::user(&name)),
        Err(keyring::KeyringFailure::NoEntry)
    ));

    // And to the keyring again, then delete removes every copy.
    keyring_store
        .save(&profile(&name), &secrets(ACCESS))
        .expect("keyring save");
    assert!(keyring_store.delete(&name).expect("delete"));
    assert!(matches!(
        keyring::get(keyring::user(&name)),
        Err(keyring::KeyringFailure::NoEntry)
    ));
    assert_eq!(keyring_store.load_profile(&name).expect("load"), None);
    assert!(!keyring_store.delete(&name).expect("second delete"));
}

/// Auto mode works whether or not there is a keyring, and says where the secrets went.
#[test]
fn auto_mode_uses_keyring_or_falls_back_to_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let name = unique_name("auto");
    let store = TokenStore::open(dir.path(), StoreMode::Auto).expect("open");
    let kind = store.save(&profile(&name), &secrets(ACCESS)).expect("save");
    // A keyring that answers may still refuse (locked, prompt dismissed): then the file too.
    if keyring::probe().is_err() {
        assert_eq!(kind, StoreKind::File, "no keyring, so the file");
    }
    assert_eq!(store.secrets_path(&name).exists(), kind == StoreKind::File);
    let loaded = store.load_profile(&name).expect("load").expect("present");
    assert_eq!(loaded.store, kind);
    assert_eq!(
        store.load_secrets(&loaded).expect("read"),
        Some(secrets(ACCESS))
    );
    assert!(store.delete(&name).expect("delete"));
    assert_eq!(store.load_profile(&name).expect("load"), None);
}
