//! `oktactl passkey …` over real HTTP against the sandbox, which verifies every attestation as a
//! relying party would (crates/sandbox/src/webauthn.rs).

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oktactl_passkeys::{AttestationFormat, PublicKeyCredential, create_credential};
use oktactl_sandbox::RateLimitConfig;
use oktactl_wire::WebAuthnActivation;

use super::harness::{DPOP_APP, EC_APP, Run, TestEnv};

const ALICE: &str = "alice@example.com";

/// Connects with one of the three token kinds.
async fn connect(env: &TestEnv, kind: &str) {
    match kind {
        "dpop" => env.connect_jwk(DPOP_APP, &[]).await,
        "bearer" => env.connect_jwk(EC_APP, &["--no-dpop"]).await,
        _ => {
            let token = format!("@{}", env.demo.api_token_file.display());
            env.run(&["connect", "--tenant", &env.base_url, "--api-token", &token])
                .await
        }
    }
    .assert_ok();
}

/// `passkey options` → (user id, factor id, options, origin).
async fn enrol(env: &TestEnv, extra: &[&str]) -> (String, String, WebAuthnActivation, String) {
    let mut args = vec!["passkey", "options", "--user", ALICE];
    args.extend_from_slice(extra);
    let run = env.run(&args).await;
    run.assert_ok();
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let options: WebAuthnActivation = serde_json::from_value(out["publicKey"].clone()).unwrap();
    (
        out["userId"].as_str().unwrap().to_owned(),
        out["factorId"].as_str().unwrap().to_owned(),
        options,
        out["origin"].as_str().unwrap().to_owned(),
    )
}

async fn register(env: &TestEnv, factor: &str, credential: &PublicKeyCredential) -> Run {
    let json = serde_json::to_string(credential).unwrap();
    env.run_stdin(
        &[
            "passkey",
            "register",
            "--user",
            ALICE,
            "--factor",
            factor,
            "--credential",
            "-",
        ],
        &json,
    )
    .await
}

#[tokio::test]
async fn options_register_list_delete_round_trip_with_bearer_dpop_and_ssws() {
    for kind in ["bearer", "dpop", "ssws"] {
        let env = TestEnv::start().await;
        connect(&env, kind).await;
        let (user_id, factor, options, origin) = enrol(&env, &["--challenge-timeout", "2m"]).await;
        let host = env
            .base_url
            .trim_start_matches("http://")
            .split(':')
            .next()
            .unwrap();
        assert_eq!(
            options.rp.id.as_deref(),
            Some(host),
            "{kind}: rp.id is the tenant host"
        );
        assert_eq!(
            origin, env.base_url,
            "{kind}: loopback origin is the org URL"
        );
        assert!(options.pub_key_cred_params.iter().any(|p| p.alg == -7));
        for format in [AttestationFormat::Packed, AttestationFormat::None] {
            let (factor, options) = if format == AttestationFormat::Packed {
                (factor.clone(), options.clone())
            } else {
                let (_, f, o, _) = options_again(&env).await;
                (f, o)
            };
            let created = create_credential(&options, host, &origin, format).unwrap();
            let run = register(&env, &factor, &created.credential).await;
            run.assert_ok();
            assert!(
                run.stdout
                    .starts_with(&format!("activated: factor {factor}")),
                "{}",
                run.stdout
            );
        }
        assert_eq!(env.controls.active_webauthn_factors(&user_id), 2, "{kind}");

        let list = env.run(&["passkey", "list", "--user", ALICE]).await;
        list.assert_ok();
        assert!(list.stdout.starts_with("ID"), "{}", list.stdout);
        assert!(
            list.stdout.contains(&factor) && list.stdout.contains("ACTIVE"),
            "{}",
            list.stdout
        );
        let json = env
            .run(&["passkey", "list", "--user", ALICE, "--json"])
            .await;
        json.assert_ok();
        let factors: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(factors.as_array().unwrap().len(), 2);

        let deleted = env
            .run(&["passkey", "delete", "--user", ALICE, "--factor", &factor])
            .await;
        deleted.assert_ok();
        assert_eq!(deleted.stdout.trim(), "deleted");
        assert_eq!(env.controls.active_webauthn_factors(&user_id), 1, "{kind}");
        env.run(&["passkey", "delete", "--user", ALICE, "--factor", &factor])
            .await
            .assert_fails(1, "E0000007");
    }
}

