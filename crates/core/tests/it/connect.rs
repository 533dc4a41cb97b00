//! "Connect" end to end against the fake authorization servers: a stand-in browser follows the
//! authorization URL with the fake's approve/deny switch and then the redirect to the loopback
//! listener, over real HTTP.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_core::audit::AuditResult;
use switchboard_core::integrations::{secret_account, IntegrationDraft};
use switchboard_core::oauth::ConnectOptions;
use switchboard_core::providers::Provider;
use switchboard_core::status::{ConnectAction, Level};
use switchboard_core::{Actor, ErrorCode};
use switchboard_fakes::{FakeProvider, Scenario, QUICKBOOKS_REALM_ID};

use crate::connection::{setup, Setup};

const QB_SECRET: &str = "qb-client-secret-xyz";

fn manager() -> Actor {
    Actor::user("usr_manager", "manager", switchboard_core::Role::Manager)
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A QuickBooks integration saved with only its app credentials (sandbox, any free port).
fn add_quickbooks(s: &Setup, name: &str) -> String {
    s.sb.create_integration(
        &manager(),
        IntegrationDraft {
            provider: Provider::Quickbooks,
            name: name.into(),
            environment: "sandbox".into(),
            base_url: Some(s.fakes.base_url()),
            values: map(&[("client_id", "ABclient"), ("redirect_port", "0")]),
            secrets: map(&[("client_secret", QB_SECRET)]),
        },
    )
    .unwrap()
    .integration
    .id
}

fn add_square(s: &Setup, secret: Option<&str>) -> String {
    let secrets = match secret {
        Some(v) => map(&[("application_secret", v)]),
        None => BTreeMap::new(),
    };
    s.sb.create_integration(
        &manager(),
        IntegrationDraft {
            provider: Provider::Square,
            name: "Payments".into(),
            environment: "sandbox".into(),
            base_url: Some(s.fakes.base_url()),
            values: map(&[
                ("application_id", "sandbox-sq0idb-app"),
                ("redirect_port", "0"),
            ]),
            secrets,
        },
    )
    .unwrap()
    .integration
    .id
}

/// What the stand-in browser saw.
#[derive(Default, Clone, Debug)]
struct Seen {
    code: Option<String>,
    pages: Vec<(u16, String)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Browser {
    Approve,
    Deny,
    /// Sends a callback with a wrong state first, then the real one.
    WrongStateFirst,
    /// Approves, then lets the code expire before following the redirect.
    ExpireCode,
    /// Approves but hands the listener this earlier code instead.
    Replay,
}

fn browser(
    s: &Setup,
    how: Browser,
    replay: Option<String>,
    seen: Arc<Mutex<Seen>>,
) -> ConnectOptions {
    let control = s.fakes.control_url();
    ConnectOptions {
        open_browser: false,
        on_url: Some(Box::new(move |url: &str| {
            let url = url.to_owned();
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let decision = if how == Browser::Deny {
                    "deny"
                } else {
                    "approve"
                };
                let answer = client
                    .get(format!("{url}&fake_decision={decision}"))
                    .send()
                    .await
                    .unwrap();
                let mut callback = answer.headers()["location"].to_str().unwrap().to_owned();
                let parsed = url::Url::parse(&callback).unwrap();
                let code = parsed
                    .query_pairs()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.into_owned());
                seen.lock().unwrap().code = code.clone();
                match how {
                    Browser::WrongStateFirst => {
                        let mut wrong = parsed.clone();
                        let pairs: Vec<(String, String)> = parsed
                            .query_pairs()
                            .map(|(k, v)| {
                                let v = if k == "state" {
                                    format!("X{v}")
                                } else {
                                    v.into_owned()
                                };
                                (k.into_owned(), v)
                            })
                            .collect();
                        wrong.query_pairs_mut().clear().extend_pairs(pairs);
                        let r = client.get(wrong.as_str()).send().await.unwrap();
                        let status = r.status().as_u16();
                        let text = r.text().await.unwrap();
                        seen.lock().unwrap().pages.push((status, text));
                    }
                    Browser::ExpireCode => {
                        client
                            .post(format!("{control}/oauth/expire_codes"))
                            .send()
                            .await
                            .unwrap();
                    }
                    Browser::Replay => {
                        if let (Some(new), Some(old)) = (&code, &replay) {
                            callback = callback.replace(new.as_str(), old);
                        }
                    }
                    _ => {}
                }
                let r = client.get(&callback).send().await.unwrap();
                let status = r.status().as_u16();
                let text = r.text().await.unwrap();
                seen.lock().unwrap().pages.push((status, text));
            });
        })),
        wait: Some(Duration::from_secs(10)),
    }
}

