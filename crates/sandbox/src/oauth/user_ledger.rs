//! What the sandbox remembers for interactive sign-ins: authorization codes (single use, bound
//! to client, redirect URI and PKCE challenge, 300 s), refresh tokens (rotated on every use,
//! bound to the DPoP key when there was one) and device codes (RFC 8628).

use std::collections::HashMap;

/// Okta's authorization codes live 300 s (reference §4).
pub(crate) const CODE_LIFETIME_SECONDS: i64 = 300;
/// Device and user codes live 10 minutes.
pub(crate) const DEVICE_CODE_LIFETIME_SECONDS: i64 = 600;

/// An issued authorization code.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub user_id: String,
    pub expires_at: i64,
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub user_id: String,
    pub jkt: Option<String>,
    /// `ControlsInner::refresh_epoch` when issued.
    pub epoch: usize,
}

/// Where a device authorization stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved { user_id: String },
    Denied,
}

/// An issued device code.
#[derive(Debug, Clone)]
pub(crate) struct DeviceGrant {
    pub user_code: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: i64,
    pub interval: i64,
    pub last_poll: Option<i64>,
    pub status: DeviceStatus,
}

/// The ledger itself; lives in a mutex in `AppState`.
#[derive(Debug, Default)]
pub(crate) struct UserLedger {
    pub codes: HashMap<String, CodeGrant>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub devices: HashMap<String, DeviceGrant>,
}

impl UserLedger {
    /// Drops codes and device codes that expired before `now`.
    pub(crate) fn prune(&mut self, now: i64) {
        if self.codes.len() > 256 {
            self.codes.retain(|_, c| c.expires_at > now);
        }
        if self.devices.len() > 256 {
            self.devices.retain(|_, d| d.expires_at > now);
        }
    }

    /// The device code whose user code is `user_code` (compared without dashes, any case).
    pub(crate) fn device_by_user_code(&mut self, user_code: &str) -> Option<&mut DeviceGrant> {
        let wanted = normalize_user_code(user_code);
        self.devices
            .values_mut()
            .find(|d| normalize_user_code(&d.user_code) == wanted)
    }
}

/// `abcd-efgh` and `ABCDEFGH` are the same user code (RFC 8628 §6.1).
pub(crate) fn normalize_user_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