async fn options_again(env: &TestEnv) -> (String, String, WebAuthnActivation, String) {
    enrol(env, &[]).await
}

#[tokio::test]
async fn new_writes_a_0600_bitwarden_export_and_refuses_to_overwrite() {
    for kind in ["bearer", "dpop", "ssws"] {
        let env = TestEnv::start().await;
        connect(&env, kind).await;
        let out = env.home.path().join("alice.json");
        let out_text = out.display().to_string();
        let run = env
            .run(&["passkey", "new", "--user", ALICE, "--out", &out_text])
            .await;
        run.assert_ok();
        assert!(
            run.stdout.starts_with("registered passkey "),
            "{}",
            run.stdout
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{kind}");
        }
        let export: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let credential = &export["items"][0]["login"]["fido2Credentials"][0];
        assert_eq!(credential["keyAlgorithm"], "ECDSA");
        assert_eq!(credential["userName"], ALICE);
        assert_eq!(credential["rpId"], "127.0.0.1");
        let pkcs8 = URL_SAFE_NO_PAD
            .decode(credential["keyValue"].as_str().unwrap())
            .unwrap();
        use p256::pkcs8::DecodePrivateKey;
        p256::ecdsa::SigningKey::from_pkcs8_der(&pkcs8).expect("PKCS#8 P-256 key");
        assert_eq!(env.controls.active_webauthn_factors(ALICE), 1);

        // A second run refuses before touching the org; --force overwrites.
        env.run(&["passkey", "new", "--user", ALICE, "--out", &out_text])
            .await
            .assert_fails(2, "already exists");
        assert_eq!(env.controls.active_webauthn_factors(ALICE), 1);
        env.run(&[
            "passkey",
            "new",
            "--user",
            ALICE,
            "--out",
            &out_text,
            "--force",
            "--attestation",
            "none",
        ])
        .await
        .assert_ok();
        assert_eq!(env.controls.active_webauthn_factors(ALICE), 2);

        // Without --out: JSON on stdout, a warning on stderr.
        let run = env.run(&["passkey", "new", "--user", ALICE]).await;
        run.assert_ok();
        assert!(
            run.stderr
                .starts_with("warning: the passkey below contains its private key")
        );
        let printed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(printed["encrypted"], false);
    }
}

#[tokio::test]
async fn tampered_attestations_are_refused_with_okta_errors() {
    let env = TestEnv::start().await;
    connect(&env, "dpop").await;
    let host = "127.0.0.1";

    // A flipped signature byte.
    let (_, factor, options, origin) = enrol(&env, &[]).await;
    let mut created =
        create_credential(&options, host, &origin, AttestationFormat::Packed).unwrap();
    created.credential.response.attestation_object =
        flip_signature_byte(&created.credential.response.attestation_object);
    register(&env, &factor, &created.credential)
        .await
        .assert_fails(1, "the attestation signature does not verify");

    // The wrong origin.
    let (_, factor, options, _) = enrol(&env, &[]).await;
    let created = create_credential(
        &options,
        host,
        "https://evil.example",
        AttestationFormat::Packed,
    )
    .unwrap();
    register(&env, &factor, &created.credential)
        .await
        .assert_fails(
            1,
            "origin 'https://evil.example' is not an origin of this org",
        );

    // The wrong challenge.
    let (_, factor, mut options, origin) = enrol(&env, &[]).await;
    options.challenge = URL_SAFE_NO_PAD.encode(b"not the challenge");
    let created = create_credential(&options, host, &origin, AttestationFormat::Packed).unwrap();
    register(&env, &factor, &created.credential)
        .await
        .assert_fails(1, "challenge does not match");

    // An expired challenge: the sandbox clock moves past the 1 s lifetime.
    let (_, factor, options, origin) = enrol(&env, &["--challenge-timeout", "1s"]).await;
    let created = create_credential(&options, host, &origin, AttestationFormat::Packed).unwrap();
    env.controls.set_clock_skew(5);
    let run = register(&env, &factor, &created.credential).await;
    env.controls.set_clock_skew(0);
    run.assert_fails(1, "the activation challenge has expired");
    assert!(run.stderr.contains("E0000068"), "{}", run.stderr);

    assert_eq!(env.controls.active_webauthn_factors(ALICE), 0);
}

