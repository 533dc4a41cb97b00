//! Connection tests through core against the local fake providers (real HTTP on 127.0.0.1).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::checks::OutcomeKind;
use switchboard_core::integrations::{secret_account, IntegrationDraft};
use switchboard_core::providers::http::Timeouts;
use switchboard_core::providers::Provider;
use switchboard_core::status::Level;
use switchboard_core::{Actor, Keychain, OpenOptions, Secret, Switchboard};
use switchboard_fakes::{FakeProvider, FakeProviders, Scenario};

pub(crate) const AC: &str = "AC0123456789abcdef0123456789abcdef";
const TWILIO_TOKEN: &str = "7a1c0de7a1c0de7a1c0de7a1c0de7a1c";
const SQUARE_TOKEN: &str = "EAAAsecretsquaretoken123";
const QB_SECRET: &str = "qb-client-secret-xyz";
const QB_REFRESH: &str = "RT1-initial-refresh-token";

pub(crate) struct Setup {
    _dir: tempfile::TempDir,
    pub(crate) sb: Arc<Switchboard>,
    pub(crate) fakes: FakeProviders,
}

pub(crate) async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let sb = Switchboard::open(OpenOptions {
        data_dir: Some(dir.path().to_owned()),
        keychain: Some(Keychain::in_memory()),
        timeouts: Some(Timeouts {
            connect: Duration::from_secs(2),
            total: Duration::from_secs(2),
        }),
    })
    .unwrap();
    Setup {
        _dir: dir,
        sb: Arc::new(sb),
        fakes: FakeProviders::start().await,
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(crate) fn add(
    s: &Setup,
    provider: Provider,
    env: &str,
    base: &str,
    extra: &[(&str, &str)],
) -> String {
    let (values, secrets) = match provider {
        Provider::Twilio => (
            map(&[("account_sid", AC), ("sender", "+15551234567")]),
            map(&[("auth_token", TWILIO_TOKEN)]),
        ),
        Provider::Square => (
            map(&[("location_id", "18YC4JDH91E1H")]),
            map(&[("access_token", SQUARE_TOKEN)]),
        ),
        Provider::Quickbooks => (
            map(&[("client_id", "ABclient"), ("realm_id", "9341453000000001")]),
            map(&[("client_secret", QB_SECRET), ("refresh_token", QB_REFRESH)]),
        ),
    };
    let mut values = values;
    values.extend(map(extra));
    let draft = IntegrationDraft {
        provider,
        name: format!("{provider} {env} {}", values.len()),
        environment: env.to_owned(),
        base_url: Some(base.to_owned()),
        values,
        secrets,
    };
    s.sb.create_integration(
        &Actor::user("usr_manager", "manager", switchboard_core::Role::Admin),
        draft,
    )
    .unwrap()
    .integration
    .id
}

async fn outcome_of(
    s: &Setup,
    provider: Provider,
    scenario: Scenario,
) -> switchboard_core::checks::TestRun {
    let fake = match provider {
        Provider::Twilio => FakeProvider::Twilio,
        Provider::Square => FakeProvider::Square,
        Provider::Quickbooks => FakeProvider::Quickbooks,
    };
    s.fakes.set(fake, scenario);
    let env = if provider == Provider::Twilio {
        "live"
    } else {
        "production"
    };
    let id = add(s, provider, env, &s.fakes.base_url(), &[]);
    s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), &id)
        .await
        .unwrap()
}

#[tokio::test]
async fn twilio_ok_reads_the_account_with_basic_auth_and_is_green() {
    let s = setup().await;
    let run = outcome_of(&s, Provider::Twilio, Scenario::Ok).await;
    assert_eq!(
        run.test.outcome.kind,
        OutcomeKind::Ok,
        "{:?}",
        run.test.outcome
    );
    assert_eq!(run.status.level, Level::Green);
    let req = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path.contains("/Accounts/"))
        .unwrap();
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, format!("/2010-04-01/Accounts/{AC}.json"));
    let expected = format!("Basic {}", base64_of(&format!("{AC}:{TWILIO_TOKEN}")));
    assert_eq!(req.header("authorization"), Some(expected.as_str()));
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn twilio_failures_are_classified_with_the_providers_code() {
    let cases = [
        (
            Scenario::WrongCredentials,
            OutcomeKind::CredentialsRejected,
            Some("20003"),
            Some(401),
        ),
        (
            Scenario::Suspended,
            OutcomeKind::AccountSuspended,
            Some("suspended"),
            Some(200),
        ),
        (
            Scenario::Closed,
            OutcomeKind::AccountSuspended,
            Some("closed"),
            Some(200),
        ),
        (
            Scenario::NotFound,
            OutcomeKind::NotFound,
            Some("20404"),
            Some(404),
        ),
        (
            Scenario::MissingScope,
            OutcomeKind::PermissionMissing,
            Some("20003"),
            Some(403),
        ),
        (
            Scenario::RateLimited {
                retry_after: Some(30),
            },
            OutcomeKind::RateLimited,
            Some("20429"),
            Some(429),
        ),
        (
            Scenario::ServerError(503),
            OutcomeKind::ProviderError,
            None,
            Some(503),
        ),
    ];
    for (scenario, kind, code, status) in cases {
        let s = setup().await;
        let run = outcome_of(&s, Provider::Twilio, scenario).await;
        let o = &run.test.outcome;
        assert_eq!(o.kind, kind, "{scenario:?}: {o:?}");
        assert_eq!(o.http_status, status, "{scenario:?}");
        if let Some(code) = code {
            assert_eq!(
                o.provider_code.as_deref(),
                Some(code),
                "{scenario:?}: {o:?}"
            );
        }
        assert!(!o.summary.is_empty() && !o.action.is_empty());
        let expected = if kind.is_transient() {
            Level::Yellow
        } else {
            Level::Red
        };
        assert_eq!(run.status.level, expected, "{scenario:?}");
        assert!(run.became_red() == (expected == Level::Red), "{scenario:?}");
    }
}