/// The pages the browser saw, once it has seen `n` (it records them after Connect returns).
async fn pages(seen: &Arc<Mutex<Seen>>, n: usize) -> Seen {
    for _ in 0..200 {
        if seen.lock().unwrap().pages.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    seen.lock().unwrap().clone()
}

fn files_contain(s: &Setup, needle: &str) -> bool {
    let dir = s.sb.data_dir();
    let mut found = false;
    for entry in walk(dir) {
        if let Ok(bytes) = std::fs::read(&entry) {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found = true;
            }
        }
    }
    found
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn revision(s: &Setup, id: &str) -> (u32, Vec<String>) {
    let i = s.sb.get_integration(&manager(), id).unwrap();
    let set = i
        .secrets
        .iter()
        .filter(|x| x.set)
        .map(|x| x.field.clone())
        .collect();
    (i.revision, set)
}

#[tokio::test]
async fn quickbooks_saved_with_app_credentials_is_not_connected_then_connect_makes_it_green() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    let status = s.sb.integration_status(&manager(), &id).unwrap();
    assert_eq!(
        (status.level, status.reason.as_str(), status.connect),
        (
            Level::Yellow,
            "Not connected.",
            Some(ConnectAction::Connect)
        )
    );

    let seen = Arc::new(Mutex::new(Seen::default()));
    let connected =
        s.sb.connect_integration(
            &manager(),
            &id,
            browser(&s, Browser::Approve, None, seen.clone()),
        )
        .await
        .unwrap();
    assert_eq!(connected.company_id.as_deref(), Some(QUICKBOOKS_REALM_ID));
    assert_eq!(
        connected
            .integration
            .settings
            .get("realm_id")
            .map(String::as_str),
        Some(QUICKBOOKS_REALM_ID)
    );
    assert!(connected.renew_by.is_some());
    let refresh = s.fakes.quickbooks_refresh_token().unwrap();
    let stored =
        s.sb.keychain()
            .get(&secret_account(&id, "refresh_token"))
            .unwrap()
            .unwrap();
    assert_eq!(stored.expose(), refresh);
    let seen = pages(&seen, 1).await;
    assert_eq!(seen.pages.len(), 1);
    assert_eq!(seen.pages[0].0, 200);
    assert!(
        seen.pages[0].1.contains("Switchboard is connected"),
        "{}",
        seen.pages[0].1
    );
    // The exchange sent the code with Basic client auth and the loopback redirect URI.
    let exchange = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/v1/tokens/bearer")
        .unwrap();
    assert!(exchange
        .header("authorization")
        .unwrap()
        .starts_with("Basic "));
    assert!(exchange
        .form()
        .iter()
        .any(|(k, v)| k == "redirect_uri" && v.starts_with("http://localhost:")));

    let run = s.sb.test_integration(&manager(), &id).await.unwrap();
    assert_eq!(run.status.level, Level::Green, "{:?}", run.test.outcome);
    assert!(run.status.reason.contains("Larry's Bakery"));
    assert_eq!(run.status.connect, None);

    let audit = s.sb.recent_audit(&Actor::admin_for_tests(), 5).unwrap();
    assert!(audit
        .iter()
        .any(|r| r.action == "integration.connect" && r.result == AuditResult::Ok));
    // No token or code in the data folder (database, WAL, logs).
    let access = s.fakes.quickbooks_access_token().unwrap();
    for secret in [
        refresh.as_str(),
        access.as_str(),
        seen.code.as_deref().unwrap(),
        QB_SECRET,
    ] {
        assert!(
            !files_contain(&s, secret),
            "{secret} found in the data folder"
        );
    }
}

#[tokio::test]
async fn denied_consent_is_a_clear_error_and_stores_nothing_but_the_audit_row() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    let before = revision(&s, &id);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let err =
        s.sb.connect_integration(
            &manager(),
            &id,
            browser(&s, Browser::Deny, None, seen.clone()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Provider);
    assert!(err.to_string().contains("declined"), "{err}");
    assert_eq!(revision(&s, &id), before);
    assert_eq!(pages(&seen, 1).await.pages[0].0, 400);
    let newest = &s.sb.recent_audit(&Actor::admin_for_tests(), 1).unwrap()[0];
    assert_eq!(
        (newest.action.as_str(), newest.result),
        ("integration.connect", AuditResult::Failed)
    );
}

#[tokio::test]
async fn a_wrong_state_gets_an_error_page_and_the_wait_goes_on() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    let seen = Arc::new(Mutex::new(Seen::default()));
    s.sb.connect_integration(
        &manager(),
        &id,
        browser(&s, Browser::WrongStateFirst, None, seen.clone()),
    )
    .await
    .unwrap();
    let pages = pages(&seen, 2).await.pages;
    assert_eq!(pages[0].0, 400);
    assert!(pages[0].1.contains("does not belong"), "{}", pages[0].1);
    assert_eq!(pages[1].0, 200);
}