#[tokio::test]
async fn bad_input_exits_2_with_one_line() {
    let env = TestEnv::start().await;
    connect(&env, "ssws").await;
    env.run(&[
        "passkey",
        "options",
        "--user",
        ALICE,
        "--challenge-timeout",
        "2d",
    ])
    .await
    .assert_fails(2, "invalid challenge timeout '2d': must be at most 1 day");
    env.run(&[
        "passkey",
        "register",
        "--user",
        ALICE,
        "--factor",
        "fwf1",
        "--credential",
        "{}",
    ])
    .await
    .assert_fails(2, "invalid credential JSON");
    env.run(&["passkey", "options", "--user", "nobody@example.com"])
        .await
        .assert_fails(1, "E0000007");
}

/// Okta limits activations per user (about 5 per 5 minutes); here 1 per 3 s. The second
/// activation is answered 429 E0000047 with a `Reset` at the end of the user's window, and
/// oktactl waits it out and retries once (`X-Okta-Retry-Count: 1`).
#[tokio::test]
async fn activation_limit_429_is_waited_out_and_retried_once() {
    let env = TestEnv::start_with(|config| {
        config.factor_activation_limit = 1;
        config.factor_activation_window_seconds = 3;
    })
    .await;
    connect(&env, "ssws").await;
    env.run(&["passkey", "new", "--user", ALICE])
        .await
        .assert_ok();
    env.run(&["passkey", "new", "--user", ALICE])
        .await
        .assert_ok();
    assert_eq!(env.controls.active_webauthn_factors(ALICE), 2);
    let retries: Vec<_> = env
        .controls
        .retry_headers()
        .into_iter()
        .filter(|r| r.path.ends_with("/lifecycle/activate"))
        .collect();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(retries[0].retry_count.as_deref(), Some("1"));
}

/// Flips the last byte of the packed statement's `sig`.
fn flip_signature_byte(attestation_object: &str) -> String {
    use ciborium::Value;
    let bytes = URL_SAFE_NO_PAD.decode(attestation_object).unwrap();
    let mut value: Value = ciborium::from_reader(bytes.as_slice()).unwrap();
    let map = value.as_map_mut().unwrap();
    let statement = map
        .iter_mut()
        .find(|(k, _)| k.as_text() == Some("attStmt"))
        .unwrap()
        .1
        .as_map_mut()
        .unwrap();
    let sig = statement
        .iter_mut()
        .find(|(k, _)| k.as_text() == Some("sig"))
        .unwrap()
        .1
        .as_bytes_mut()
        .unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 0x01;
    let mut out = Vec::new();
    ciborium::into_writer(&value, &mut out).unwrap();
    URL_SAFE_NO_PAD.encode(out)
}

