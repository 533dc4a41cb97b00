use super::*;
use crate::{Keychain, OpenOptions};

const AC: &str = "AC0123456789abcdef0123456789abcdef";
const SK: &str = "SK0123456789abcdef0123456789abcdef";
const TOKEN: &str = "f00dfacef00dfacef00dfacef00dface";

fn open_with(keychain: Keychain) -> (tempfile::TempDir, Switchboard) {
    let dir = tempfile::tempdir().unwrap();
    let sb = Switchboard::open(OpenOptions {
        data_dir: Some(dir.path().to_owned()),
        keychain: Some(keychain),
        ..Default::default()
    })
    .unwrap();
    (dir, sb)
}

fn open() -> (tempfile::TempDir, Switchboard) {
    open_with(Keychain::in_memory())
}

fn actor() -> Actor {
    Actor::user("usr_manager", "manager", crate::Role::Admin)
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn twilio(name: &str) -> IntegrationDraft {
    IntegrationDraft {
        provider: Provider::Twilio,
        name: name.to_owned(),
        environment: "live".to_owned(),
        base_url: None,
        values: map(&[("account_sid", AC), ("sender", "+15551234567")]),
        secrets: map(&[("auth_token", TOKEN)]),
    }
}

fn square(name: &str) -> IntegrationDraft {
    IntegrationDraft {
        provider: Provider::Square,
        name: name.to_owned(),
        environment: "sandbox".to_owned(),
        base_url: None,
        values: map(&[("location_id", "18YC4JDH91E1H")]),
        secrets: map(&[("access_token", "EAAAl3ikZIe18J-2-cHlV2bL4")]),
    }
}

fn quickbooks(name: &str) -> IntegrationDraft {
    IntegrationDraft {
        provider: Provider::Quickbooks,
        name: name.to_owned(),
        environment: "production".to_owned(),
        base_url: None,
        values: map(&[("client_id", "ABcdef123"), ("realm_id", "9341453000000001")]),
        secrets: map(&[
            ("client_secret", "s3cr3t-client"),
            ("refresh_token", "RT1-39-H3-abc"),
        ]),
    }
}

fn audit_count(sb: &Switchboard) -> i64 {
    sb.db()
        .read(|c| Ok(c.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?))
        .unwrap()
}

fn integration_count(sb: &Switchboard) -> i64 {
    sb.db()
        .read(|c| Ok(c.query_row("SELECT count(*) FROM integrations", [], |r| r.get(0))?))
        .unwrap()
}

#[test]
fn create_stores_settings_in_db_and_secrets_in_keychain() {
    let (_d, sb) = open();
    let saved = sb
        .create_integration(&actor(), twilio("Reminders"))
        .unwrap();
    let i = &saved.integration;
    assert_eq!(i.name, "Reminders");
    assert_eq!(i.settings.get("account_sid").map(String::as_str), Some(AC));
    assert_eq!(
        i.settings.get("auth_method").map(String::as_str),
        Some("auth_token"),
        "defaulted"
    );
    assert!(i.secrets.contains(&SecretState {
        field: "auth_token".into(),
        set: true
    }));
    assert!(i.secrets.contains(&SecretState {
        field: "api_key_secret".into(),
        set: false
    }));
    assert_eq!(i.created_by, "manager");
    let stored = sb.integration_secret(&i.id, "auth_token").unwrap().unwrap();
    assert_eq!(stored.expose(), TOKEN);
    let row: String = sb
        .db()
        .read(|c| {
            Ok(c.query_row(
                "SELECT settings || secrets_set FROM integrations",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(!row.contains(TOKEN));
    assert_eq!(audit_count(&sb), 1);
}

#[test]
fn every_provider_can_be_created_listed_and_shown() {
    let (_d, sb) = open();
    sb.create_integration(&actor(), twilio("SMS")).unwrap();
    sb.create_integration(&actor(), square("Card payments"))
        .unwrap();
    let qb = sb
        .create_integration(&actor(), quickbooks("Accounts"))
        .unwrap()
        .integration;
    let names: Vec<String> = sb
        .list_integrations(&crate::Actor::admin_for_tests())
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["Accounts", "Card payments", "SMS"]);
    assert_eq!(
        sb.get_integration(&crate::Actor::admin_for_tests(), "accounts")
            .unwrap()
            .id,
        qb.id,
        "by name, any case"
    );
    assert_eq!(
        sb.get_integration(&crate::Actor::admin_for_tests(), &qb.id)
            .unwrap()
            .name,
        "Accounts",
        "by id"
    );
    assert!(matches!(
        sb.get_integration(&crate::Actor::admin_for_tests(), "nope"),
        Err(Error::NotFound(_))
    ));
}

/// (provider, field, bad value, words the message must contain)
const BAD_VALUES: &[(Provider, &str, &str, &str)] = &[
    (Provider::Twilio, "account_sid", "", "required"),
    (Provider::Twilio, "account_sid", "   ", "required"),
    (
        Provider::Twilio,
        "account_sid",
        "XX0123456789abcdef0123456789abcdef",
        "start with AC",
    ),
    (Provider::Twilio, "account_sid", "AC0123", "34 characters"),
    (
        Provider::Twilio,
        "account_sid",
        "AC0123456789abcdef0123456789abcdeg",
        "hexadecimal",
    ),
    (
        Provider::Twilio,
        "account_sid",
        "AC0123456789abcdef0123456789abcdef0",
        "too long",
    ),
    (
        Provider::Twilio,
        "account_sid",
        "AC0123456789abcdef0123456789abcdé",
        "ASCII",
    ),
    (
        Provider::Twilio,
        "account_sid",
        "AC0123456789abcdef\u{7}0123456789abcde",
        "control",
    ),
    (
        Provider::Twilio,
        "account_sid",
        "<script>alert(1)</script>",
        "start with AC",
    ),
    (
        Provider::Twilio,
        "sender",
        "5551234567",
        "international form",
    ),
    (
        Provider::Twilio,
        "sender",
        "+0551234567",
        "international form",
    ),
    (
        Provider::Twilio,
        "sender",
        "+1234567890123456",
        "up to 15 digits",
    ),
    (Provider::Twilio, "sender", "MG123", "34 characters"),
    (Provider::Twilio, "sender", "+1 555 123 4567", "spaces"),
    (Provider::Twilio, "auth_method", "password", "one of"),
    (
        Provider::Square,
        "location_id",
        "18YC-4JDH",
        "letters and digits",
    ),
    (
        Provider::Square,
        "location_id",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234567",
        "too long",
    ),
    (
        Provider::Square,
        "square_version",
        "2026/08/19",
        "YYYY-MM-DD",
    ),
    (
        Provider::Square,
        "square_version",
        "2026-02-30",
        "YYYY-MM-DD",
    ),
    (Provider::Quickbooks, "realm_id", "12ab", "digits only"),
    (Provider::Quickbooks, "realm_id", "<script>", "digits only"),
    (
        Provider::Quickbooks,
        "client_id",
        "AB<script>",
        "may only contain",
    ),
    (Provider::Quickbooks, "client_id", "AB\ncd", "control"),
];

const BAD_SECRETS: &[(Provider, &str, &str, &str)] = &[
    (Provider::Twilio, "auth_token", "", "required"),
    (Provider::Twilio, "auth_token", "  \t ", "required"),
    (Provider::Twilio, "auth_token", "abc def", "spaces"),
    (Provider::Twilio, "auth_token", "tökén", "ASCII"),
    (
        Provider::Twilio,
        "auth_token",
        "<script>alert(1)</script>",
        "may only contain",
    ),
    (Provider::Square, "access_token", "EAAA\u{0}x", "control"),
    (
        Provider::Quickbooks,
        "refresh_token",
        "RT1\u{1b}[31m",
        "control",
    ),
];

fn draft_for(provider: Provider) -> IntegrationDraft {
    match provider {
        Provider::Twilio => twilio("X"),
        Provider::Square => square("X"),
        Provider::Quickbooks => quickbooks("X"),
    }
}

#[test]
fn every_bad_value_is_refused_naming_the_field_and_changes_nothing() {
    let (_d, sb) = open();
    for &(provider, field, value, words) in BAD_VALUES.iter() {
        let mut draft = draft_for(provider);
        draft.values.insert(field.into(), value.into());
        let issues = sb
            .validate_integration(&crate::Actor::admin_for_tests(), &draft)
            .unwrap();
        assert!(
            issues
                .iter()
                .any(|i| i.is_error() && i.field == field && i.message.contains(words)),
            "{provider} {field}={value:?}: expected “{words}”, got {issues:?}"
        );
        let err = sb.create_integration(&actor(), draft).unwrap_err();
        assert_eq!(
            err.field(),
            Some(field),
            "{provider} {field}={value:?}: {err}"
        );
    }
    for &(provider, field, value, words) in BAD_SECRETS.iter() {
        let mut draft = draft_for(provider);
        draft.secrets.insert(field.into(), value.into());
        let err = sb.create_integration(&actor(), draft).unwrap_err();
        assert_eq!(err.field(), Some(field), "{provider} {field}: {err}");
        assert!(err.to_string().contains(words), "{provider} {field}: {err}");
        assert!(
            !err.to_string().contains(value.trim()) || value.trim().is_empty(),
            "echoes secret"
        );
    }
    assert_eq!(integration_count(&sb), 0);
    assert_eq!(audit_count(&sb), 0);
}

#[test]
fn bad_names_environments_and_base_urls_are_refused() {
    let (_d, sb) = open();
    let long = "x".repeat(81);
    let cases: &[(&str, &str, Option<&str>, &str, &str)] = &[
        ("", "live", None, "name", "required"),
        ("   ", "live", None, "name", "required"),
        (&long, "live", None, "name", "too long"),
        ("SMS\nline", "live", None, "name", "control"),
        ("<script>alert(1)</script>", "live", None, "name", "< or >"),
        ("SMS", "production", None, "environment", "live, test"),
        (
            "SMS",
            "live",
            Some("file:///etc/passwd"),
            "base_url",
            "https://",
        ),
        (
            "SMS",
            "live",
            Some("javascript:alert(1)"),
            "base_url",
            "https://",
        ),
        (
            "SMS",
            "live",
            Some("ftp://example.com"),
            "base_url",
            "https://",
        ),
        (
            "SMS",
            "live",
            Some("http://example.com"),
            "base_url",
            "this computer",
        ),
        (
            "SMS",
            "live",
            Some("https://user:pw@example.com"),
            "base_url",
            "user name",
        ),
        (
            "SMS",
            "live",
            Some("https://example.com/?a=1"),
            "base_url",
            "? or #",
        ),
        ("SMS", "live", Some("not a url"), "base_url", "spaces"),
    ];
    for &(name, env, url, field, words) in cases {
        let mut draft = twilio(name);
        draft.environment = env.into();
        draft.base_url = url.map(str::to_owned);
        let err = sb.create_integration(&actor(), draft).unwrap_err();
        assert_eq!(err.field(), Some(field), "{name:?} {env} {url:?}: {err}");
        assert!(
            err.to_string().contains(words),
            "{name:?} {env} {url:?}: {err}"
        );
    }
    assert_eq!(integration_count(&sb), 0);
}

#[test]
fn loopback_http_and_https_base_urls_are_accepted_and_audited() {
    let (_d, sb) = open();
    let mut draft = twilio("Local");
    draft.base_url = Some("http://127.0.0.1:8080/".into());
    let i = sb.create_integration(&actor(), draft).unwrap().integration;
    assert_eq!(i.base_url.as_deref(), Some("http://127.0.0.1:8080"));
    let rows = sb
        .recent_audit(&crate::Actor::admin_for_tests(), 1)
        .unwrap();
    assert!(rows[0].changes.iter().any(|c| c.field == "base_url"));
}

#[test]
fn unofficial_formats_warn_but_save() {
    let (_d, sb) = open();
    let mut draft = twilio("SMS");
    draft
        .secrets
        .insert("auth_token".into(), "not-32-hex".into());
    let saved = sb.create_integration(&actor(), draft).unwrap();
    assert!(saved
        .warnings
        .iter()
        .any(|w| w.field == "auth_token" && w.severity == providers::Severity::Warning));
}

#[test]
fn api_key_sign_in_needs_key_sid_and_secret() {
    let (_d, sb) = open();
    let mut draft = twilio("SMS");
    draft.values.insert("auth_method".into(), "api_key".into());
    draft.secrets.clear();
    let issues = sb
        .validate_integration(&crate::Actor::admin_for_tests(), &draft)
        .unwrap();
    let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
    assert!(
        fields.contains(&"api_key_sid") && fields.contains(&"api_key_secret"),
        "{fields:?}"
    );
    assert!(
        !fields.contains(&"auth_token"),
        "auth token is not needed with an API key"
    );
    draft.values.insert("api_key_sid".into(), SK.into());
    draft
        .secrets
        .insert("api_key_secret".into(), "key-secret".into());
    sb.create_integration(&actor(), draft).unwrap();
}

#[test]
fn secret_given_as_plain_value_or_unknown_field_is_refused() {
    let (_d, sb) = open();
    let mut draft = twilio("SMS");
    draft.values.insert("auth_token".into(), TOKEN.into());
    assert_eq!(
        sb.create_integration(&actor(), draft).unwrap_err().field(),
        Some("auth_token")
    );
    let mut draft = twilio("SMS");
    draft.values.insert("colour".into(), "blue".into());
    assert_eq!(
        sb.create_integration(&actor(), draft).unwrap_err().field(),
        Some("colour")
    );
}

#[test]
fn duplicate_name_is_refused_in_any_case() {
    let (_d, sb) = open();
    sb.create_integration(&actor(), twilio("Reminders"))
        .unwrap();
    let err = sb
        .create_integration(&actor(), square(" reminders "))
        .unwrap_err();
    assert_eq!(err.field(), Some("name"));
    assert!(err.to_string().contains("already called"));
    let issues = sb
        .validate_integration(&crate::Actor::admin_for_tests(), &square("REMINDERS"))
        .unwrap();
    assert!(issues.iter().any(|i| i.field == "name"));
    assert_eq!(integration_count(&sb), 1);
}

#[test]
fn update_changes_only_given_fields_and_keeps_secrets_left_empty() {
    let (_d, sb) = open();
    let i = sb
        .create_integration(&actor(), twilio("SMS"))
        .unwrap()
        .integration;
    let patch = IntegrationPatch {
        expected_revision: Some(i.revision),
        values: map(&[("sender", "+15557654321")]),
        secrets: map(&[("auth_token", "")]),
        ..Default::default()
    };
    let after = sb
        .update_integration(
            &Actor::user("usr_other", "other", crate::Role::Admin),
            &i.id,
            patch,
        )
        .unwrap()
        .integration;
    assert_eq!(after.settings["sender"], "+15557654321");
    assert_eq!(after.settings["account_sid"], AC);
    assert_eq!(after.name, "SMS");
    assert_eq!(after.revision, i.revision + 1);
    assert_eq!(after.updated_by, "other");
    assert_eq!(
        sb.integration_secret(&i.id, "auth_token")
            .unwrap()
            .unwrap()
            .expose(),
        TOKEN
    );
    let rows = sb
        .recent_audit(&crate::Actor::admin_for_tests(), 1)
        .unwrap();
    assert_eq!(rows[0].action, "integration.update");
    assert_eq!(
        rows[0].changes,
        vec![FieldChange::value(
            "sender",
            Some("+15551234567"),
            Some("+15557654321")
        )]
    );
}

#[test]
fn replacing_a_secret_is_audited_by_name_only() {
    let (_d, sb) = open();
    let i = sb
        .create_integration(&actor(), twilio("SMS"))
        .unwrap()
        .integration;
    let patch = IntegrationPatch {
        secrets: map(&[("auth_token", "ffffffffffffffffffffffffffffffff")]),
        ..Default::default()
    };
    sb.update_integration(&actor(), &i.id, patch).unwrap();
    assert_eq!(
        sb.integration_secret(&i.id, "auth_token")
            .unwrap()
            .unwrap()
            .expose(),
        "ffffffffffffffffffffffffffffffff"
    );
    let rows = sb
        .recent_audit(&crate::Actor::admin_for_tests(), 1)
        .unwrap();
    assert_eq!(
        rows[0].changes,
        vec![FieldChange::secret("auth_token", "replaced")]
    );
    let all: String = sb
        .db()
        .read(|c| {
            Ok(
                c.query_row("SELECT group_concat(changes) FROM audit_log", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert!(!all.contains("ffffffff") && !all.contains(TOKEN));
}

#[test]
fn switching_to_an_api_key_removes_the_auth_token_from_the_keychain() {
    let (_d, sb) = open();
    let i = sb
        .create_integration(&actor(), twilio("SMS"))
        .unwrap()
        .integration;
    let patch = IntegrationPatch {
        values: map(&[("auth_method", "api_key"), ("api_key_sid", SK)]),
        secrets: map(&[("api_key_secret", "key-secret")]),
        ..Default::default()
    };
    let after = sb
        .update_integration(&actor(), &i.id, patch)
        .unwrap()
        .integration;
    assert!(after.secrets.contains(&SecretState {
        field: "auth_token".into(),
        set: false
    }));
    assert!(sb
        .integration_secret(&i.id, "auth_token")
        .unwrap()
        .is_none());
    assert_eq!(
        sb.integration_secret(&i.id, "api_key_secret")
            .unwrap()
            .unwrap()
            .expose(),
        "key-secret"
    );
}

#[test]
fn rename_and_stale_revision_conflict_loses_no_update() {
    let (_d, sb) = open();
    let i = sb
        .create_integration(&actor(), twilio("SMS"))
        .unwrap()
        .integration;
    // Two editors open revision 1; the first saves a rename.
    let first = IntegrationPatch {
        expected_revision: Some(1),
        name: Some("Reminders".into()),
        ..Default::default()
    };
    sb.update_integration(
        &Actor::user("usr_alice", "alice", crate::Role::Admin),
        &i.id,
        first,
    )
    .unwrap();
    let second = IntegrationPatch {
        expected_revision: Some(1),
        values: map(&[("sender", "+15550000000")]),
        ..Default::default()
    };
    let err = sb
        .update_integration(
            &Actor::user("usr_bob", "bob", crate::Role::Admin),
            &i.id,
            second,
        )
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err}");
    assert!(err.to_string().contains("alice"));
    let now = sb
        .get_integration(&crate::Actor::admin_for_tests(), &i.id)
        .unwrap();
    assert_eq!(now.name, "Reminders");
    assert_eq!(now.settings["sender"], "+15551234567");
}

#[test]
fn invalid_update_changes_nothing() {
    let (_d, sb) = open();
    let i = sb
        .create_integration(&actor(), twilio("SMS"))
        .unwrap()
        .integration;
    let before = audit_count(&sb);
    let patch = IntegrationPatch {
        values: map(&[("account_sid", "AC-bad")]),
        secrets: map(&[("auth_token", "ffffffffffffffffffffffffffffffff")]),
        ..Default::default()
    };
    assert_eq!(
        sb.update_integration(&actor(), &i.id, patch)
            .unwrap_err()
            .field(),
        Some("account_sid")
    );
    assert_eq!(
        sb.get_integration(&crate::Actor::admin_for_tests(), &i.id)
            .unwrap(),
        i
    );
    assert_eq!(
        sb.integration_secret(&i.id, "auth_token")
            .unwrap()
            .unwrap()
            .expose(),
        TOKEN
    );
    assert_eq!(audit_count(&sb), before);
}

#[test]
fn disable_enable_and_delete_are_audited_and_delete_clears_the_keychain() {
    let (_d, sb) = open();
    let i = sb
        .create_integration(&actor(), quickbooks("Books"))
        .unwrap()
        .integration;
    assert!(
        !sb.set_integration_enabled(&actor(), &i.id, false)
            .unwrap()
            .enabled
    );
    assert!(
        !sb.set_integration_enabled(&actor(), &i.id, false)
            .unwrap()
            .enabled,
        "idempotent"
    );
    assert!(
        sb.set_integration_enabled(&actor(), &i.id, true)
            .unwrap()
            .enabled
    );
    sb.delete_integration(&actor(), "books").unwrap();
    assert!(matches!(
        sb.get_integration(&crate::Actor::admin_for_tests(), &i.id),
        Err(Error::NotFound(_))
    ));
    assert!(sb
        .integration_secret(&i.id, "refresh_token")
        .unwrap()
        .is_none());
    assert!(sb
        .integration_secret(&i.id, "client_secret")
        .unwrap()
        .is_none());
    let actions: Vec<String> = sb
        .db()
        .read(|c| audit::recent(c, 10))
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "integration.delete",
            "integration.enable",
            "integration.disable",
            "integration.create"
        ]
    );
    assert!(
        sb.verify_audit(&crate::Actor::admin_for_tests())
            .unwrap()
            .ok
    );
}

#[test]
fn keychain_unavailable_saves_nothing_and_says_why() {
    let (_d, sb) = open_with(Keychain::unavailable("no session bus"));
    let err = sb.create_integration(&actor(), twilio("SMS")).unwrap_err();
    assert!(matches!(err, Error::KeychainUnavailable(_)), "{err}");
    assert!(err.to_string().contains("keychain"));
    assert_eq!(integration_count(&sb), 0, "no record without its secrets");
    let rows = sb
        .recent_audit(&crate::Actor::admin_for_tests(), 10)
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].result, AuditResult::Failed);
    assert!(
        sb.verify_audit(&crate::Actor::admin_for_tests())
            .unwrap()
            .ok
    );
}

#[test]
fn without_a_keychain_everything_else_still_works() {
    let (_d, sb) = open_with(Keychain::unavailable("no session bus"));
    assert!(sb
        .list_integrations(&crate::Actor::admin_for_tests())
        .unwrap()
        .is_empty());
    assert!(!sb.info().unwrap().keychain.available);
}
