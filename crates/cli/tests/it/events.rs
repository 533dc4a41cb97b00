//! `switchboard events schema` checked by code nobody here wrote: a JSON Schema validator must
//! accept every catalogue example and give the same verdict as core's `check_data` on every
//! sample case.

use switchboard_core::webhooks::catalogue;

fn schema() -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("switchboard")
        .unwrap()
        .args(["events", "schema"])
        .env_remove("SWITCHBOARD_DATA_DIR")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("the schema is JSON")
}

fn validator(schema: &serde_json::Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .expect("a valid draft 2020-12 schema")
}

#[test]
fn the_schema_is_draft_2020_12_with_one_def_per_event_type() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(
        jsonschema::meta::is_valid(&schema),
        "valid against its meta-schema"
    );
    for t in catalogue::EVENT_TYPES {
        assert!(schema["$defs"][t].is_object(), "{t}");
        assert_eq!(
            schema["$defs"][t]["examples"][0],
            catalogue::spec(t).unwrap().example_value()
        );
    }
}

#[test]
fn a_json_schema_validator_agrees_with_check_data_on_every_case() {
    let v = validator(&schema());
    let mut refused = 0;
    for (event_type, data) in catalogue::check_cases() {
        let event = serde_json::json!({"type": event_type, "data": data});
        let ours = catalogue::check_data(event_type, &data);
        let theirs: Vec<String> = v.iter_errors(&event).map(|e| e.to_string()).collect();
        assert_eq!(
            ours.is_ok(),
            theirs.is_empty(),
            "{event_type} {data}: check_data says {ours:?}, the schema says {theirs:?}"
        );
        refused += usize::from(ours.is_err());
    }
    assert!(refused > 20, "bad cases are among them: {refused}");
    // The envelope: only type, data and id.
    assert!(!v.is_valid(&serde_json::json!({"type": "test.ping", "payload": {}})));
    assert!(!v.is_valid(&serde_json::json!({"data": {}})));
    assert!(v.is_valid(&serde_json::json!({"type": "test.ping", "id": "evt_1"})));
}

#[test]
fn events_list_marks_the_fields_sync_rules_need() {
    let out = assert_cmd::Command::cargo_bin("switchboard")
        .unwrap()
        .args(["events", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("invoice.created"), "{text}");
    assert!(text.contains("    total*  money"), "{text}");
    assert!(text.contains("    number  string"), "{text}");
    let json = assert_cmd::Command::cargo_bin("switchboard")
        .unwrap()
        .args(["--json", "events", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(list.as_array().unwrap().len(), catalogue::CATALOGUE.len());
}