#[tokio::test]
async fn a_replayed_or_expired_code_is_refused_and_changes_nothing() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    let seen = Arc::new(Mutex::new(Seen::default()));
    s.sb.connect_integration(
        &manager(),
        &id,
        browser(&s, Browser::Approve, None, seen.clone()),
    )
    .await
    .unwrap();
    let old_code = seen.lock().unwrap().code.clone();
    let before = revision(&s, &id);
    let kept = s.fakes.quickbooks_refresh_token();

    let err =
        s.sb.connect_integration(
            &manager(),
            &id,
            browser(
                &s,
                Browser::Replay,
                old_code,
                Arc::new(Mutex::new(Seen::default())),
            ),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid_grant"), "{err}");
    assert_eq!(revision(&s, &id), before);

    let err =
        s.sb.connect_integration(
            &manager(),
            &id,
            browser(
                &s,
                Browser::ExpireCode,
                None,
                Arc::new(Mutex::new(Seen::default())),
            ),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("5 minutes"), "{err}");
    assert_eq!(revision(&s, &id), before);
    let stored =
        s.sb.keychain()
            .get(&secret_account(&id, "refresh_token"))
            .unwrap()
            .unwrap();
    assert_eq!(Some(stored.expose().to_owned()), kept);
}

#[tokio::test]
async fn a_token_endpoint_that_is_down_is_a_network_error_and_stores_nothing() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    let before = revision(&s, &id);
    s.fakes.set(FakeProvider::Quickbooks, Scenario::Reset);
    let err =
        s.sb.connect_integration(
            &manager(),
            &id,
            browser(
                &s,
                Browser::Approve,
                None,
                Arc::new(Mutex::new(Seen::default())),
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert_eq!(revision(&s, &id), before);
}

#[tokio::test]
async fn a_refused_refresh_token_turns_red_with_reconnect_and_reconnect_repairs_it() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    let options = || {
        browser(
            &s,
            Browser::Approve,
            None,
            Arc::new(Mutex::new(Seen::default())),
        )
    };
    s.sb.connect_integration(&manager(), &id, options())
        .await
        .unwrap();
    s.fakes
        .set(FakeProvider::Quickbooks, Scenario::InvalidGrant);
    let run = s.sb.test_integration(&manager(), &id).await.unwrap();
    assert_eq!(run.status.level, Level::Red);
    assert_eq!(run.status.action, "Reconnect");
    assert_eq!(run.status.connect, Some(ConnectAction::Reconnect));
    s.fakes.set(FakeProvider::Quickbooks, Scenario::Ok);
    s.sb.connect_integration(&manager(), &id, options())
        .await
        .unwrap();
    let run = s.sb.test_integration(&manager(), &id).await.unwrap();
    assert_eq!(run.status.level, Level::Green, "{:?}", run.status);
}

#[tokio::test]
async fn quickbooks_disconnect_revokes_at_intuit_and_removes_the_token() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    s.sb.connect_integration(
        &manager(),
        &id,
        browser(
            &s,
            Browser::Approve,
            None,
            Arc::new(Mutex::new(Seen::default())),
        ),
    )
    .await
    .unwrap();
    let refresh = s.fakes.quickbooks_refresh_token().unwrap();
    let done = s.sb.disconnect_integration(&manager(), &id).await.unwrap();
    assert!(done.revoked, "{}", done.message);
    let revoke = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path == "/v2/oauth2/tokens/revoke")
        .unwrap();
    assert!(revoke.body_text().contains(&refresh));
    assert!(revoke
        .header("authorization")
        .unwrap()
        .starts_with("Basic "));
    assert!(s
        .sb
        .keychain()
        .get(&secret_account(&id, "refresh_token"))
        .unwrap()
        .is_none());
    let status = s.sb.integration_status(&manager(), &id).unwrap();
    assert_eq!(status.connect, Some(ConnectAction::Connect));
    let newest = &s.sb.recent_audit(&Actor::admin_for_tests(), 1).unwrap()[0];
    assert_eq!(newest.action, "integration.disconnect");
}

