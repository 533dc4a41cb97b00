//! Accounts, sign-in throttling, the last admin, and the audit chain through retention pruning,
//! on real SQLite files.

use rusqlite::Connection;
use switchboard_core::audit::view::AuditFilter;
use switchboard_core::audit::AuditResult;
use switchboard_core::users::{Password, SetupRequest, UserDraft, UserPatch};
use switchboard_core::{Actor, Error, ErrorCode, Keychain, OpenOptions, Role, Switchboard};

const BOSS_PASSWORD: &str = "tulip-ferry-49-granite";

fn open(dir: &std::path::Path) -> Switchboard {
    Switchboard::open(OpenOptions {
        data_dir: Some(dir.to_owned()),
        keychain: Some(Keychain::in_memory()),
        ..Default::default()
    })
    .unwrap()
}

fn set_up(sb: &Switchboard) -> Actor {
    sb.setup(&SetupRequest {
        clinic_name: "Maple Vets".into(),
        username: "boss".into(),
        display_name: Some("Dr Boss".into()),
        password: Password::new(BOSS_PASSWORD),
    })
    .unwrap()
    .actor()
}

fn field(e: Error) -> (String, String) {
    match e {
        Error::Validation { field, message } => (field, message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn first_run_creates_one_admin_whose_password_is_stored_only_as_argon2id() {
    let dir = tempfile::tempdir().unwrap();
    let sb = open(dir.path());
    assert!(sb.needs_setup().unwrap());
    let bad = sb
        .setup(&SetupRequest {
            clinic_name: "".into(),
            username: "boss".into(),
            display_name: None,
            password: Password::new(BOSS_PASSWORD),
        })
        .unwrap_err();
    assert_eq!(field(bad).0, "clinic_name");
    assert!(sb.needs_setup().unwrap(), "a refused setup saves nothing");
    let admin = set_up(&sb);
    assert_eq!(admin.role(), Some(Role::Admin));
    assert!(!sb.needs_setup().unwrap());
    assert_eq!(
        sb.settings().unwrap().clinic_name.as_deref(),
        Some("Maple Vets")
    );
    let again = sb
        .setup(&SetupRequest {
            clinic_name: "Evil".into(),
            username: "mallory".into(),
            display_name: None,
            password: Password::new("granite-heron-57-lantern"),
        })
        .unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict);
    drop(sb);
    // The password is nowhere in the files, only its Argon2id hash.
    let c = Connection::open(dir.path().join("switchboard.sqlite3")).unwrap();
    let hash: String = c
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes
                    .windows(BOSS_PASSWORD.len())
                    .any(|w| w == BOSS_PASSWORD.as_bytes()),
                "{}",
                path.display()
            );
        }
    }
}

/// The audit log's sign-in rows for the username "boss", newest first.
fn boss_sign_ins(sb: &Switchboard, admin: &Actor) -> Vec<switchboard_core::audit::AuditRow> {
    sb.audit_page(
        admin,
        &AuditFilter {
            action: Some("session.login".into()),
            object: Some("boss".into()),
            ..Default::default()
        },
        None,
        100,
    )
    .unwrap()
    .rows
}

