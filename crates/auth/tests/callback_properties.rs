//! Property test of the sign-in callback listener's request parsing, over real loopback TCP:
//! 10,000 generated requests — random request lines, paths, query strings, forged `state`s,
//! `error` redirects with the wrong state, raw junk — are all refused, the listener never
//! panics or stops, and the one real callback afterwards is accepted (issue 5).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oktactl_auth::loopback::{LoopbackListener, RedirectUri};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const STATE: &str = "Zm9yZ2VkLW5vdA.the-real-state_1";

fn request_text() -> impl Strategy<Value = String> {
    let method = prop_oneof![
        Just("GET".to_string()),
        Just("POST".to_string()),
        Just("get".to_string()),
        Just("".to_string()),
        "[A-Z]{1,7}"
    ];
    let path = prop_oneof![
        Just("/login/callback".to_string()),
        Just("/favicon.ico".to_string()),
        Just("//login/callback".to_string()),
        Just("/login/callback/".to_string()),
        "/[a-z/%.]{0,30}",
        ".{0,20}",
    ];
    let state = prop_oneof![
        Just(STATE[..STATE.len() - 1].to_string()),
        Just(format!("{STATE}x")),
        Just(STATE.to_uppercase()),
        Just(String::new()),
        "[A-Za-z0-9,._%-]{0,40}",
    ];
    let extra = prop_oneof![
        Just(String::new()),
        "&code=[A-Za-z0-9]{1,20}",
        "&error=access_denied&error_description=[a-z+]{0,20}",
        "&state=[A-Za-z0-9]{0,10}",
        "&[a-z%=&]{0,30}",
    ];
    let version = prop_oneof![Just("HTTP/1.1"), Just("HTTP/1.0"), Just("HTTP/2"), Just("")];
    let head = (method, path, state, extra, version)
        .prop_map(|(m, p, s, e, v)| format!("{m} {p}?state={s}{e} {v}\r\nHost: localhost\r\n\r\n"));
    prop_oneof![4 => head, 1 => ".{0,200}".prop_map(|junk| format!("{junk}\r\n\r\n"))]
}

async fn send(port: u16, text: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return String::new();
    };
    let _ = stream.write_all(text.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn generated_callbacks_are_refused_and_the_real_one_still_works() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let redirect = RedirectUri::parse("http://127.0.0.1:0/login/callback").unwrap();
    let listener = runtime.block_on(LoopbackListener::bind(&redirect)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let waiting =
        runtime.spawn(async move { listener.wait(STATE, Duration::from_secs(600)).await });

    let statuses = Arc::new(Mutex::new(
        std::collections::BTreeMap::<String, usize>::new(),
    ));
    let mut runner = TestRunner::new(Config {
        cases: 10_000,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&request_text(), |text| {
        let answer = runtime.block_on(send(port, &text));
        let status = answer.split(' ').nth(1).unwrap_or("none").to_string();
        prop_assert!(
            status != "200",
            "accepted a forged callback: {:?} → {}",
            text,
            answer
        );
        prop_assert!(
            !waiting.is_finished(),
            "the listener stopped after {:?}",
            text
        );
        *statuses.lock().unwrap().entry(status).or_default() += 1;
        Ok(())
    });
    result.unwrap();
    println!(
        "answers to 10,000 generated requests: {:?}",
        statuses.lock().unwrap()
    );

    let answer = runtime.block_on(send(
        port,
        &format!(
            "GET /login/callback?code=real-code&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        ),
    ));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let callback = runtime.block_on(waiting).unwrap().unwrap();
    assert_eq!(callback.code.secret(), "real-code");
}
