//! `xtask bench`: every figure is a median over repeated runs, reported with its baseline from
//! the same run, so the ratios hold on any machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oktactl_api::OktaClient;
use oktactl_auth::{
    ClientId, ConnectRequest, Credential, DpopKey, DpopMode, HttpClient, Scopes, Session, Tenant,
};
use oktactl_jose::{KeyKind, SigningKey};
use oktactl_sandbox::{Sandbox, write_demo};
use serde_json::json;

type Error = Box<dyn std::error::Error + Send + Sync>;

const DPOP_APP: &str = "0oasandboxdpoprsa001";
const BEARER_APP: &str = "0oasandboxbearerec01";
const OKTA_SDK_VERSION: &str = "3.4.6";

/// Command-line options.
pub struct Options {
    runs: usize,
    lookups: usize,
}

impl Options {
    /// Parses `--runs N --lookups N`.
    pub fn parse(args: &[String]) -> Result<Options, Error> {
        let mut options = Options {
            runs: 30,
            lookups: 2000,
        };
        let mut iter = args.iter();
        while let Some(flag) = iter.next() {
            let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number: usize = value
                .parse()
                .map_err(|_| format!("{flag}: not a number: {value}"))?;
            match flag.as_str() {
                "--runs" => options.runs = number.max(1),
                "--lookups" => options.lookups = number.max(1),
                other => return Err(format!("unknown option {other}").into()),
            }
        }
        Ok(options)
    }
}

struct Row {
    name: String,
    value: f64,
    unit: &'static str,
    baseline_name: String,
    baseline: f64,
    target: Option<f64>,
}

impl Row {
    /// value / baseline for times; baseline / value would be "speed-up".
    fn ratio(&self) -> f64 {
        self.value / self.baseline
    }
}

/// Runs the benchmark.
pub fn run(options: Options) -> Result<(), Error> {
    let root = workspace_root();
    eprintln!("== building the release binary");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "oktactl"])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        return Err("cargo build --release -p oktactl failed".into());
    }
    let binary = root.join("target/release/oktactl");
    let python = python_with_sdk(&root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(measure(&options, &root, &binary, &python))
}

