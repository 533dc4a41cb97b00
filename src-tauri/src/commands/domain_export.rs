//! Core's rules for the UI's mock backend, as `ui/src/backend/domain.generated.ts`: the tables
//! as data (catalogue, roles, each command's needs, retry schedule, event types, outcome kinds),
//! and for the rules that are code, sample inputs with core's verdict on each, so that a UI test
//! fails when the mock's copy of a rule disagrees with core. Written by `domain_export_is_current`.

use std::net::IpAddr;

use serde_json::{json, Value};
use switchboard_core::checks::OutcomeKind;
use switchboard_core::providers::validate::{self, FieldIssue};
use switchboard_core::providers::{self, FieldKind, FieldSpec};
use switchboard_core::status::{self, Facts, OAuthConnection};
use switchboard_core::users::{self, password};
use switchboard_core::webhooks::endpoints::{self, check_url, is_private};
use switchboard_core::webhooks::health::{self, EndpointFacts};
use switchboard_core::webhooks::{log, retry, EVENT_TYPES};
use switchboard_core::Permission;
use switchboard_core::{settings, Role};

use switchboard_core::{Actor, Error, Keychain, OpenOptions, Switchboard};

use super::permissions::{Needs, COMMANDS};

/// The whole file, as committed. The cases are a second constant that only tests import, so the
/// app's bundle leaves them out.
pub fn typescript() -> String {
    let mut tables = String::new();
    write_value(&mut tables, &export(), 0, usize::MAX);
    let mut samples = String::new();
    // CASES → kind → [case, …]: one line per case.
    write_value(&mut samples, &cases(), 0, 2);
    format!(
        "// GENERATED from switchboard-core by `domain_export_is_current` (src-tauri/src/commands);\n\
         // do not edit: `make bindings` rewrites it. Read it through `domain.ts`.\n\
         import type {{ DomainCases, DomainExport }} from './domain';\n\n\
         export const DOMAIN: DomainExport = {tables};\n\n\
         /** Core's verdicts on sample inputs, for the tests of the mock's rules. */\n\
         export const CASES: DomainCases = {samples};\n"
    )
}

fn export() -> Value {
    json!({
        "providers": providers::catalog(),
        "roles": Role::ALL.iter()
            .map(|r| (r.as_str().to_owned(), json!(r.permissions()))).collect::<serde_json::Map<_, _>>(),
        "refusals": Permission::ALL.into_iter()
            .map(|p| (name_of(&p), json!(p.refusal()))).collect::<serde_json::Map<_, _>>(),
        "commands": commands(),
        "eventTypes": EVENT_TYPES,
        "retry": {
            "delaysMs": retry::SCHEDULE.iter().map(|d| d.as_millis()).collect::<Vec<_>>(),
            "maxRetryAfterMs": retry::MAX_RETRY_AFTER.as_millis(),
        },
        "limits": {
            "deliveryLogMaxPage": log::MAX_PAGE,
            "rotationGraceMs": endpoints::ROTATION_GRACE_MS,
            "defaultTimeoutSecs": endpoints::DEFAULT_TIMEOUT_SECS,
            "freeSignInTries": users::FREE_TRIES,
            "maxSignInWaitSecs": users::MAX_WAIT_SECS,
            "passwordMinLength": password::MIN_LENGTH,
            "passwordMaxLength": password::MAX_LENGTH,
        },
        "settingsDefaults": {
            "checkIntervalMinutes": settings::DEFAULT_CHECK_INTERVAL_MINUTES,
            "idleLockMinutes": settings::DEFAULT_IDLE_LOCK_MINUTES,
            "retentionDays": settings::MIN_RETENTION_DAYS,
        },
        "outcomeKinds": OutcomeKind::ALL.iter()
            .map(|k| json!({ "kind": k, "transient": k.is_transient() })).collect::<Vec<_>>(),
    })
}

fn cases() -> Value {
    let (integrations, endpoints) = with_core(|sb, admin| {
        (
            integration_draft_cases(sb, admin),
            endpoint_draft_cases(sb, admin),
        )
    });
    json!({
        "integrationDrafts": integrations,
        "endpointDrafts": endpoints,
        "fields": field_cases(),
        "names": name_cases(),
        "baseUrls": base_url_cases(),
        "endpointUrls": endpoint_url_cases(),
        "privateAddresses": private_cases(),
        "statuses": status_cases(),
        "endpointStatuses": endpoint_status_cases(),
    })
}

