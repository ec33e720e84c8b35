//! `oktactl token`: print only the access token, for `$(oktactl token)`. With a valid cached
//! token it touches no network.

use oktactl_auth::Session;
use oktactl_auth::http::unix_now;
use oktactl_auth::session::RENEW_WITHIN_SECS;

use crate::commands::{CommandError, Context};
use crate::output::print_line;

/// Runs `token`.
pub async fn run(ctx: &Context) -> Result<(), CommandError> {
    let store = ctx.store()?;
    let mut session = Session::load(&store, &ctx.profile)?;
    if session.expires_within(RENEW_WITHIN_SECS, unix_now()) {
        // Another `oktactl token` may be renewing the same profile: take the profile lock,
        // then look again, so only one of them mints and both print a valid token.
        let lock = store.lock_profile(&ctx.profile)?;
        session = Session::load(&store, &ctx.profile)?;
        if session
            .ensure_fresh(&ctx.http()?, RENEW_WITHIN_SECS)
            .await?
        {
            session.save_locked(&store, &lock)?;
        }
    }
    print_line(session.access_token().secret())
}
