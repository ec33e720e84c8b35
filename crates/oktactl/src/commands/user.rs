//! `oktactl user id|show`: user lookup by login or id (`GET /api/v1/users/{id or login}`).

use oktactl_wire::User;
use serde_json::Value;

use crate::cli::UserCommand;
use crate::commands::{CommandError, Context};
use crate::output::{print_line, print_table};

/// Runs `user …`.
pub async fn run(ctx: &Context, command: UserCommand) -> Result<(), CommandError> {
    let okta = super::api::client(ctx)?;
    match command {
        UserCommand::Id { login } => print_line(&okta.user_id(&login).await?),
        UserCommand::Show { user, json } => {
            let path = oktactl_api::user_path(&user)?;
            let value: Value = okta.get_json(&path).await?;
            if json {
                return print_line(
                    &serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string()),
                );
            }
            let user: User =
                serde_json::from_value(value).map_err(|e| oktactl_api::ApiError::Json {
                    url: path.clone(),
                    reason: e.to_string(),
                })?;
            print_table(&summary(&user))
        }
    }
}

/// The human summary of a user.
fn summary(user: &User) -> Vec<(&'static str, String)> {
    let profile = &user.profile;
    let name = [profile.first_name.as_deref(), profile.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let or_dash = |value: Option<&str>| value.filter(|v| !v.is_empty()).unwrap_or("-").to_string();
    vec![
        ("id", user.id.clone()),
        ("login", profile.login.clone()),
        ("status", user.status.clone()),
        ("name", or_dash(Some(&name))),
        ("email", or_dash(profile.email.as_deref())),
        ("created", or_dash(user.created.as_deref())),
        (
            "last login",
            user.last_login.clone().unwrap_or_else(|| "never".into()),
        ),
    ]
}