#[tokio::test]
async fn twilio_rate_limit_carries_the_wait() {
    let s = setup().await;
    let run = outcome_of(
        &s,
        Provider::Twilio,
        Scenario::RateLimited {
            retry_after: Some(30),
        },
    )
    .await;
    assert_eq!(run.test.outcome.retry_after_s, Some(30));
    assert!(run.test.outcome.summary.contains("30 seconds"));
    let s = setup().await;
    let run = outcome_of(
        &s,
        Provider::Twilio,
        Scenario::RateLimited { retry_after: None },
    )
    .await;
    assert_eq!(run.test.outcome.retry_after_s, None);
}

#[tokio::test]
async fn twilio_restricted_api_key_falls_back_to_phone_numbers() {
    let s = setup().await;
    s.fakes.set(FakeProvider::Twilio, Scenario::MissingScope);
    let draft = IntegrationDraft {
        provider: Provider::Twilio,
        name: "Key".into(),
        environment: "live".into(),
        base_url: Some(s.fakes.base_url()),
        values: map(&[
            ("account_sid", AC),
            ("sender", "+15551234567"),
            ("auth_method", "api_key"),
            ("api_key_sid", "SK0123456789abcdef0123456789abcdef"),
        ]),
        secrets: map(&[("api_key_secret", "key-secret-value")]),
    };
    let id =
        s.sb.create_integration(
            &Actor::user("usr_m", "m", switchboard_core::Role::Admin),
            draft,
        )
        .unwrap()
        .integration
        .id;
    let run =
        s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), &id)
            .await
            .unwrap();
    assert_eq!(
        run.test.outcome.kind,
        OutcomeKind::Ok,
        "{:?}",
        run.test.outcome
    );
    assert!(s
        .fakes
        .requests()
        .iter()
        .any(|r| r.path.ends_with("/IncomingPhoneNumbers.json")));
}

#[tokio::test]
async fn twilio_test_credentials_send_to_the_magic_number() {
    let s = setup().await;
    let id = add(&s, Provider::Twilio, "test", &s.fakes.base_url(), &[]);
    let run =
        s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), &id)
            .await
            .unwrap();
    assert_eq!(
        run.test.outcome.kind,
        OutcomeKind::Ok,
        "{:?}",
        run.test.outcome
    );
    let req = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(req.path.ends_with("/Messages.json"));
    assert!(req
        .form()
        .contains(&("From".to_owned(), "+15005550006".to_owned())));
}

#[tokio::test]
async fn square_checks_the_configured_location_with_square_version() {
    let s = setup().await;
    let run = outcome_of(&s, Provider::Square, Scenario::Ok).await;
    assert_eq!(
        run.test.outcome.kind,
        OutcomeKind::Ok,
        "{:?}",
        run.test.outcome
    );
    assert!(
        run.test.outcome.summary.contains("Grant Park"),
        "{}",
        run.test.outcome.summary
    );
    let req = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path == "/v2/locations")
        .unwrap();
    assert_eq!(req.header("square-version"), Some("2026-08-19"));
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {SQUARE_TOKEN}").as_str())
    );

    let cases = [
        (Scenario::NotFound, OutcomeKind::NotFound, None),
        (
            Scenario::LocationInactive,
            OutcomeKind::NotFound,
            Some("INACTIVE"),
        ),
        (
            Scenario::WrongCredentials,
            OutcomeKind::CredentialsRejected,
            Some("UNAUTHORIZED"),
        ),
        (
            Scenario::AccessTokenExpired,
            OutcomeKind::CredentialsRejected,
            Some("ACCESS_TOKEN_EXPIRED"),
        ),
        (
            Scenario::AccessTokenRevoked,
            OutcomeKind::CredentialsRejected,
            Some("ACCESS_TOKEN_REVOKED"),
        ),
        (
            Scenario::MissingScope,
            OutcomeKind::PermissionMissing,
            Some("INSUFFICIENT_SCOPES"),
        ),
        (
            Scenario::RateLimited { retry_after: None },
            OutcomeKind::RateLimited,
            Some("RATE_LIMITED"),
        ),
        (
            Scenario::ServerError(500),
            OutcomeKind::ProviderError,
            Some("INTERNAL_SERVER_ERROR"),
        ),
    ];
    for (scenario, kind, code) in cases {
        let s = setup().await;
        let o = outcome_of(&s, Provider::Square, scenario)
            .await
            .test
            .outcome;
        assert_eq!(o.kind, kind, "{scenario:?}: {o:?}");
        if code.is_some() {
            assert_eq!(o.provider_code.as_deref(), code, "{scenario:?}");
        }
    }
}

