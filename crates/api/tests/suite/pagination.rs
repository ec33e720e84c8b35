//! Following `Link: rel="next"` over real HTTP.

use oktactl_api::ApiError;
use oktactl_wire::User;

use crate::{client, start};

#[tokio::test]
async fn list_json_follows_next_links_to_the_end() {
    let env = start().await;
    let okta = client(&env, "0oasandboxdpoprsa001", "okta.users.read").await;
    let users: Vec<User> = okta.list_json("/api/v1/users?limit=2").await.unwrap();
    let logins: Vec<&str> = users.iter().map(|u| u.profile.login.as_str()).collect();
    assert_eq!(
        logins,
        [
            "alice@example.com",
            "bob@example.com",
            "carol@example.com",
            "dave@example.com",
            "erin@example.com"
        ]
    );
    assert_eq!(env.sandbox.controls().request_count("/api/v1/users"), 3);
    let pages = okta.paginate("/api/v1/users?limit=2").await.unwrap();
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let env = start().await;
    let controls = env.sandbox.controls();
    controls.set_next_link_base(Some("http://127.0.0.2:9".into()));
    let okta = client(&env, "0oasandboxbearerec01", "okta.users.read").await;
    let error = okta
        .list_json::<User>("/api/v1/users?limit=2")
        .await
        .unwrap_err();
    match &error {
        ApiError::ForeignLink { url } => assert!(url.starts_with("http://127.0.0.2:9/"), "{url}"),
        other => panic!("expected ForeignLink, got {other:?}"),
    }
    assert_eq!(controls.request_count("/api/v1/users"), 1, "one page only");
}

#[tokio::test]
async fn page_bound_stops_a_listing() {
    let env = start().await;
    let okta = client(&env, "0oasandboxbearerec01", "okta.users.read").await;
    let mut pages = okta.pages("/api/v1/users?limit=1").with_max_pages(2);
    assert!(pages.next_page().await.unwrap().is_some());
    assert!(pages.next_page().await.unwrap().is_some());
    let error = pages.next_page().await.unwrap_err();
    assert!(
        matches!(error, ApiError::TooManyPages { max: 2 }),
        "{error}"
    );
}
