//! HTTPS for the sandbox: a throw-away certificate authority made at start-up (rcgen), a server
//! certificate for `localhost` and `127.0.0.1` signed by it, and rustls on the same aws-lc-rs
//! provider reqwest uses. Tests use it to check custom-CA handling (`--ca-file`,
//! `SSL_CERT_FILE`) and tunnelling through an `HTTPS_PROXY`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::sync::oneshot;

use crate::state::{AppState, ControlsInner};
use crate::{Controls, Sandbox, SandboxConfig, SandboxError, router, sandbox_signing_key};

/// The certificate authority of an HTTPS sandbox: clients trust the sandbox by trusting this.
#[derive(Clone, Debug)]
pub struct SandboxTls {
    ca_pem: String,
}

impl SandboxTls {
    /// The CA certificate, PEM encoded (public: no key material).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Writes the CA certificate to `dir/sandbox-ca.pem` and returns the path.
    pub fn write_ca(&self, dir: &Path) -> Result<PathBuf, SandboxError> {
        let path = dir.join("sandbox-ca.pem");
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&path, &self.ca_pem))
            .map_err(|err| tls_error(format!("cannot write {}: {err}", path.display())))?;
        Ok(path)
    }
}

impl Sandbox {
    /// Like [`Sandbox::start`], but serves HTTPS with a certificate from a CA made for this
    /// sandbox. The base URL is `https://localhost:<port>`.
    pub async fn start_https(
        config: SandboxConfig,
        addr: SocketAddr,
    ) -> Result<(Sandbox, SandboxTls), SandboxError> {
        let signing_key = tokio::task::spawn_blocking(sandbox_signing_key)
            .await
            .map_err(|err| SandboxError::KeyGeneration {
                reason: err.to_string(),
            })??;
        let (server_config, tls) = certificates()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let base_url = format!("https://localhost:{}", local_addr.port());
        let controls = Controls {
            inner: Arc::new(ControlsInner::new()),
        };
        let state = Arc::new(AppState::new(
            base_url.clone(),
            config,
            signing_key,
            controls.inner.clone(),
        )?);
        let app = router::router(state);
        let (shutdown, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => accepted,
                };
                let Ok((tcp, _peer)) = accepted else { continue };
                let acceptor = acceptor.clone();
                let service = TowerToHyperService::new(app.clone());
                tokio::spawn(async move {
                    // A client that does not trust the CA aborts the handshake: not an error
                    // of the sandbox, so it is only logged at debug level.
                    let stream = match acceptor.accept(tcp).await {
                        Ok(stream) => stream,
                        Err(err) => {
                            tracing::debug!(error = %err, "TLS handshake failed");
                            return;
                        }
                    };
                    let served = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                    if let Err(err) = served {
                        tracing::debug!(error = %err, "HTTPS connection ended with an error");
                    }
                });
            }
        });
        tracing::info!(%base_url, "sandbox listening (HTTPS)");
        Ok((
            Sandbox {
                local_addr,
                base_url,
                controls,
                shutdown: Some(shutdown),
                task: Some(task),
            },
            tls,
        ))
    }
}

/// A CA and a `localhost`/`127.0.0.1` server certificate signed by it.
fn certificates() -> Result<(rustls::ServerConfig, SandboxTls), SandboxError> {
    let rcgen_error = |err: rcgen::Error| tls_error(err.to_string());
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(rcgen_error)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "oktactl sandbox CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(rcgen_error)?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(rcgen_error)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(rcgen_error)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf_key = KeyPair::generate().map_err(rcgen_error)?;
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &issuer)
        .map_err(rcgen_error)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| tls_error(err.to_string()))?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf_cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(|err| tls_error(err.to_string()))?;
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((
        server_config,
        SandboxTls {
            ca_pem: ca_cert.pem(),
        },
    ))
}

fn tls_error(reason: String) -> SandboxError {
    SandboxError::Tls { reason }
}
