//! The catalogue as one JSON Schema (draft 2020-12) document for the clinic's developers
//! (`switchboard events schema`): an event `{type, data, id}` whose `data` is checked against
//! `$defs/<type>`, with the shared value shapes (`Money`, `DateTime`, …) as `$defs` of their own.
//! Generated from [`super::CATALOGUE`], so it says what [`super::check_data`] checks; a test in
//! the CLI runs a JSON Schema validator over the same cases and requires the same verdicts.

use serde_json::{json, Map, Value};

use super::{Field, FieldType, CATALOGUE, EVENT_TYPES};
use crate::money::Currency;

pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";
pub const MONEY_PATTERN: &str = r"^-?[0-9]{1,15}(\.[0-9]{1,2})?$";
pub const QUANTITY_PATTERN: &str = r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$";
pub const DATE_TIME_PATTERN: &str =
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";
pub const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
pub const PHONE_PATTERN: &str = r"^\+[1-9][0-9]{1,14}$";
/// Marks a field a sync rule needs (design.md's `*`); an annotation, never a requirement.
pub const NEEDED_KEYWORD: &str = "x-needed-by-sync";

/// The whole document.
pub fn json_schema() -> Value {
    let mut defs = Map::new();
    defs.insert(
        "Money".into(),
        json!({
            "description": "An exact amount: a decimal string with at most two fraction digits, never a JSON number.",
            "type": "string",
            "pattern": MONEY_PATTERN,
            "examples": ["150.00", "84.5", "-10.00"],
        }),
    );
    defs.insert(
        "Currency".into(),
        json!({
            "description": "An ISO 4217 currency code with a minor unit, in capitals.",
            "type": "string",
            "enum": Currency::all_codes(),
        }),
    );
    defs.insert(
        "DateTime".into(),
        json!({
            "description": "An RFC 3339 date and time with its UTC offset (Z or ±hh:mm).",
            "type": "string",
            "format": "date-time",
            "pattern": DATE_TIME_PATTERN,
            "examples": ["2026-12-01T15:30:00-05:00"],
        }),
    );
    defs.insert(
        "Date".into(),
        json!({
            "description": "A calendar date.",
            "type": "string",
            "format": "date",
            "pattern": DATE_PATTERN,
            "examples": ["2026-12-01"],
        }),
    );
    defs.insert(
        "Phone".into(),
        json!({
            "description": "A phone number in E.164 form.",
            "type": "string",
            "pattern": PHONE_PATTERN,
            "examples": ["+15551234567"],
        }),
    );
    defs.insert(
        "Quantity".into(),
        json!({
            "description": "A whole number, or a decimal string with at most four fraction digits.",
            "anyOf": [{"type": "integer"}, {"type": "string", "pattern": QUANTITY_PATTERN}],
        }),
    );
    for spec in CATALOGUE {
        defs.insert(
            spec.name.into(),
            json!({
                "title": spec.name,
                "description": spec.summary,
                "type": "object",
                "properties": properties(spec.fields),
                "examples": [spec.example_value()],
            }),
        );
    }
    let dispatch: Vec<Value> = CATALOGUE
        .iter()
        .map(|spec| {
            json!({
                "if": {"properties": {"type": {"const": spec.name}}, "required": ["type"]},
                "then": {"properties": {"data": {"$ref": format!("#/$defs/{}", spec.name)}}},
            })
        })
        .collect();
    json!({
        "$schema": DRAFT,
        "title": "Switchboard events",
        "description": "An event sent to Switchboard (POST /v1/events, switchboard emit). `data` \
            is checked against the event type's schema in $defs: fields that are present must \
            have the type given; absent and extra fields are allowed. Fields marked \
            x-needed-by-sync are read by a sync rule, which fails its job when they are absent.",
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"enum": EVENT_TYPES},
            "id": {"type": "string", "pattern": "^evt_[A-Za-z0-9_-]{1,64}$"},
            "data": {"type": "object"},
        },
        "additionalProperties": false,
        "allOf": dispatch,
        "$defs": defs,
    })
}

fn properties(fields: &[Field]) -> Value {
    let mut props = Map::new();
    for f in fields {
        let mut schema = match field_schema(f.ty) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        schema.insert("description".into(), json!(f.doc));
        if f.needed {
            schema.insert(NEEDED_KEYWORD.into(), json!(true));
        }
        props.insert(f.name.into(), Value::Object(schema));
    }
    Value::Object(props)
}

fn field_schema(ty: FieldType) -> Value {
    let reference = |name: &str| json!({"$ref": format!("#/$defs/{name}")});
    match ty {
        FieldType::String => json!({"type": "string"}),
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::Integer => json!({"type": "integer"}),
        FieldType::Money => reference("Money"),
        FieldType::Currency => reference("Currency"),
        FieldType::DateTime => reference("DateTime"),
        FieldType::Date => reference("Date"),
        FieldType::Phone => reference("Phone"),
        FieldType::Quantity => reference("Quantity"),
        FieldType::Enum(values) => json!({"type": "string", "enum": values}),
        FieldType::Object(fields) => json!({"type": "object", "properties": properties(fields)}),
        FieldType::Array(fields) => json!({
            "type": "array",
            "items": {"type": "object", "properties": properties(fields)},
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_def_per_type_and_the_needed_marks() {
        let doc = json_schema();
        assert_eq!(doc["$schema"], DRAFT);
        for t in EVENT_TYPES {
            assert!(doc["$defs"][t].is_object(), "{t}");
        }
        let total = &doc["$defs"]["invoice.created"]["properties"]["total"];
        assert_eq!(total["$ref"], "#/$defs/Money");
        assert_eq!(total[NEEDED_KEYWORD], true);
        let kind =
            &doc["$defs"]["invoice.created"]["properties"]["lines"]["items"]["properties"]["kind"];
        assert_eq!(kind["enum"], json!(["service", "product", "fee"]));
        assert!(doc["$defs"]["invoice.created"]["properties"]["number"]
            .get(NEEDED_KEYWORD)
            .is_none());
    }
}