/// Pretty JSON (a valid TypeScript literal) with every value that fits in a line on one line,
/// and every value at depth `inline_at` or deeper on one line however long.
fn write_value(out: &mut String, value: &Value, indent: usize, inline_at: usize) {
    const WIDTH: usize = 120;
    let compact = value.to_string();
    let fits = indent * 2 + compact.len() <= WIDTH;
    if fits || indent >= inline_at || !(value.is_array() || value.is_object()) {
        out.push_str(&compact);
        return;
    }
    let pad = "  ".repeat(indent + 1);
    let (open, close, items): (char, char, Vec<(Option<&String>, &Value)>) = match value {
        Value::Array(a) => ('[', ']', a.iter().map(|v| (None, v)).collect()),
        Value::Object(o) => ('{', '}', o.iter().map(|(k, v)| (Some(k), v)).collect()),
        _ => return,
    };
    out.push(open);
    for (i, (key, item)) in items.iter().enumerate() {
        out.push('\n');
        out.push_str(&pad);
        if let Some(key) = key {
            out.push_str(&Value::String((*key).clone()).to_string());
            out.push_str(": ");
        }
        write_value(out, item, indent + 1, inline_at);
        if i + 1 < items.len() {
            out.push(',');
        }
    }
    out.push('\n');
    out.push_str(&"  ".repeat(indent));
    out.push(close);
}

/// A serde enum's wire name (`"send_events"`).
fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// `list_api_keys` → `listApiKeys`, the accessor tauri-specta generates.
pub fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn commands() -> serde_json::Map<String, Value> {
    COMMANDS
        .iter()
        .map(|(name, needs)| {
            let rule = match needs {
                Needs::Nothing => json!({ "session": false, "permission": null, "action": null }),
                Needs::Session => json!({ "session": true, "permission": null, "action": null }),
                Needs::Op(op) => {
                    json!({ "session": true, "permission": op.permission(), "action": op.action() })
                }
                Needs::ByEnabled(on, off) => json!({
                    "session": true,
                    "permission": on.permission(),
                    "action": on.action(),
                    "actionWhenDisabling": off.action()
                }),
            };
            (camel(name), rule)
        })
        .collect()
}

fn issues(result: Result<Vec<FieldIssue>, FieldIssue>) -> Value {
    json!(result.unwrap_or_else(|e| vec![e]))
}

/// Inputs every field is tried with, then a few that suit its kind.
fn samples(field: &FieldSpec) -> Vec<String> {
    let mut s: Vec<String> = ["", "   ", "has space", "line\nbreak", "tab\there", "café"]
        .map(str::to_owned)
        .to_vec();
    s.push("7".repeat(field.max_len as usize + 1));
    let kind: &[&str] = match field.kind {
        FieldKind::TwilioSid { .. } | FieldKind::TwilioSender => &[],
        FieldKind::Token => &[
            "abc123",
            "a",
            "tok!en",
            "0123456789abcdef0123456789abcdef",
            " 0123456789ABCDEF0123456789ABCDEF ",
            "EAAAl0ngT0ken-_.~+/=:",
            "sk_live:abc",
        ],
        FieldKind::SquareLocationId => &["18YC4JDH91E1H", "18YC-4JDH", "L1"],
        FieldKind::ApiVersionDate => &[
            "2026-08-19",
            "2024-02-29",
            "2026-02-30",
            "2026-8-19",
            "2026/08/19",
            "20260819",
            "2026-13-01",
        ],
        FieldKind::Digits => &["9341453000000001", "934145300a", "0"],
        FieldKind::Choice { .. } => &["other", "Auth_Token"],
    };
    s.extend(kind.iter().map(|v| (*v).to_owned()));
    match field.kind {
        FieldKind::TwilioSid { prefix } => s.extend(sid_samples(prefix)),
        FieldKind::TwilioSender => {
            s.extend(sid_samples("MG"));
            s.extend(
                [
                    "+15551234567",
                    "+441234567890",
                    "15551234567",
                    "+0551234567",
                    "+1",
                    "+123456789012345",
                    "+1234567890123456",
                    "+1555-123-4567",
                ]
                .map(str::to_owned),
            );
        }
        FieldKind::Choice { options } => s.extend(options.iter().map(|o| o.value.to_owned())),
        _ => {}
    }
    s
}