#[test]
fn sign_in_checks_the_password_throttles_wrong_tries_and_audits_each() {
    let dir = tempfile::tempdir().unwrap();
    let sb = open(dir.path());
    let admin = set_up(&sb);
    let wrong = Password::new("not-the-password");
    for _ in 0..3 {
        let (f, m) = field(sb.login("boss", &wrong, "app").unwrap_err());
        assert_eq!(
            (f.as_str(), m.as_str()),
            ("password", "Wrong username or password.")
        );
    }
    // A fourth try right away waits, right password or not, and says for how long.
    match sb.login("boss", &Password::new(BOSS_PASSWORD), "app") {
        Err(Error::Throttled { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
        other => panic!("expected throttling, got {other:?}"),
    }
    // An unknown username is throttled the same way, so throttling reveals no usernames.
    for _ in 0..3 {
        let (f, _) = field(sb.login("nobody", &wrong, "app").unwrap_err());
        assert_eq!(f, "password");
    }
    assert!(matches!(
        sb.login("nobody", &wrong, "app"),
        Err(Error::Throttled { .. })
    ));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let user = sb
        .login("BOSS", &Password::new(BOSS_PASSWORD), "app")
        .unwrap();
    assert_eq!(user.username, "boss", "usernames are case-insensitive");
    // Success clears the count: three more wrong tries are allowed before waiting again.
    for _ in 0..3 {
        assert!(matches!(
            sb.login("boss", &wrong, "app"),
            Err(Error::Validation { .. })
        ));
    }
    let rows = boss_sign_ins(&sb, &admin);
    let results: Vec<AuditResult> = rows.iter().map(|r| r.result).collect();
    use AuditResult::*;
    assert_eq!(
        results,
        [Failed, Failed, Failed, Ok, Refused, Failed, Failed, Failed]
    );
    assert!(rows.iter().all(|r| !r
        .detail
        .as_deref()
        .unwrap_or("")
        .contains("not-the-password")));
}

/// Regression: twelve sign-ins started at once (twelve CLI processes) were all checked against
/// the hash, because the count was read in one transaction and written in another.
#[test]
fn parallel_wrong_passwords_check_at_most_the_free_tries() {
    let dir = tempfile::tempdir().unwrap();
    let admin = set_up(&open(dir.path()));
    // Each try through its own connection to the file, as separate processes would.
    let instances: Vec<Switchboard> = (0..12).map(|_| open(dir.path())).collect();
    let barrier = std::sync::Barrier::new(instances.len());
    let results: Vec<Result<_, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = instances
            .iter()
            .map(|sb| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    sb.login("boss", &Password::new("not-the-password"), "cli")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Validation { .. })))
        .count();
    let throttled = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Throttled { .. })))
        .count();
    assert_eq!(
        (checked, throttled),
        (3, 9),
        "at most three tries reach the hash: {results:?}"
    );
    let rows = boss_sign_ins(&open(dir.path()), &admin);
    let failed = rows
        .iter()
        .filter(|r| r.result == AuditResult::Failed)
        .count();
    let refused = rows
        .iter()
        .filter(|r| r.result == AuditResult::Refused)
        .count();
    assert_eq!((failed, refused), (3, 9), "every try is audited");
}