#[tokio::test]
async fn quickbooks_saves_the_rotated_refresh_token_and_names_the_company() {
    let s = setup().await;
    s.fakes
        .set_quickbooks_refresh_token(Some(QB_REFRESH.into()));
    let run = outcome_of(&s, Provider::Quickbooks, Scenario::Ok).await;
    let o = &run.test.outcome;
    assert_eq!(o.kind, OutcomeKind::Ok, "{o:?}");
    assert!(o.summary.contains("Larry's Bakery"), "{}", o.summary);
    let id = &run.integration_id;
    let current = s.fakes.quickbooks_refresh_token().unwrap();
    assert_ne!(current, QB_REFRESH, "the fake rotated it");
    let stored =
        s.sb.keychain()
            .get(&secret_account(id, "refresh_token"))
            .unwrap()
            .unwrap();
    assert_eq!(
        stored.expose(),
        current,
        "the rotated token is in the keychain"
    );
    // A second test works only if the rotation was really persisted.
    let again =
        s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), id)
            .await
            .unwrap();
    assert_eq!(
        again.test.outcome.kind,
        OutcomeKind::Ok,
        "{:?}",
        again.test.outcome
    );
    assert_eq!(again.status.level, Level::Green, "{:?}", again.status);
    let token_req = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/v1/tokens/bearer")
        .unwrap();
    assert!(token_req
        .form()
        .contains(&("grant_type".to_owned(), "refresh_token".to_owned())));
    let api = s
        .fakes
        .requests()
        .into_iter()
        .find(|r| r.path.contains("/companyinfo/"))
        .unwrap();
    assert_eq!(api.header("accept"), Some("application/json"));
    assert_eq!(api.query.as_deref(), Some("minorversion=75"));
    let actions: Vec<String> =
        s.sb.recent_audit(&switchboard_core::Actor::admin_for_tests(), 10)
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
    assert!(actions.contains(&"integration.token_rotated".to_owned()));
    assert!(
        s.sb.verify_audit(&switchboard_core::Actor::admin_for_tests())
            .unwrap()
            .ok
    );
}

#[tokio::test]
async fn quickbooks_failures_are_understood_in_both_envelopes() {
    let cases = [
        (
            Scenario::InvalidGrant,
            OutcomeKind::CredentialsRejected,
            "invalid_grant",
        ),
        (
            Scenario::InvalidClient,
            OutcomeKind::CredentialsRejected,
            "invalid_client",
        ),
        (
            Scenario::WrongCredentials,
            OutcomeKind::CredentialsRejected,
            "3200",
        ),
        (
            Scenario::MissingScope,
            OutcomeKind::PermissionMissing,
            "3100",
        ),
    ];
    for (scenario, kind, code) in cases {
        let s = setup().await;
        s.fakes
            .set_quickbooks_refresh_token(Some(QB_REFRESH.into()));
        let o = outcome_of(&s, Provider::Quickbooks, scenario)
            .await
            .test
            .outcome;
        assert_eq!(o.kind, kind, "{scenario:?}: {o:?}");
        assert_eq!(
            o.provider_code.as_deref(),
            Some(code),
            "{scenario:?}: {o:?}"
        );
    }
    let s = setup().await;
    s.fakes
        .set_quickbooks_refresh_token(Some(QB_REFRESH.into()));
    let o = outcome_of(
        &s,
        Provider::Quickbooks,
        Scenario::RateLimited { retry_after: None },
    )
    .await
    .test
    .outcome;
    assert_eq!(o.kind, OutcomeKind::RateLimited);
    assert_eq!(o.retry_after_s, Some(60), "Intuit's documented wait");
}