fn sid_samples(prefix: &str) -> Vec<String> {
    let hex = "0123456789abcdef0123456789abcdef";
    vec![
        format!("{prefix}{hex}"),
        format!("{prefix}{}", hex.to_uppercase()),
        format!("XX{hex}"),
        format!("{}{hex}", prefix.to_lowercase()),
        format!("{prefix}0123"),
        format!("{prefix}{}g", &hex[..31]),
    ]
}

fn field_cases() -> Vec<Value> {
    let mut out = Vec::new();
    for spec in providers::catalog() {
        for field in &spec.fields {
            for input in samples(field) {
                let result = validate::field_value(spec.provider, field, &input).map(|(_, w)| w);
                out.push(json!({
                    "provider": spec.provider,
                    "field": field.name,
                    "input": input,
                    "issues": issues(result),
                }));
            }
        }
    }
    out
}

fn name_cases() -> Vec<Value> {
    let long = "n".repeat(validate::NAME_MAX_CHARS);
    let too_long = "n".repeat(validate::NAME_MAX_CHARS + 1);
    let inputs = [
        "",
        "   ",
        "  Front desk SMS  ",
        "Ünïcode — fine",
        "a\tb",
        "two\nlines",
        "<b>Bold</b>",
        "a > b",
        &long,
        &too_long,
    ];
    inputs
        .iter()
        .map(|input| {
            let result = validate::name(input);
            json!({
                "input": input,
                "value": result.as_ref().ok(),
                "issues": issues(result.map(|_| vec![])),
            })
        })
        .collect()
}

fn base_url_cases() -> Vec<Value> {
    let inputs = [
        "",
        "   ",
        "https://api.example.com",
        "https://api.example.com/",
        "https://api.example.com/v2//",
        "HTTPS://API.Example.com/v2",
        "http://localhost:8080",
        "http://127.0.0.1:9000/",
        "http://[::1]:8080",
        "http://api.example.com",
        "http://192.168.1.20",
        "ftp://files.example.com",
        "https://user:pw@api.example.com",
        "https://api.example.com?x=1",
        "https://api.example.com#top",
        "https://api.example.com/a b",
        "not a url",
        "notaurl",
        "https://",
    ];
    inputs
        .iter()
        .map(|input| {
            let result = validate::base_url(Some(input));
            json!({
                "input": input,
                "value": result.as_ref().ok().cloned().flatten(),
                "issues": issues(result.map(|_| vec![])),
            })
        })
        .collect()
}

fn endpoint_url_cases() -> Vec<Value> {
    let inputs = [
        "",
        "https://example.com/hooks",
        "HTTPS://Example.COM/Hooks",
        "https://example.com:8443/a?b=c",
        "http://example.com/hooks",
        "https://192.168.1.20/hook",
        "http://192.168.1.20:8080/hook",
        "https://localhost/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.5/",
        "https://172.16.0.1/",
        "https://172.32.0.1/",
        "https://169.254.1.1/",
        "https://100.64.0.1/",
        "https://100.128.0.1/",
        "https://0.0.0.0/",
        "https://255.255.255.255/",
        "https://8.8.8.8/",
        "https://[::1]/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[2001:db8::1]/",
        "https://[::ffff:192.168.1.1]/",
        "https://[::ffff:8.8.8.8]/",
        "ftp://example.com/",
        "https://user:pw@example.com/",
        "https://exa mple.com",
        "not a url",
    ];
    let mut out = Vec::new();
    for input in inputs {
        for (allow_http, allow_private) in
            [(false, false), (true, false), (false, true), (true, true)]
        {
            let result = check_url(input, allow_http, allow_private);
            out.push(json!({
                "url": input,
                "allowHttp": allow_http,
                "allowPrivate": allow_private,
                "value": result.as_ref().ok(),
                "issue": result.err(),
            }));
        }
    }
    out
}

