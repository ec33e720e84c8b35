//! The users API subset oktactl uses (reference §7): `GET /api/v1/users/{id or login}` and
//! `GET /api/v1/users` with `filter`, `search`, `q`, `limit` and `after`, paged with
//! `Link: <…>; rel="next"` headers.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use oktactl_wire::{User, UserProfile};
use serde_json::json;

use crate::api::auth::{self, ResourceRequest};
use crate::api::filter::Expr;
use crate::config::UserConfig;
use crate::responses::{ApiError, json};
use crate::state::AppState;

/// The list path.
pub(crate) const USERS_PATH: &str = "/api/v1/users";
/// Default and largest page size of the list.
const DEFAULT_LIMIT: usize = 200;
/// Scopes that allow reading users.
const READ_SCOPES: [&str; 2] = ["okta.users.read", "okta.users.manage"];
/// Every sandbox user was created at the same moment.
const CREATED: &str = "2024-01-01T00:00:00.000Z";

/// Handles `GET /api/v1/users/{id or login}`.
pub(crate) async fn get_user(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        authorize_read(&state, &method, &uri, &headers)?;
        let raw = uri
            .path()
            .strip_prefix("/api/v1/users/")
            .unwrap_or_default();
        let wanted = percent_decode(raw);
        let user = state
            .config
            .users
            .iter()
            .find(|user| user.id == wanted || user.login.eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| ApiError::not_found(&wanted, "User"))?;
        Ok::<_, ApiError>(json(&to_wire(&state, user)))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Handles `GET /api/v1/users`.
pub(crate) async fn list_users(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        authorize_read(&state, &method, &uri, &headers)?;
        let query = ListQuery::parse(uri.query().unwrap_or_default())?;
        let matching: Vec<&UserConfig> = state
            .config
            .users
            .iter()
            .filter(|user| query.matches(user))
            .collect();
        let start = match &query.after {
            None => 0,
            // The cursor is the id of the last user of the previous page; an unknown cursor
            // gives an empty page.
            Some(after) => matching
                .iter()
                .position(|user| &user.id == after)
                .map_or(matching.len(), |index| index + 1),
        };
        let page: Vec<&UserConfig> = matching
            .iter()
            .skip(start)
            .take(query.limit)
            .copied()
            .collect();
        let body: Vec<User> = page.iter().map(|user| to_wire(&state, user)).collect();
        let mut response = json(&body);
        let self_link = match uri.query() {
            Some(q) if !q.is_empty() => format!("{}?{q}", state.url(USERS_PATH)),
            _ => state.url(USERS_PATH),
        };
        // `self` before `next`, as Okta sends them: the Python SDK (3.4.6) folds the headers into
        // a dict, where the last `Link` wins, and finds the next page there.
        append_link(response.headers_mut(), &self_link, "self");
        if let Some(last) = page.last()
            && start + page.len() < matching.len()
        {
            let base = crate::state::lock(&state.controls.next_link_base)
                .clone()
                .unwrap_or_else(|| state.base_url.clone());
            let next = format!("{base}{USERS_PATH}?{}", query.next_query(&last.id));
            append_link(response.headers_mut(), &next, "next");
        }
        Ok::<_, ApiError>(response)
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

fn authorize_read(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let request = ResourceRequest {
        method: method.as_str(),
        raw_path: uri.path(),
        headers,
    };
    let caller = auth::authenticate(state, &request)?;
    auth::require_scope(state, &caller, &READ_SCOPES, "okta.users.read", uri.path())
}

/// The list's query parameters.
struct ListQuery {
    /// Every parameter in order, to rebuild the `next` link.
    params: Vec<(String, String)>,
    filters: Vec<Expr>,
    q: Option<String>,
    limit: usize,
    after: Option<String>,
}

impl ListQuery {
    fn parse(query: &str) -> Result<Self, ApiError> {
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        let mut parsed = ListQuery {
            params: params.clone(),
            filters: Vec::new(),
            q: None,
            limit: DEFAULT_LIMIT,
            after: None,
        };
        for (name, value) in params {
            match name.as_str() {
                "filter" | "search" => {
                    parsed
                        .filters
                        .push(Expr::parse(&value).map_err(|_| ApiError::invalid_search())?);
                }
                "q" => parsed.q = Some(value.to_ascii_lowercase()),
                "limit" => {
                    let limit: usize = value.trim().parse().map_err(|_| {
                        ApiError::validation(format!("limit: '{value}' is not a number"))
                    })?;
                    parsed.limit = limit.clamp(1, DEFAULT_LIMIT);
                }
                "after" => parsed.after = Some(value),
                _ => {}
            }
        }
        Ok(parsed)
    }

    fn matches(&self, user: &UserConfig) -> bool {
        let attribute = |name: &str| -> Option<&str> {
            Some(match name {
                "id" => &user.id,
                "status" => &user.status,
                "profile.login" => &user.login,
                "profile.email" => &user.email,
                "profile.firstName" => &user.first_name,
                "profile.lastName" => &user.last_name,
                "created" | "activated" | "lastUpdated" | "statusChanged" => CREATED,
                _ => return None,
            })
        };
        let by_prefix = self.q.as_deref().is_none_or(|q| {
            [&user.login, &user.email, &user.first_name, &user.last_name]
                .iter()
                .any(|field| field.to_ascii_lowercase().starts_with(q))
        });
        by_prefix && self.filters.iter().all(|filter| filter.matches(&attribute))
    }

    /// The query of the next page: the same parameters with `after` set to `last_id`.
    fn next_query(&self, last_id: &str) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.params.iter().filter(|(name, _)| name != "after") {
            serializer.append_pair(name, value);
        }
        serializer.append_pair("after", last_id);
        serializer.finish()
    }
}

fn to_wire(state: &AppState, user: &UserConfig) -> User {
    let optional = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    User {
        id: user.id.clone(),
        status: user.status.clone(),
        created: Some(CREATED.to_owned()),
        activated: Some(CREATED.to_owned()),
        status_changed: Some(CREATED.to_owned()),
        last_login: None,
        last_updated: Some(CREATED.to_owned()),
        password_changed: None,
        profile: UserProfile {
            login: user.login.clone(),
            email: optional(&user.email),
            first_name: optional(&user.first_name),
            last_name: optional(&user.last_name),
            extra: Default::default(),
        },
        links: Some(json!({ "self": { "href": state.url(&format!("{USERS_PATH}/{}", user.id)) } })),
    }
}

fn append_link(headers: &mut HeaderMap, url: &str, rel: &str) {
    if let Ok(value) = HeaderValue::from_str(&format!("<{url}>; rel=\"{rel}\"")) {
        headers.append(header::LINK, value);
    }
}

/// Decodes `%XX` escapes of a path segment (`+` stays a plus, unlike in forms). Invalid escapes
/// are kept as they are; invalid UTF-8 is replaced.
pub(crate) fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits make a value below 256.
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decode_keeps_plus_and_bad_escapes() {
        assert_eq!(percent_decode("alice%40example.com"), "alice@example.com");
        assert_eq!(percent_decode("a+b"), "a+b");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn next_query_replaces_after() {
        let query = ListQuery::parse("limit=2&after=00u1&q=a").unwrap();
        assert_eq!(query.next_query("00u9"), "limit=2&q=a&after=00u9");
    }

    #[test]
    fn bad_limit_and_filter_are_refused() {
        assert_eq!(ListQuery::parse("limit=x").err().unwrap().code, "E0000001");
        assert_eq!(
            ListQuery::parse("filter=id+eq").err().unwrap().code,
            "E0000031"
        );
    }
}