#[test]
fn users_are_managed_by_the_admin_and_the_last_admin_stays() {
    let dir = tempfile::tempdir().unwrap();
    let sb = open(dir.path());
    let admin = set_up(&sb);
    let draft = |username: &str, password: &str| UserDraft {
        username: username.into(),
        display_name: None,
        role: Role::FrontDesk,
        password: Password::new(password),
    };
    for (username, password, bad_field, says) in [
        ("frida", "", "password", "Enter a password"),
        ("frida", "short1!", "password", "too short"),
        ("frida", "password1234", "password", "too common"),
        ("frida", "frida-frida-2026", "password", "too close"),
        ("", "fern-otter-88-basalt", "username", "Enter a username"),
        ("fri da", "fern-otter-88-basalt", "username", "no spaces"),
        ("BOSS", "fern-otter-88-basalt", "username", "taken"),
    ] {
        let (f, m) = field(
            sb.create_user(&admin, &draft(username, password))
                .unwrap_err(),
        );
        assert_eq!(f, bad_field, "{username:?}/{password:?}: {m}");
        assert!(m.contains(says), "{username:?}/{password:?}: {m}");
    }
    assert_eq!(sb.list_users(&admin).unwrap().len(), 1, "nothing was saved");
    let frida = sb
        .create_user(&admin, &draft("frida", "fern-otter-88-basalt"))
        .unwrap();
    assert_eq!(frida.role, Role::FrontDesk);
    let boss_id = admin.user_id().unwrap().to_owned();
    for patch in [
        UserPatch {
            role: Some(Role::Manager),
            ..Default::default()
        },
        UserPatch {
            enabled: Some(false),
            ..Default::default()
        },
    ] {
        let (_, m) = field(sb.update_user(&admin, &boss_id, &patch).unwrap_err());
        assert!(m.contains("last admin"), "{m}");
    }
    // With a second admin, the first may step down.
    sb.update_user(
        &admin,
        &frida.id,
        &UserPatch {
            role: Some(Role::Admin),
            ..Default::default()
        },
    )
    .unwrap();
    sb.update_user(
        &admin,
        &boss_id,
        &UserPatch {
            role: Some(Role::Manager),
            ..Default::default()
        },
    )
    .unwrap();
    // A disabled user cannot sign in; a reset password works and the old one does not.
    let frida_admin = sb
        .login("frida", &Password::new("fern-otter-88-basalt"), "app")
        .unwrap()
        .actor();
    sb.update_user(
        &frida_admin,
        &boss_id,
        &UserPatch {
            enabled: Some(false),
            ..Default::default()
        },
    )
    .unwrap();
    let (f, m) = field(
        sb.login("boss", &Password::new(BOSS_PASSWORD), "app")
            .unwrap_err(),
    );
    assert_eq!(f, "username");
    assert!(m.contains("disabled"), "{m}");
    assert_eq!(
        sb.current_user(&admin).unwrap_err().code(),
        ErrorCode::Locked,
        "a session of a disabled user ends"
    );
    sb.reset_password(
        &frida_admin,
        &boss_id,
        &Password::new("granite-heron-57-lantern"),
    )
    .unwrap();
    sb.update_user(
        &frida_admin,
        &boss_id,
        &UserPatch {
            enabled: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(sb
        .login("boss", &Password::new(BOSS_PASSWORD), "app")
        .is_err());
    let boss = sb
        .login("boss", &Password::new("granite-heron-57-lantern"), "app")
        .unwrap();
    assert_eq!(boss.role, Role::Manager);
    // Changing one's own password needs the current one.
    let me = boss.actor();
    let (f, _) = field(
        sb.change_password(
            &me,
            &Password::new("wrong-current-pass"),
            &Password::new("cobalt-meadow-31-anchor"),
        )
        .unwrap_err(),
    );
    assert_eq!(f, "current_password");
    sb.change_password(
        &me,
        &Password::new("granite-heron-57-lantern"),
        &Password::new("cobalt-meadow-31-anchor"),
    )
    .unwrap();
    assert!(sb
        .login("boss", &Password::new("cobalt-meadow-31-anchor"), "app")
        .is_ok());
    assert!(sb.verify_audit(&frida_admin).unwrap().ok);
}

const DAY: i64 = 24 * 3600 * 1000;

#[test]
fn pruning_keeps_a_year_and_leaves_a_verifiable_chain_that_still_catches_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let sb = open(dir.path());
    let admin = set_up(&sb);
    for i in 0..10 {
        sb.update_settings(
            &admin,
            &switchboard_core::settings::Settings {
                check_interval_minutes: 10 + i,
                ..sb.settings().unwrap()
            },
        )
        .unwrap();
    }
    let db = dir.path().join("switchboard.sqlite3");
    let c = Connection::open(&db).unwrap();
    let now = switchboard_core::time::now_ms();
    let total: i64 = c
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    // Nothing is younger than a year yet: pruning now removes nothing.
    let none = sb.prune_now(&Actor::system("retention"), now).unwrap();
    assert_eq!(none.audit_rows, 0);
    // A year and a day later, every row is past retention; the checkpoint row written by the
    // pruning carries the chain on.
    let later = now + 366 * DAY;
    let pruned = sb.prune_now(&Actor::system("retention"), later).unwrap();
    assert_eq!(i64::from(pruned.audit_rows), total);
    let v = sb.verify_audit(&admin).unwrap();
    assert!(v.ok, "{v:?}");
    assert!(v.message.contains("pruned"), "{}", v.message);
    // Tampering with what is left is still caught…
    c.execute(
        "UPDATE audit_log SET detail = 'edited' WHERE action = 'audit.prune'",
        [],
    )
    .unwrap();
    assert!(!sb.verify_audit(&admin).unwrap().ok);
    c.execute(
        "UPDATE audit_log SET detail = (SELECT value FROM settings WHERE key = 'audit_floor')
         WHERE action = 'audit.prune'",
        [],
    )
    .unwrap();
    assert!(sb.verify_audit(&admin).unwrap().ok, "restored");
    // …and so is deleting the oldest rows by hand, without a checkpoint.
    let first: i64 = c
        .query_row("SELECT min(seq) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    c.execute("DELETE FROM audit_log WHERE seq = ?1", [first])
        .unwrap();
    let v = sb.verify_audit(&admin).unwrap();
    assert!(!v.ok);
    assert_eq!(v.first_bad_seq, u32::try_from(first).ok(), "{}", v.message);
}

#[test]
fn deleting_the_oldest_rows_and_faking_a_floor_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let sb = open(dir.path());
    let admin = set_up(&sb);
    for name in ["A", "B", "C"] {
        sb.update_settings(
            &admin,
            &switchboard_core::settings::Settings {
                clinic_name: Some(name.into()),
                ..sb.settings().unwrap()
            },
        )
        .unwrap();
    }
    let c = Connection::open(dir.path().join("switchboard.sqlite3")).unwrap();
    let (seq, hash): (i64, String) = c
        .query_row("SELECT seq, hash FROM audit_log WHERE seq = 2", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    c.execute("DELETE FROM audit_log WHERE seq <= 2", [])
        .unwrap();
    let v = sb.verify_audit(&admin).unwrap();
    assert!(!v.ok);
    assert_eq!(v.first_bad_seq, Some(1));
    assert!(v.message.contains("row 1 is missing"), "{}", v.message);
    // Someone who also writes a floor by hand is caught: no chained pruning record vouches for it.
    c.execute(
        "INSERT INTO settings (key, value) VALUES ('audit_floor', ?1)",
        [format!("{{\"throughSeq\":{seq},\"anchor\":\"{hash}\"}}")],
    )
    .unwrap();
    let v = sb.verify_audit(&admin).unwrap();
    assert!(!v.ok);
    assert!(
        v.message.contains("without a retention checkpoint"),
        "{}",
        v.message
    );
}

#[test]
fn pruning_part_of_the_log_anchors_the_rest_to_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let sb = open(dir.path());
    let admin = set_up(&sb);
    let rename = |name: &str| {
        sb.update_settings(
            &admin,
            &switchboard_core::settings::Settings {
                clinic_name: Some(name.into()),
                ..sb.settings().unwrap()
            },
        )
        .unwrap();
    };
    rename("Old one");
    rename("Old two");
    std::thread::sleep(std::time::Duration::from_millis(30));
    let between = switchboard_core::time::now_ms();
    std::thread::sleep(std::time::Duration::from_millis(30));
    rename("New one");
    rename("New two");
    // A year after `between`: the first three rows (setup and two renames) are past retention.
    let pruned = sb
        .prune_now(&Actor::system("retention"), between + 365 * DAY)
        .unwrap();
    assert_eq!(pruned.audit_rows, 3);
    let rows = sb
        .audit_page(&admin, &AuditFilter::default(), None, 50)
        .unwrap()
        .rows;
    let seqs: Vec<u32> = rows.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [6, 5, 4], "the two new renames and the checkpoint");
    assert_eq!(rows[0].action, "audit.prune");
    assert_eq!(rows[0].actor, "system:retention");
    let v = sb.verify_audit(&admin).unwrap();
    assert!(v.ok, "{v:?}");
    // Editing a kept row is still named.
    let c = Connection::open(dir.path().join("switchboard.sqlite3")).unwrap();
    c.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4", [])
        .unwrap();
    let v = sb.verify_audit(&admin).unwrap();
    assert_eq!(v.first_bad_seq, Some(4), "{}", v.message);
}

