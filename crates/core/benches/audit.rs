//! The admin's audit viewer at 1,000,000 audit rows: one page (100 rows) for each filter the
//! viewer offers, the filter lists, and a full chain check. Target: every page well under the
//! 100 ms a person notices. Run: `cargo bench -p switchboard-core --bench audit`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use switchboard_core::audit::view::AuditFilter;
use switchboard_core::audit::{self, AuditResult, FieldChange, Record};
use switchboard_core::{Actor, Keychain, OpenOptions, Role, Switchboard};

const ROWS: usize = 1_000_000;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sb = Switchboard::open(OpenOptions {
        data_dir: Some(dir.path().to_owned()),
        keychain: Some(Keychain::in_memory()),
        ..Default::default()
    })
    .expect("open");
    let actors: Vec<Actor> = [
        "alice", "bob", "carol", "dave", "erin", "frida", "gus", "hana",
    ]
    .iter()
    .enumerate()
    .map(|(i, n)| Actor::user(format!("usr_{i}"), *n, Role::Manager))
    .collect();
    let actions = [
        "integration.update",
        "integration.test",
        "endpoint.update",
        "session.login",
        "session.lock",
        "delivery.resend",
        "settings.update",
        "user.update",
    ];
    let started = Instant::now();
    // Appended through the real chain code, in batches of 50,000 per transaction.
    for batch in 0..ROWS / 50_000 {
        sb.db()
            .write(|tx| {
                for n in 0..50_000 {
                    let i = batch * 50_000 + n;
                    let label = format!("Object {}", i % 5_000);
                    audit::append(
                        tx,
                        &Record {
                            actor: &actors[i % actors.len()],
                            action: actions[(i / 3) % actions.len()],
                            object_type: "integration",
                            object_id: Some(&format!("int_{}", i % 5_000)),
                            object_label: Some(&label),
                            changes: vec![FieldChange::value("name", Some("a"), Some("b"))],
                            outcome: if i % 50 == 0 {
                                AuditResult::Refused
                            } else {
                                AuditResult::Ok
                            },
                            detail: None,
                        },
                    )?;
                }
                Ok(())
            })
            .expect("fill");
    }
    println!(
        "filled {ROWS} chained audit rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let admin = Actor::admin_for_tests();
    let mid = sb
        .audit_page(&admin, &AuditFilter::default(), Some(500_000), 1)
        .unwrap()
        .rows[0]
        .at
        .clone();
    let cases: Vec<(&str, AuditFilter)> = vec![
        ("no filter", AuditFilter::default()),
        (
            "one user",
            AuditFilter {
                actor: Some("frida".into()),
                ..Default::default()
            },
        ),
        (
            "one action",
            AuditFilter {
                action: Some("session.login".into()),
                ..Default::default()
            },
        ),
        (
            "an action family",
            AuditFilter {
                action: Some("session".into()),
                ..Default::default()
            },
        ),
        (
            "one object by name",
            AuditFilter {
                object: Some("object 1234".into()),
                ..Default::default()
            },
        ),
        (
            "refusals",
            AuditFilter {
                result: Some(AuditResult::Refused),
                ..Default::default()
            },
        ),
        (
            "user + action + time range",
            AuditFilter {
                actor: Some("bob".into()),
                action: Some("integration".into()),
                to: Some(mid.clone()),
                ..Default::default()
            },
        ),
    ];
    for (name, filter) in &cases {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..20 {
            let t = Instant::now();
            let page = sb.audit_page(&admin, filter, None, 100).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            rows = page.rows.len();
            // The next page too: keyset paging costs the same deep in the log.
            let t = Instant::now();
            if let Some(before) = page.next_before {
                sb.audit_page(&admin, filter, Some(before), 100).unwrap();
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "audit page ({name}), {ROWS} rows: median {:.2} ms, p95 {:.2} ms, {rows} rows shown",
            times[times.len() / 2],
            times[times.len() * 95 / 100]
        );
    }
    let t = Instant::now();
    let facets = sb.audit_facets(&admin).unwrap();
    println!(
        "audit filter lists ({} users, {} actions): {:.2} ms",
        facets.actors.len(),
        facets.actions.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    let v = sb.verify_audit(&admin).unwrap();
    assert!(v.ok, "{v:?}");
    println!(
        "verify the whole chain ({} rows): {:.2} s",
        v.rows_checked,
        t.elapsed().as_secs_f64()
    );
}
