//! Users (`/api/v1/users`, reference §7): lookup by id or login, as upstream's
//! `Get-OktaUserId` does.

use oktactl_wire::User;

use crate::{ApiError, OktaClient};

impl OktaClient {
    /// Looks a user up by id or login (`GET /api/v1/users/{id or login}`); the login is sent as
    /// one escaped path segment.
    pub async fn user(&self, id_or_login: &str) -> Result<User, ApiError> {
        let path = user_path(id_or_login)?;
        self.get_json(&path).await
    }

    /// The id of the user with this login (or id), e.g. `00u1a2b3c4d5e6f7g8h9`.
    pub async fn user_id(&self, login: &str) -> Result<String, ApiError> {
        Ok(self.user(login).await?.id)
    }
}

/// `/api/v1/users/<escaped id or login>`.
pub fn user_path(id_or_login: &str) -> Result<String, ApiError> {
    if id_or_login.trim().is_empty() {
        return Err(ApiError::InvalidPath {
            path: id_or_login.into(),
            reason: "a user id or login is required".into(),
        });
    }
    // Only the segment is escaped; any base works since just the path is kept.
    let mut url =
        url::Url::parse("http://localhost/api/v1/users").map_err(|e| ApiError::InvalidPath {
            path: id_or_login.into(),
            reason: e.to_string(),
        })?;
    url.path_segments_mut()
        .map_err(|()| ApiError::InvalidPath {
            path: id_or_login.into(),
            reason: "cannot be a path segment".into(),
        })?
        .push(id_or_login);
    Ok(url.path().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_one_escaped_segment() {
        assert_eq!(
            user_path("alice@example.com").unwrap(),
            "/api/v1/users/alice@example.com"
        );
        assert_eq!(user_path("a/b c").unwrap(), "/api/v1/users/a%2Fb%20c");
        assert!(user_path(" ").is_err());
    }
}