async fn measure(
    options: &Options,
    root: &Path,
    binary: &Path,
    python: &Path,
) -> Result<(), Error> {
    let files = tempfile::tempdir()?;
    let mut demo = write_demo(files.path())?;
    // Measure oktactl, not the sandbox's rate limiter.
    demo.config.rate_limit = u32::MAX;
    let sandbox = Sandbox::start(demo.config.clone(), "127.0.0.1:0".parse()?).await?;
    let base = sandbox.base_url();
    let key_file = files.path().join(format!("{DPOP_APP}.jwk.json"));
    let runs = options.runs;
    let mut rows = Vec::new();

    eprintln!("== processes: Okta Python SDK vs oktactl ({runs} runs each)");
    let key_arg = key_file.display().to_string();
    let python_token = median_process(runs, || {
        let mut command = Command::new(python);
        command
            .arg(root.join("bench/sdk_token.py"))
            .args([&base, DPOP_APP, &key_arg, "--dpop"]);
        command
    })?;
    let config = tempfile::tempdir()?;
    let jwk_arg = format!("@{key_arg}");
    let connect = median_process(runs, || {
        let mut command = oktactl(binary, config.path());
        command.args([
            "connect",
            "--tenant",
            &base,
            "--client-id",
            DPOP_APP,
            "--jwk",
            &jwk_arg,
            "--scopes",
            "okta.users.read",
        ]);
        command
    })?;
    let token = median_process(runs, || {
        let mut command = oktactl(binary, config.path());
        command.arg("token");
        command
    })?;
    let python_name = format!("Python process: okta {OKTA_SDK_VERSION} SDK gets a DPoP token");
    rows.push(Row {
        name: "process: oktactl token (cached DPoP token)".into(),
        value: ms(token),
        unit: "ms",
        baseline_name: python_name.clone(),
        baseline: ms(python_token),
        target: Some(1.0 / 20.0),
    });
    rows.push(Row {
        name: "process: oktactl connect (JWK, DPoP detected + nonce)".into(),
        value: ms(connect),
        unit: "ms",
        baseline_name: python_name,
        baseline: ms(python_token),
        target: Some(1.0 / 5.0),
    });

    eprintln!(
        "== user lookups: library vs raw HTTP floor ({} lookups per run)",
        options.lookups
    );
    let http = HttpClient::new(Duration::from_secs(30))?;
    let bearer = connect_library(&http, &base, files.path(), BEARER_APP).await?;
    let dpop = connect_library(&http, &base, files.path(), DPOP_APP).await?;
    let logins: Arc<Vec<String>> =
        Arc::new(demo.config.users.iter().map(|u| u.login.clone()).collect());
    for concurrency in [1usize, 4, 16] {
        let floor =
            raw_lookups(&http, &base, &bearer, &logins, options.lookups, concurrency).await?;
        let library =
            library_lookups(&http, &bearer, &logins, options.lookups, concurrency).await?;
        let library_dpop =
            library_lookups(&http, &dpop, &logins, options.lookups, concurrency).await?;
        let floor_name =
            format!("raw reqwest loop, static Bearer token, concurrency {concurrency}");
        rows.push(Row {
            name: format!(
                "{} lookups via OktaClient (Bearer), concurrency {concurrency}",
                options.lookups
            ),
            value: ms(library),
            unit: "ms",
            baseline_name: floor_name.clone(),
            baseline: ms(floor),
            target: (concurrency == 16).then_some(1.2),
        });
        rows.push(Row {
            name: format!(
                "{} lookups via OktaClient (DPoP proof each), concurrency {concurrency}",
                options.lookups
            ),
            value: ms(library_dpop),
            unit: "ms",
            baseline_name: floor_name,
            baseline: ms(floor),
            target: None,
        });
    }

    eprintln!("== signing");
    let rsa = SigningKey::from_jwk_json(&std::fs::read_to_string(&key_file)?)?;
    let ec = SigningKey::generate(KeyKind::P256)?;
    let tenant = Tenant::parse(&base)?;
    let client_id = ClientId::parse(DPOP_APP, &tenant)?;
    let audience = tenant.endpoint("/oauth2/v1/token");
    let hash_rate = per_second(|| {
        let _ = oktactl_jose::sha256_base64url(audience.as_bytes());
        Ok(())
    })?;
    for (name, key) in [("RS256 (RSA 2048)", &rsa), ("ES256 (P-256)", &ec)] {
        let rate = per_second(|| {
            oktactl_auth::assertion::client_assertion(key, &client_id, &audience, 0)?;
            Ok(())
        })?;
        rows.push(signing_row(
            format!("client assertions/s, {name}"),
            rate,
            hash_rate,
        ));
    }
    let dpop_key = DpopKey::generate()?;
    let url = url::Url::parse(&audience)?;
    let rate = per_second(|| {
        dpop_key.proof("POST", &url, None, None, 0)?;
        Ok(())
    })?;
    rows.push(signing_row("DPoP proofs/s, ES256".into(), rate, hash_rate));
    sandbox.shutdown().await;

    print_table(&rows);
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir)?;
    let json_rows: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({"name": r.name, "median": r.value, "unit": r.unit, "baseline": r.baseline_name,
                   "baseline_median": r.baseline, "ratio": r.ratio(), "target_ratio": r.target})
        })
        .collect();
    let results = json!({ "runs": runs, "lookups": options.lookups, "rows": json_rows });
    std::fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    eprintln!("(written to target/bench/results.json)");
    Ok(())
}

fn signing_row(name: String, rate: f64, hash_rate: f64) -> Row {
    // For rates the "ratio" is the cost relative to one SHA-256 of the audience: hashes per
    // operation, a machine-independent way to read the figure.
    Row {
        name,
        value: rate,
        unit: "ops/s",
        baseline_name: "SHA-256 of the token URL /s".into(),
        baseline: hash_rate,
        target: None,
    }
}

fn print_table(rows: &[Row]) {
    println!("| measurement | median | baseline (same run) | baseline median | ratio | target |");
    println!("|---|---:|---|---:|---:|---:|");
    for row in rows {
        let target = match row.target {
            Some(t) if row.ratio() <= t => format!("≤ {t:.2} ✓"),
            Some(t) => format!("≤ {t:.2} ✗"),
            None => String::new(),
        };
        let (value, baseline) = if row.unit == "ops/s" {
            (
                format!("{:.0} /s", row.value),
                format!("{:.0} /s", row.baseline),
            )
        } else {
            (
                format!("{:.2} ms", row.value),
                format!("{:.2} ms", row.baseline),
            )
        };
        println!(
            "| {} | {value} | {} | {baseline} | {} | {target} |",
            row.name,
            row.baseline_name,
            ratio_text(row.ratio())
        );
    }
}

/// Small ratios read better as fractions: 0.0004 → "1/2333".
fn ratio_text(ratio: f64) -> String {
    if ratio > 0.0 && ratio < 0.1 {
        format!("1/{:.0}", 1.0 / ratio)
    } else {
        format!("{ratio:.2}")
    }
}