#[tokio::test]
async fn quickbooks_production_keys_need_the_relay_page_before_anything_opens() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    s.sb.update_integration(
        &manager(),
        &id,
        switchboard_core::integrations::IntegrationPatch {
            environment: Some("production".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let opened = Arc::new(Mutex::new(false));
    let flag = opened.clone();
    let err =
        s.sb.connect_integration(
            &manager(),
            &id,
            ConnectOptions {
                open_browser: false,
                on_url: Some(Box::new(move |_| *flag.lock().unwrap() = true)),
                wait: Some(Duration::from_secs(1)),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("relay_url"));
    assert!(!*opened.lock().unwrap());
}

#[tokio::test]
async fn front_desk_may_not_connect_and_the_refusal_is_audited() {
    let s = setup().await;
    let id = add_quickbooks(&s, "Books");
    let desk = Actor::user("usr_fd", "desk", switchboard_core::Role::FrontDesk);
    let err =
        s.sb.connect_integration(&desk, &id, ConnectOptions::default())
            .await
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    let newest = &s.sb.recent_audit(&Actor::admin_for_tests(), 1).unwrap()[0];
    assert_eq!(
        (newest.action.as_str(), newest.result),
        ("integration.connect", AuditResult::Refused)
    );
}

#[tokio::test]
async fn square_pkce_connect_lists_active_locations_then_renews_with_rotation() {
    let s = setup().await;
    let id = add_square(&s, None);
    let connected =
        s.sb.connect_integration(
            &manager(),
            &id,
            browser(
                &s,
                Browser::Approve,
                None,
                Arc::new(Mutex::new(Seen::default())),
            ),
        )
        .await
        .unwrap();
    assert_eq!(connected.locations.len(), 2);
    assert!(connected.needs_location);
    assert!(connected.renew_by.is_some(), "PKCE refresh tokens expire");
    // PKCE: the verifier was sent, no secret.
    let exchange = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/token")
        .unwrap();
    assert!(exchange.body_text().contains("code_verifier"));
    assert!(!exchange.body_text().contains("client_secret"));

    let err =
        s.sb.choose_square_location(&manager(), &id, "NOTALOCATION")
            .await
            .unwrap_err();
    assert_eq!(err.field(), Some("location_id"));
    let chosen =
        s.sb.choose_square_location(&manager(), &id, "3Z4V4WHQK64X9")
            .await
            .unwrap();
    assert_eq!(chosen.settings["location_id"], "3Z4V4WHQK64X9");
    let run = s.sb.test_integration(&manager(), &id).await.unwrap();
    assert_eq!(run.status.level, Level::Green, "{:?}", run.test.outcome);
    assert!(run.status.renew_by.is_some());

    // Eight days later the access token is renewed; the single-use refresh token rotates and
    // the new one is in the keychain.
    let first =
        s.sb.keychain()
            .get(&secret_account(&id, "refresh_token"))
            .unwrap()
            .unwrap();
    s.sb.db()
        .write(|tx| {
            tx.execute(
                "UPDATE integrations SET tokens_refreshed_at = tokens_refreshed_at - 8 * 86400000",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    s.fakes.clear_requests();
    let run = s.sb.test_integration(&manager(), &id).await.unwrap();
    assert_eq!(run.status.level, Level::Green, "{:?}", run.test.outcome);
    assert!(s.fakes.requests().iter().any(|r| r.path == "/oauth2/token"));
    let second =
        s.sb.keychain()
            .get(&secret_account(&id, "refresh_token"))
            .unwrap()
            .unwrap();
    assert_ne!(first.expose(), second.expose());
    // Within the week no renewal happens: the access token in memory is used.
    s.fakes.clear_requests();
    s.sb.test_integration(&manager(), &id).await.unwrap();
    assert!(!s.fakes.requests().iter().any(|r| r.path == "/oauth2/token"));

    // Disconnect without a secret removes locally and says Square keeps the grant.
    let done = s.sb.disconnect_integration(&manager(), &id).await.unwrap();
    assert!(!done.revoked);
    assert!(done.message.contains("Square keeps"), "{}", done.message);
    assert!(!s
        .fakes
        .requests()
        .iter()
        .any(|r| r.path == "/oauth2/revoke"));
}

#[tokio::test]
async fn square_code_flow_uses_the_secret_and_disconnect_revokes() {
    let s = setup().await;
    let id = add_square(&s, Some("sq0csb-app-secret"));
    let connected =
        s.sb.connect_integration(
            &manager(),
            &id,
            browser(
                &s,
                Browser::Approve,
                None,
                Arc::new(Mutex::new(Seen::default())),
            ),
        )
        .await
        .unwrap();
    assert!(
        connected.renew_by.is_none(),
        "code-flow refresh tokens do not expire"
    );
    let exchange = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/token")
        .unwrap();
    assert!(exchange.body_text().contains("client_secret"));
    assert!(!exchange.body_text().contains("code_verifier"));
    let done = s.sb.disconnect_integration(&manager(), &id).await.unwrap();
    assert!(done.revoked, "{}", done.message);
    let revoke = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/revoke")
        .unwrap();
    assert_eq!(
        revoke.header("authorization"),
        Some("Client sq0csb-app-secret")
    );
}