fn private_cases() -> Vec<Value> {
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "172.32.0.1",
        "192.168.0.1",
        "192.169.0.1",
        "169.254.0.1",
        "100.64.0.1",
        "100.127.255.255",
        "100.128.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "8.8.8.8",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "2001:db8::1",
        "::ffff:10.0.0.1",
        "::ffff:8.8.8.8",
    ]
    .iter()
    .filter_map(|ip| ip.parse::<IpAddr>().ok())
    .map(|ip| json!({ "ip": ip.to_string(), "private": is_private(ip) }))
    .collect()
}

fn status_cases() -> Vec<Value> {
    const NOW: i64 = 1_800_000_000_000;
    const MIN: i64 = 60_000;
    const DAY: i64 = status::DAY_MS;
    let test = |kind: OutcomeKind, ago: i64| {
        Some((
            kind,
            NOW - ago,
            format!("{} summary.", kind.as_str()),
            format!("{} action.", kind.as_str()),
        ))
    };
    let base = Facts {
        enabled: true,
        check_interval_ms: 15 * MIN,
        ..Facts::default()
    };
    let ok_at = |ago: i64| Facts {
        last_test: test(OutcomeKind::Ok, ago),
        last_success_at: Some(NOW - ago),
        ..base.clone()
    };
    let failed = |kind: OutcomeKind, ago: i64, since: Option<i64>| Facts {
        last_test: test(kind, ago),
        failing_since: since.map(|s| NOW - s),
        ..base.clone()
    };
    let refresh = |expires_in: i64| Facts {
        refresh_token_expires_at: Some(NOW + expires_in),
        ..ok_at(5 * MIN)
    };
    let cases = [
        (
            "off",
            Facts {
                enabled: false,
                ..ok_at(5 * MIN)
            },
        ),
        ("never tested", base.clone()),
        ("passed recently", ok_at(5 * MIN)),
        ("passed just within twice the interval", ok_at(30 * MIN)),
        ("passed longer ago than twice the interval", ok_at(31 * MIN)),
        (
            "credentials rejected",
            failed(OutcomeKind::CredentialsRejected, 2 * MIN, Some(2 * MIN)),
        ),
        (
            "secret missing",
            failed(OutcomeKind::MissingSecret, 2 * MIN, None),
        ),
        (
            "unreachable for two hours",
            failed(OutcomeKind::Unreachable, 10 * MIN, Some(120 * MIN)),
        ),
        (
            "rate limited for exactly a day",
            failed(OutcomeKind::RateLimited, MIN, Some(DAY)),
        ),
        (
            "provider errors for over a day",
            failed(OutcomeKind::ProviderError, MIN, Some(DAY + MIN)),
        ),
        (
            "one unreachable test over a day old",
            failed(OutcomeKind::Unreachable, DAY + MIN, None),
        ),
        ("refresh token expired", refresh(-MIN)),
        ("refresh token expires in five days", refresh(5 * DAY + MIN)),
        ("refresh token expires in twenty days", refresh(20 * DAY)),
        (
            "oauth integration not connected",
            Facts {
                connection: Some(OAuthConnection::default()),
                ..base.clone()
            },
        ),
        (
            "oauth refresh token refused",
            Facts {
                connection: Some(OAuthConnection {
                    connected: true,
                    refresh_refused: true,
                }),
                ..ok_at(5 * MIN)
            },
        ),
        (
            "oauth connected and passing",
            Facts {
                connection: Some(OAuthConnection {
                    connected: true,
                    refresh_refused: false,
                }),
                ..ok_at(5 * MIN)
            },
        ),
    ];
    cases
        .into_iter()
        .map(|(name, f)| {
            let (level, reason, action) = status::compute(&f, NOW);
            let connect = status::connect_action(&f, NOW);
            json!({
                "name": name,
                "now": NOW,
                "facts": {
                    "enabled": f.enabled,
                    "lastTest": f.last_test.as_ref().map(|(kind, at, summary, action)| json!({
                        "kind": kind, "at": at, "summary": summary, "action": action,
                    })),
                    "lastSuccessAt": f.last_success_at,
                    "failingSince": f.failing_since,
                    "checkIntervalMs": f.check_interval_ms,
                    "refreshTokenExpiresAt": f.refresh_token_expires_at,
                    "connection": f.connection.map(|c| json!({
                        "connected": c.connected, "refreshRefused": c.refresh_refused,
                    })),
                },
                "expected": { "level": level, "reason": reason, "action": action, "connect": connect },
            })
        })
        .collect()
}