async fn connect_library(
    http: &HttpClient,
    base: &str,
    dir: &Path,
    client_id: &str,
) -> Result<Session, Error> {
    let tenant = Tenant::parse(base)?;
    let jwk = std::fs::read_to_string(dir.join(format!("{client_id}.jwk.json")))?;
    let request = ConnectRequest {
        client_id: ClientId::parse(client_id, &tenant)?,
        tenant,
        scopes: Scopes::parse(&["okta.users.read"])?,
        credential: Credential::PrivateKey(Box::new(SigningKey::from_jwk_json(&jwk)?)),
        dpop: DpopMode::Auto,
    };
    Ok(oktactl_auth::connect(http, "bench", request).await?)
}

/// `total` lookups spread over `concurrency` tasks, each with its own OktaClient.
async fn library_lookups(
    http: &HttpClient,
    session: &Session,
    logins: &Arc<Vec<String>>,
    total: usize,
    concurrency: usize,
) -> Result<Duration, Error> {
    median_async(5, || async {
        let mut tasks = Vec::new();
        for task in 0..concurrency {
            let client = OktaClient::new(http.clone(), session.clone());
            let logins = logins.clone();
            let count = share(total, concurrency, task);
            tasks.push(tokio::spawn(async move {
                for i in 0..count {
                    client.user(&logins[i % logins.len()]).await?;
                }
                Ok::<(), Error>(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        Ok(())
    })
    .await
}

/// The floor: the same GETs from a bare reqwest loop with a static header, no auth logic.
async fn raw_lookups(
    http: &HttpClient,
    base: &str,
    session: &Session,
    logins: &Arc<Vec<String>>,
    total: usize,
    concurrency: usize,
) -> Result<Duration, Error> {
    let header = format!("Bearer {}", session.access_token().secret());
    median_async(5, || async {
        let mut tasks = Vec::new();
        for task in 0..concurrency {
            let client = http.inner().clone();
            let header = header.clone();
            let logins = logins.clone();
            let base = base.to_string();
            let count = share(total, concurrency, task);
            tasks.push(tokio::spawn(async move {
                for i in 0..count {
                    let url = format!("{base}/api/v1/users/{}", logins[i % logins.len()]);
                    let response = client
                        .get(&url)
                        .header("Authorization", &header)
                        .header("Accept", "application/json")
                        .send()
                        .await?;
                    if !response.status().is_success() {
                        return Err(format!("raw lookup: HTTP {}", response.status()).into());
                    }
                    response.bytes().await?;
                }
                Ok::<(), Error>(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        Ok(())
    })
    .await
}

fn share(total: usize, parts: usize, index: usize) -> usize {
    total / parts + usize::from(index < total % parts)
}

async fn median_async<F, Fut>(runs: usize, mut op: F) -> Result<Duration, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    op().await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        op().await?;
        times.push(start.elapsed());
    }
    Ok(median(times))
}

fn median_process(runs: usize, mut make: impl FnMut() -> Command) -> Result<Duration, Error> {
    let mut times = Vec::with_capacity(runs);
    for run in 0..=runs {
        let start = Instant::now();
        let output = make().output()?;
        let elapsed = start.elapsed();
        if !output.status.success() {
            return Err(format!(
                "{:?} failed: {}",
                make().get_program(),
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        if run > 0 {
            times.push(elapsed); // run 0 warms the page cache
        }
    }
    Ok(median(times))
}

/// Operations per second over about half a second.
fn per_second(mut op: impl FnMut() -> Result<(), Error>) -> Result<f64, Error> {
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < Duration::from_millis(500) {
        op()?;
        count += 1;
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn oktactl(binary: &Path, config: &Path) -> Command {
    let mut command = Command::new(binary);
    command
        .env("OKTACTL_CONFIG_DIR", config)
        .env("OKTACTL_TOKEN_STORE", "file")
        .env_remove("RUST_LOG");
    command
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// `.venv/bin/python` with the Okta SDK, made here from PyPI when missing.
fn python_with_sdk(root: &Path) -> Result<PathBuf, Error> {
    let venv = root.join(".venv");
    let python = venv.join("bin/python");
    let has_sdk = |p: &Path| {
        Command::new(p)
            .args(["-c", "import okta"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.exists() && has_sdk(&python) {
        return Ok(python);
    }
    eprintln!(
        "== setting up {} with okta=={OKTA_SDK_VERSION}",
        venv.display()
    );
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()?
        .success()
        && Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &format!("okta=={OKTA_SDK_VERSION}"),
            ])
            .status()?
            .success();
    if !ok || !has_sdk(&python) {
        return Err("cannot set up the Python venv with the okta SDK".into());
    }
    Ok(python)
}
