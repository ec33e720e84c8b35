//! Paging through lists the way Okta pages them: each page's answer has a
//! `Link: <…>; rel="next"` header (RFC 8288) until the last page. Okta sends `rel="self"` first
//! and `rel="next"` second, as separate headers; other servers join them with commas, so both
//! forms are read.
//!
//! Only links to the connected tenant are followed: a `next` link to another host would send the
//! token there, so it ends the listing with [`ApiError::ForeignLink`].

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::{ApiError, ApiResponse, OktaClient};

/// Listings stop with [`ApiError::TooManyPages`] after this many pages (2 million users at
/// Okta's largest page size of 200), so a server that links a page to itself cannot loop forever.
pub const MAX_PAGES: usize = 10_000;

/// The pages of one listing, fetched one at a time.
#[derive(Debug)]
pub struct Pages {
    client: OktaClient,
    next: Option<String>,
    fetched: usize,
    max_pages: usize,
}

impl Pages {
    pub(crate) fn new(client: OktaClient, path: &str) -> Self {
        Pages {
            client,
            next: Some(path.to_string()),
            fetched: 0,
            max_pages: MAX_PAGES,
        }
    }

    /// Stops after `max_pages` pages instead of [`MAX_PAGES`].
    pub fn with_max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// GETs the next page. `None` after the last one. A non-2xx answer is returned as it is and
    /// ends the listing (so a caller can print Okta's error body).
    pub async fn next_page(&mut self) -> Result<Option<ApiResponse>, ApiError> {
        let Some(path) = self.next.take() else {
            return Ok(None);
        };
        if self.fetched >= self.max_pages {
            return Err(ApiError::TooManyPages {
                max: self.max_pages,
            });
        }
        self.fetched += 1;
        let response = self.client.request(Method::GET, &path, None).await?;
        if response.is_success()
            && let Some(link) = next_link(&response.headers)
        {
            if !self.client.is_tenant_url(&link) {
                return Err(ApiError::ForeignLink { url: link });
            }
            self.next = Some(link);
        }
        Ok(Some(response))
    }
}

impl OktaClient {
    /// The pages of the listing at `path` (e.g. `/api/v1/users?limit=200`); see [`Pages`].
    pub fn pages(&self, path: &str) -> Pages {
        Pages::new(self.clone(), path)
    }

    /// GETs every page of `path` and returns the answers in order; a non-2xx answer ends the
    /// list (and is its last element).
    pub async fn paginate(&self, path: &str) -> Result<Vec<ApiResponse>, ApiError> {
        let mut pages = self.pages(path);
        let mut answers = Vec::new();
        while let Some(page) = pages.next_page().await? {
            answers.push(page);
        }
        Ok(answers)
    }

    /// GETs every page of `path`, each a JSON array, and concatenates them. A non-2xx answer
    /// becomes an error.
    pub async fn list_json<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ApiError> {
        let mut pages = self.pages(path);
        let mut items = Vec::new();
        while let Some(page) = pages.next_page().await? {
            let page: Vec<T> = page.error_for_status()?.json()?;
            items.extend(page);
        }
        Ok(items)
    }
}

/// The target of the `rel="next"` link among all `Link` headers, if any.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(split_links)
        .find_map(|link| {
            let (target, params) = parse_link(link)?;
            params
                .split(';')
                .filter_map(|param| param.split_once('='))
                .any(|(name, value)| {
                    name.trim().eq_ignore_ascii_case("rel")
                        && value
                            .trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .any(|rel| rel.eq_ignore_ascii_case("next"))
                })
                .then(|| target.to_string())
        })
}

/// Splits a header value into link-values at commas outside `<…>` (URLs may contain commas).
fn split_links(value: &str) -> Vec<&str> {
    let mut links = Vec::new();
    let mut start = 0;
    let mut in_url = false;
    for (index, ch) in value.char_indices() {
        match ch {
            '<' => in_url = true,
            '>' => in_url = false,
            ',' if !in_url => {
                links.push(&value[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    links.push(&value[start..]);
    links
}

/// `<target>; params` → `(target, params)`.
fn parse_link(link: &str) -> Option<(&str, &str)> {
    let rest = link.trim().strip_prefix('<')?;
    let (target, params) = rest.split_once('>')?;
    Some((target.trim(), params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn links(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(reqwest::header::LINK, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn next_is_found_in_separate_headers() {
        let headers = links(&[
            r#"<https://o.okta.com/api/v1/users?limit=2>; rel="self""#,
            r#"<https://o.okta.com/api/v1/users?after=00u2&limit=2>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://o.okta.com/api/v1/users?after=00u2&limit=2")
        );
    }

    #[test]
    fn next_is_found_in_one_joined_header() {
        let headers = links(&[
            r#"<https://o.okta.com/a?x=1,2>; rel="self", <https://o.okta.com/b>; rel=next"#,
        ]);
        assert_eq!(next_link(&headers).as_deref(), Some("https://o.okta.com/b"));
    }

    #[test]
    fn no_next_without_rel_next() {
        assert_eq!(next_link(&links(&[r#"<https://o/a>; rel="self""#])), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
        assert_eq!(next_link(&links(&["garbage"])), None);
    }
}