#[tokio::test]
async fn bad_answers_are_unexpected_responses_within_bounded_time() {
    for scenario in [
        Scenario::Garbage,
        Scenario::Html,
        Scenario::HugeBody,
        Scenario::SlowDrip,
    ] {
        let s = setup().await;
        let started = std::time::Instant::now();
        let o = outcome_of(&s, Provider::Square, scenario)
            .await
            .test
            .outcome;
        assert_eq!(
            o.kind,
            OutcomeKind::UnexpectedResponse,
            "{scenario:?}: {o:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{scenario:?} took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn network_failures_are_unreachable_with_their_class() {
    let s = setup().await;
    let hang = outcome_of(&s, Provider::Twilio, Scenario::Hang).await;
    assert_eq!(hang.test.outcome.kind, OutcomeKind::Unreachable);
    assert_eq!(
        hang.test.outcome.error_class.map(|c| c.as_str()),
        Some("timeout")
    );
    assert!(hang.test.outcome.action.contains("offline"));
    assert_eq!(hang.status.level, Level::Yellow);

    let s = setup().await;
    let reset = outcome_of(&s, Provider::Twilio, Scenario::Reset)
        .await
        .test
        .outcome;
    assert_eq!(reset.kind, OutcomeKind::Unreachable, "{reset:?}");

    let s = setup().await;
    let id = add(
        &s,
        Provider::Square,
        "production",
        &s.fakes.tls_base_url(),
        &[],
    );
    let tls =
        s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), &id)
            .await
            .unwrap()
            .test
            .outcome;
    assert_eq!(
        (tls.kind, tls.error_class.map(|c| c.as_str())),
        (OutcomeKind::Unreachable, Some("tls")),
        "{tls:?}"
    );

    let id = add(
        &s,
        Provider::Twilio,
        "live",
        "https://switchboard-test.invalid",
        &[],
    );
    let dns =
        s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), &id)
            .await
            .unwrap()
            .test
            .outcome;
    assert_eq!(
        (dns.kind, dns.error_class.map(|c| c.as_str())),
        (OutcomeKind::Unreachable, Some("dns")),
        "{dns:?}"
    );
}

#[tokio::test]
async fn a_secret_missing_from_the_keychain_is_red_and_says_which() {
    let s = setup().await;
    let id = add(&s, Provider::Square, "production", &s.fakes.base_url(), &[]);
    s.sb.keychain()
        .delete(&secret_account(&id, "access_token"))
        .unwrap();
    let run =
        s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), &id)
            .await
            .unwrap();
    assert_eq!(run.test.outcome.kind, OutcomeKind::MissingSecret);
    assert!(run.test.outcome.summary.contains("Access token"));
    assert_eq!(run.status.level, Level::Red);
    assert!(s.fakes.requests().is_empty(), "no call without credentials");
}

#[tokio::test]
async fn tests_of_one_integration_never_overlap() {
    let s = setup().await;
    s.fakes.set(FakeProvider::Twilio, Scenario::Hang);
    let id = add(&s, Provider::Twilio, "live", &s.fakes.base_url(), &[]);
    let started = std::time::Instant::now();
    let admin = switchboard_core::Actor::admin_for_tests();
    let (a, b) = tokio::join!(
        s.sb.test_integration(&admin, &id),
        s.sb.test_integration(&admin, &id)
    );
    a.unwrap();
    b.unwrap();
    // Each waits for the 2 s timeout; run one after the other they take at least 4 s.
    assert!(
        started.elapsed() >= Duration::from_millis(3900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn history_status_and_no_secret_in_stored_results() {
    let s = setup().await;
    let id = add(&s, Provider::Twilio, "live", &s.fakes.base_url(), &[]);
    s.fakes
        .set(FakeProvider::Twilio, Scenario::WrongCredentials);
    s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), &id)
        .await
        .unwrap();
    s.fakes.set(FakeProvider::Twilio, Scenario::Ok);
    s.sb.test_integration(&switchboard_core::Actor::admin_for_tests(), &id)
        .await
        .unwrap();
    let history =
        s.sb.test_history(&switchboard_core::Actor::admin_for_tests(), &id, 10)
            .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].outcome.kind, OutcomeKind::Ok, "newest first");
    assert_eq!(history[1].outcome.kind, OutcomeKind::CredentialsRejected);
    let statuses =
        s.sb.statuses(&switchboard_core::Actor::admin_for_tests())
            .unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].level, Level::Green);
    assert!(statuses[0].last_success_at.is_some());
    // The Twilio account body echoes the auth token; nothing stored may contain it.
    let dump: String = s
        .sb
        .db()
        .read(|c| {
            Ok(c.query_row(
                "SELECT group_concat(coalesce(provider_message,'') || summary || action || coalesce(provider_code,'')) FROM connection_tests",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(!dump.contains(TWILIO_TOKEN));
    let _ = Secret::new("unused");
}
