//! Signing cost: client assertions (RS256, ES256) and DPoP proofs (ES256) per second.
//! `cargo bench -p oktactl-auth`. The baseline in the same run is one SHA-256 of the token URL.

use criterion::{Criterion, criterion_group, criterion_main};
use oktactl_auth::assertion::client_assertion;
use oktactl_auth::{ClientId, DpopKey, Tenant};
use oktactl_jose::{KeyKind, SigningKey};

fn signing(c: &mut Criterion) {
    let tenant = Tenant::parse("example.okta.com").expect("valid tenant");
    let client_id = ClientId::parse("0oakmj8hvxvtvCy3P5d7", &tenant).expect("valid client id");
    let audience = tenant.endpoint("/oauth2/v1/token");
    let url = url::Url::parse(&audience).expect("valid URL");
    let rsa = SigningKey::generate(KeyKind::Rsa { bits: 2048 }).expect("RSA key");
    let ec = SigningKey::generate(KeyKind::P256).expect("EC key");
    let dpop = DpopKey::generate().expect("DPoP key");

    c.bench_function("baseline: sha256 of the token URL", |b| {
        b.iter(|| oktactl_jose::sha256_base64url(audience.as_bytes()))
    });
    c.bench_function("client assertion RS256", |b| {
        b.iter(|| client_assertion(&rsa, &client_id, &audience, 0).expect("signed"))
    });
    c.bench_function("client assertion ES256", |b| {
        b.iter(|| client_assertion(&ec, &client_id, &audience, 0).expect("signed"))
    });
    c.bench_function("DPoP proof ES256", |b| {
        b.iter(|| dpop.proof("POST", &url, None, None, 0).expect("signed"))
    });
}

criterion_group!(benches, signing);
criterion_main!(benches);