fn endpoint_status_cases() -> Vec<Value> {
    let on = EndpointFacts {
        enabled: true,
        ..EndpointFacts::default()
    };
    let cases = [
        ("no deliveries", on.clone()),
        (
            "all delivered",
            EndpointFacts {
                attempts_24h: 40,
                succeeded_24h: 40,
                ..on.clone()
            },
        ),
        (
            "95% delivered",
            EndpointFacts {
                attempts_24h: 20,
                succeeded_24h: 19,
                ..on.clone()
            },
        ),
        (
            "under 95% delivered",
            EndpointFacts {
                attempts_24h: 3,
                succeeded_24h: 2,
                pending: 4,
                ..on.clone()
            },
        ),
        (
            "one retrying",
            EndpointFacts {
                attempts_24h: 2,
                succeeded_24h: 1,
                retrying: 1,
                ..on.clone()
            },
        ),
        (
            "retrying and dead",
            EndpointFacts {
                retrying: 3,
                dead: 2,
                ..on.clone()
            },
        ),
        (
            "one dead",
            EndpointFacts {
                dead: 1,
                ..on.clone()
            },
        ),
        (
            "turned off by a user",
            EndpointFacts {
                enabled: false,
                dead: 1,
                ..on.clone()
            },
        ),
        (
            "disabled by Switchboard",
            EndpointFacts {
                enabled: false,
                disabled_reason: Some("The receiver answered 410 Gone.".to_owned()),
                attempts_24h: 1,
                ..on.clone()
            },
        ),
    ];
    cases
        .into_iter()
        .map(|(name, f)| {
            let (level, reason, action, rate) = health::compute(&f);
            json!({
                "name": name,
                "facts": {
                    "enabled": f.enabled,
                    "disabledReason": f.disabled_reason,
                    "attempts24h": f.attempts_24h,
                    "succeeded24h": f.succeeded_24h,
                    "pending": f.pending,
                    "retrying": f.retrying,
                    "dead": f.dead,
                },
                "expected": { "level": level, "reason": reason, "action": action, "successRate24h": rate },
            })
        })
        .collect()
}

