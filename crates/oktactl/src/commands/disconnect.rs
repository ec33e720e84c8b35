//! `oktactl disconnect`: revoke the token, forget the profile. Forgetting always happens; a
//! revocation that fails (offline, refused) is a warning.

use oktactl_auth::{AuthError, Flow, Session};

use crate::commands::{CommandError, Context};

/// Runs `disconnect`.
pub async fn run(ctx: &Context) -> Result<(), CommandError> {
    let store = ctx.store()?;
    let session = match Session::load(&store, &ctx.profile) {
        Ok(session) => Some(session),
        Err(AuthError::NotConnected { .. }) => {
            if !store.delete(&ctx.profile)? {
                return Err(AuthError::NotConnected {
                    profile: ctx.profile.clone(),
                }
                .into());
            }
            None
        }
        Err(other) => {
            eprintln!(
                "warning: the stored connection cannot be read ({other}); forgetting it without revoking"
            );
            None
        }
    };
    if let Some(session) = &session {
        if session.profile().flow == Flow::ApiToken {
            eprintln!(
                "warning: SSWS API tokens cannot be revoked by oktactl; revoke it in the Admin Console \
                 (Security > API > Tokens) if it should stop working"
            );
        } else {
            match session.revoke(&ctx.http()?).await {
                Ok(()) => eprintln!("Revoked the access token."),
                Err(e) => eprintln!(
                    "warning: could not revoke the token ({e}); it stays valid until it expires"
                ),
            }
        }
    }
    store.delete(&ctx.profile)?;
    eprintln!("Disconnected (profile '{}').", ctx.profile);
    Ok(())
}