/// 500 generated users against a sandbox that allows 20 requests per 1 s window in each endpoint
/// family (each user costs 3 requests in 3 families: lookup, enrol, activate, so at most 20
/// users/s and the run is throttled throughout). The first run
/// is interrupted with SIGINT once 150 lines are written and must exit 130 having written a line
/// for every user it started; the second run resumes and completes. This proves: resumability
/// without duplicates (each user appears once, with one active passkey in the sandbox), no lost
/// credential on Ctrl-C, and that the run stays under the limit: requests are held back before
/// the limit, and any request answered 429 is retried once only (`X-Okta-Retry-Count: 1`).
#[tokio::test]
async fn bulk_provision_500_users_throttled_interrupted_and_resumed() {
    const USERS: usize = 500;
    let env = TestEnv::start_with(|config| {
        config.generated_users = USERS;
        config.rate_limits = vec![RateLimitConfig {
            family: "*".into(),
            limit: 20,
            window_seconds: 1,
        }];
    })
    .await;
    connect(&env, "dpop").await;
    let csv = env.home.path().join("users.csv");
    let mut text = String::from("login,note\n");
    for n in 1..=USERS {
        text.push_str(&format!("user{n}@example.com,x\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = env.home.path().join("out.jsonl");
    let args = [
        "passkey",
        "provision",
        "--users",
        csv.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--concurrency",
        "8",
    ];
    let started = Instant::now();

    // First run: interrupt after 150 lines.
    let child = super::harness::command(&args, env.config_dir.path(), env.home.path())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let lines = std::fs::read_to_string(&out)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 150 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "150 lines within 45 s (have {lines})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("exits within 30 s of SIGINT")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("error: interrupted: "), "{stderr}");
    let first = parse_lines(&out);
    assert!(first.len() >= 150 && first.len() < USERS, "{}", first.len());
    assert!(first.iter().all(|l| l["status"] == "ok"), "{stderr}");
    // Every user with a line has exactly one passkey, and nobody else has one: the in-flight
    // users were finished and written, not dropped.
    assert_eq!(env.controls.total_active_webauthn_factors(), first.len());

    // Second run: resumes and completes.
    let run = env.run(&args).await;
    run.assert_ok();
    let all = parse_lines(&out);
    assert_eq!(all.len(), USERS, "one line per user");
    let mut logins: Vec<&str> = all.iter().map(|l| l["login"].as_str().unwrap()).collect();
    logins.sort_unstable();
    logins.dedup();
    assert_eq!(logins.len(), USERS, "no duplicates");
    assert!(all.iter().all(|l| l["status"] == "ok"));
    for n in 1..=USERS {
        assert_eq!(
            env.controls
                .active_webauthn_factors(&format!("user{n}@example.com")),
            1,
            "user{n}"
        );
    }
    assert!(
        run.stderr
            .contains(&format!("{} already done", first.len())),
        "{}",
        run.stderr
    );
    let throttled = env.controls.throttled_count();
    eprintln!("first run: {stderr}\nsecond run: {}", run.stderr);
    assert!(
        throttled > 0
            || !run
                .stderr
                .contains("rate limits: 0 answers 429, 0 requests held back"),
        "the limit was reached"
    );
    // Any 429 was retried, and no retry was answered 429 again. (The client learns the
    // windows from X-Rate-Limit-* and holds requests back, so usually there is no 429 at all.)
    let retries = env.controls.retry_headers();
    assert!(
        retries
            .iter()
            .all(|r| r.retry_count.as_deref() == Some("1")),
        "{retries:?}"
    );
    eprintln!(
        "bulk: {USERS} users in {:.1} s, {throttled} requests answered 429",
        started.elapsed().as_secs_f64()
    );
}

fn parse_lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A small bulk run with Bearer and SSWS tokens: an unknown login gets an error line and the run
/// exits 1 with one error line saying how many failed; a second run retries only that user.
#[tokio::test]
async fn provision_reports_failed_users_and_exits_1() {
    for kind in ["bearer", "ssws"] {
        let env = TestEnv::start().await;
        connect(&env, kind).await;
        let csv = env.home.path().join("users.csv");
        std::fs::write(
            &csv,
            "login\nalice@example.com\nnobody@example.com\nbob@example.com\nALICE@example.com\n",
        )
        .unwrap();
        let out = env.home.path().join("out.jsonl");
        let args = [
            "passkey",
            "provision",
            "--users",
            csv.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--concurrency",
            "2",
        ];
        let run = env.run(&args).await;
        run.assert_fails(1, "1 of 3 users failed");
        assert!(
            run.stderr.contains("3 users: 2 provisioned, 1 failed"),
            "{}",
            run.stderr
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let lines = parse_lines(&out);
        assert_eq!(lines.len(), 3);
        let failed: Vec<_> = lines.iter().filter(|l| l["status"] == "error").collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0]["login"], "nobody@example.com");
        assert!(failed[0]["error"].as_str().unwrap().contains("E0000007"));

        let again = env.run(&args).await;
        again.assert_fails(1, "1 of 3 users failed");
        assert!(again.stderr.contains("2 already done"), "{}", again.stderr);
        assert_eq!(
            parse_lines(&out).len(),
            4,
            "only the failed user was tried again"
        );
        assert_eq!(env.controls.active_webauthn_factors(ALICE), 1, "{kind}");
        assert_eq!(
            env.controls.active_webauthn_factors("bob@example.com"),
            1,
            "{kind}"
        );
    }
}