#[test]
fn a_database_copied_to_another_machine_stays_readable_and_names_the_missing_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let sb = open(dir.path());
    let admin = set_up(&sb);
    sb.create_integration(
        &admin,
        switchboard_core::integrations::IntegrationDraft {
            provider: switchboard_core::providers::Provider::Square,
            name: "Payments".into(),
            environment: "sandbox".into(),
            base_url: None,
            values: [("location_id".to_owned(), "L1".to_owned())].into(),
            secrets: [("access_token".to_owned(), "EAAAsecret".to_owned())].into(),
        },
    )
    .unwrap();
    sb.create_endpoint(
        &admin,
        switchboard_core::webhooks::EndpointDraft {
            url: "https://crm.example.com/hooks".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(sb.missing_secrets(&admin).unwrap(), []);
    drop(sb);
    // The same file on a machine whose keychain has never seen it.
    let elsewhere = open(dir.path());
    let admin = elsewhere
        .login("boss", &Password::new(BOSS_PASSWORD), "app")
        .unwrap()
        .actor();
    assert_eq!(elsewhere.list_integrations(&admin).unwrap().len(), 1);
    let missing: Vec<(String, String, String)> = elsewhere
        .missing_secrets(&admin)
        .unwrap()
        .into_iter()
        .map(|m| (m.object_type, m.object_label, m.field))
        .collect();
    assert_eq!(
        missing,
        [
            (
                "integration".into(),
                "Payments".into(),
                "access_token".into()
            ),
            (
                "endpoint".into(),
                "https://crm.example.com/hooks".into(),
                "secret".into()
            ),
        ]
    );
}

#[test]
fn the_audit_viewer_filters_by_user_action_object_result_and_time_and_pages_by_keyset() {
    let dir = tempfile::tempdir().unwrap();
    let sb = open(dir.path());
    let admin = set_up(&sb);
    let mo = sb
        .create_user(
            &admin,
            &UserDraft {
                username: "mo".into(),
                display_name: None,
                role: Role::Manager,
                password: Password::new("fern-otter-88-basalt"),
            },
        )
        .unwrap();
    let mo = Actor::user(&mo.id, "mo", Role::Manager);
    let start = switchboard_core::time::now_ms();
    for i in 0..30 {
        sb.update_settings(
            &mo,
            &switchboard_core::settings::Settings {
                check_interval_minutes: 20 + i,
                ..sb.settings().unwrap()
            },
        )
        .unwrap();
    }
    assert!(sb.list_users(&mo).is_err(), "a refusal, audited");
    let page =
        |f: AuditFilter, before: Option<u32>, n: u32| sb.audit_page(&admin, &f, before, n).unwrap();
    let by_mo = AuditFilter {
        actor: Some("mo".into()),
        ..Default::default()
    };
    // Keyset pages: 12 + 12 + 7, no row twice, newest first.
    let first = page(by_mo.clone(), None, 12);
    let second = page(by_mo.clone(), first.next_before, 12);
    let third = page(by_mo.clone(), second.next_before, 12);
    assert_eq!(third.next_before, None);
    let seqs: Vec<u32> = [first.rows, second.rows, third.rows]
        .concat()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs.len(), 31);
    assert!(seqs.windows(2).all(|w| w[0] > w[1]));
    let refused = page(
        AuditFilter {
            result: Some(AuditResult::Refused),
            ..Default::default()
        },
        None,
        50,
    );
    assert_eq!(refused.rows.len(), 1);
    assert_eq!(refused.rows[0].action, "user.list");
    let family = page(
        AuditFilter {
            action: Some("user".into()),
            ..Default::default()
        },
        None,
        50,
    );
    let actions: Vec<&str> = family.rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["user.list", "user.create"]);
    let object = page(
        AuditFilter {
            object: Some("MO".into()),
            ..Default::default()
        },
        None,
        50,
    );
    assert_eq!(object.rows.len(), 1, "the user mo by name, any case");
    let before_start = page(
        AuditFilter {
            to: Some(switchboard_core::time::to_rfc3339(start)),
            ..Default::default()
        },
        None,
        50,
    );
    assert!(before_start
        .rows
        .iter()
        .all(|r| r.action != "settings.update"));
    let (f, _) = field(
        sb.audit_page(
            &admin,
            &AuditFilter {
                from: Some("last tuesday".into()),
                ..Default::default()
            },
            None,
            50,
        )
        .unwrap_err(),
    );
    assert_eq!(f, "from");
    let setup_rows = page(
        AuditFilter {
            action: Some("setup".into()),
            ..Default::default()
        },
        None,
        50,
    );
    assert_eq!(
        setup_rows.rows.len(),
        1,
        "an action with no family matches itself"
    );
    let facets = sb.audit_facets(&admin).unwrap();
    assert_eq!(facets.actors, ["boss", "mo"]);
    assert!(facets.actions.contains(&"settings.update".to_owned()));
}