/// Runs `f` on a new, empty Switchboard (a temporary directory, an in-memory keychain) as its
/// admin: the rules that need a store (whole forms) are asked of core as the app asks them.
fn with_core<T>(f: impl FnOnce(&Switchboard, &Actor) -> T) -> T {
    let dir =
        std::env::temp_dir().join(format!("switchboard-domain-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sb = Switchboard::open(OpenOptions {
        data_dir: Some(dir.clone()),
        keychain: Some(Keychain::in_memory()),
        timeouts: None,
    })
    .unwrap();
    let setup = serde_json::from_value(json!({
        "clinicName": "Riverside Vet", "username": "dana", "password": "correct horse battery staple"
    }))
    .unwrap();
    let admin = sb.setup(&setup).unwrap().actor();
    let out = f(&sb, &admin);
    drop(sb);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// A validation error as the UI receives it, or the error's words for any other.
fn refusal(e: &Error) -> Value {
    match e {
        Error::Validation { field, message } => json!({ "field": field, "message": message }),
        other => json!({ "field": null, "message": other.to_string() }),
    }
}

/// Whole drafts through `validate_integration`: unknown and misplaced fields, fields that apply
/// only with a choice, defaults, errors before warnings.
fn integration_draft_cases(sb: &Switchboard, admin: &Actor) -> Vec<Value> {
    let sid = "AC0123456789abcdef0123456789abcdef";
    let token = "0123456789abcdef0123456789abcdef";
    let drafts = [
        json!({ "provider": "twilio", "name": "Front desk SMS", "environment": "live",
            "values": { "account_sid": sid, "auth_method": "auth_token", "sender": "+15551234567" },
            "secrets": { "auth_token": token } }),
        json!({ "provider": "twilio", "name": "", "environment": "prod" }),
        json!({ "provider": "twilio", "name": "Keys", "environment": "test",
            "values": { "account_sid": sid, "auth_method": "api_key", "sender": "MG0123" },
            "secrets": { "auth_token": token } }),
        json!({ "provider": "twilio", "name": "Mixed up", "environment": "live",
            "values": { "account_sid": sid, "auth_token": token, "colour": "blue" },
            "secrets": { "sender": "+15551234567", "pin": "1234" } }),
        json!({ "provider": "twilio", "name": "Short token", "environment": "live",
            "values": { "account_sid": sid, "sender": "+15551234567" },
            "secrets": { "auth_token": "abc" } }),
        json!({ "provider": "square", "name": "Card payments", "environment": "sandbox",
            "values": { "location_id": "18YC4JDH91E1H" }, "secrets": { "access_token": "sq0atp-abc" } }),
        json!({ "provider": "square", "name": "Card <payments>", "environment": "production",
            "values": { "location_id": "18-YC", "square_version": "2026-02-30" }, "secrets": {} }),
        json!({ "provider": "quickbooks", "name": "Accounting", "environment": "production",
            "baseUrl": "http://quickbooks.example.com",
            "values": { "client_id": "ABcdEF0123456789", "realm_id": "93414a" },
            "secrets": { "client_secret": "s3cr3t", "refresh_token": "RT1-abc" } }),
        json!({ "provider": "quickbooks", "name": "Local proxy", "environment": "sandbox",
            "baseUrl": "http://localhost:9000/",
            "values": { "client_id": "ABcdEF0123456789", "realm_id": "9341453000000001" },
            "secrets": { "client_secret": "s3cr3t", "refresh_token": "RT1-abc" } }),
    ];
    drafts
        .into_iter()
        .map(|draft| {
            let result = serde_json::from_value(draft.clone())
                .map_err(|e| Error::Internal(e.to_string()))
                .and_then(|d| sb.validate_integration(admin, &d));
            match result {
                Ok(issues) => json!({ "draft": draft, "issues": issues, "error": null }),
                Err(e) => json!({ "draft": draft, "issues": [], "error": refusal(&e) }),
            }
        })
        .collect()
}

/// New endpoints through `create_endpoint`: the first problem core names, or none.
fn endpoint_draft_cases(sb: &Switchboard, admin: &Actor) -> Vec<Value> {
    let url = "https://pms.example.com/hooks";
    let many: serde_json::Map<String, Value> = (0..21)
        .map(|i| (format!("X-Header-{i}"), json!("v")))
        .collect();
    let drafts = [
        json!({ "url": url }),
        json!({ "url": " https://Example.COM/a " , "eventTypes": ["invoice.created", "*"] }),
        json!({ "url": "http://pms.example.com/hooks" }),
        json!({ "url": "http://192.168.1.20/hooks", "allowHttp": true }),
        json!({ "url": "http://192.168.1.20/hooks", "allowHttp": true, "allowPrivate": true }),
        json!({ "url": url, "description": "d".repeat(201) }),
        json!({ "url": url, "description": "two\nlines" }),
        json!({ "url": url, "eventTypes": ["invoice.created", "invoice.voided"] }),
        json!({ "url": url, "headers": { "Bad Name": "v" } }),
        json!({ "url": url, "headers": { "Webhook-Id": "v" } }),
        json!({ "url": url, "headers": { "X-Token": "line\nbreak" } }),
        json!({ "url": url, "headers": many }),
        json!({ "url": url, "timeoutSecs": 0 }),
        json!({ "url": url, "timeoutSecs": 61 }),
        json!({ "url": url, "timeoutSecs": 60 }),
        json!({ "url": url, "secret": "whsec_c2hvcnQ=" }),
        json!({ "url": url, "secret": "not-a-whsec-secret" }),
        json!({ "url": url, "secret": "whsec_!!!" }),
        json!({ "url": url, "secret": "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" }),
        json!({ "url": url, "scheme": "hmac_sha256_hex", "secret": "short" }),
        json!({ "url": url, "scheme": "hmac_sha256_hex", "secret": "a shared secret with spaces" }),
        json!({ "url": url, "scheme": "hmac_sha256_hex", "secret": "a-shared-secret-of-24-ch" }),
    ];
    drafts
        .into_iter()
        .map(|draft| {
            let result = serde_json::from_value(draft.clone())
                .map_err(|e| Error::Internal(e.to_string()))
                .and_then(|d| sb.create_endpoint(admin, d));
            let error = result.err().map(|e| refusal(&e));
            json!({ "draft": draft, "error": error })
        })
        .collect()
}
