//! The event catalogue: every event type clinics send and subscribe to (from the seeds and
//! design.md's "Events the clinic sends"), each with the schema of its `data` and one example.
//! [`CATALOGUE`] is the only copy: [`check_data`] checks events against it at ingest, [`schema`]
//! prints it as JSON Schema, [`typed`] reads the fields the sync rules need, and the app shows it
//! (Webhooks › Event types) through the generated domain export.

mod check;
pub mod schema;
pub mod typed;

pub use check::{check_data, PathIssue};

use serde_json::{json, Value};

/// What a `data` field must hold when it is present. Absent fields are always fine at ingest; a
/// `null` is a value of the wrong type (leave the field out instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Any JSON string.
    String,
    /// An amount as a decimal string with at most two fraction digits (`"150.00"`), never a
    /// JSON number: see [`crate::money::Money`].
    Money,
    /// An ISO 4217 code with a minor unit, upper case (`"USD"`).
    Currency,
    /// RFC 3339 date and time WITH an offset (`"2026-04-15T10:00:00+03:00"`, or `Z`).
    DateTime,
    /// A calendar date (`"2026-04-15"`).
    Date,
    Bool,
    /// A JSON integer.
    Integer,
    /// E.164: `+`, country code, number; at most 15 digits (`"+15551234567"`).
    Phone,
    /// A count that may be fractional (`2`, or `"0.5"` for half a tablet): a JSON integer or a
    /// decimal string with at most four fraction digits, never a float.
    Quantity,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// An object with these fields (others allowed).
    Object(&'static [Field]),
    /// An array of objects, each with these fields (others allowed).
    Array(&'static [Field]),
}

impl FieldType {
    /// The name shown in the app and the export (`"money"`, `"array"`).
    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Money => "money",
            FieldType::Currency => "currency",
            FieldType::DateTime => "date-time",
            FieldType::Date => "date",
            FieldType::Bool => "bool",
            FieldType::Integer => "integer",
            FieldType::Phone => "phone",
            FieldType::Quantity => "quantity",
            FieldType::Enum(_) => "enum",
            FieldType::Object(_) => "object",
            FieldType::Array(_) => "array",
        }
    }
}

/// One field of an event's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    /// A sync rule needs it (design.md's `*`): an event without it still reaches webhooks, and
    /// the rule's job fails naming the field.
    pub needed: bool,
    pub doc: &'static str,
}

/// One event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    pub name: &'static str,
    pub summary: &'static str,
    pub fields: &'static [Field],
    /// One example `data`, as JSON text (tests check it parses and passes [`check_data`]).
    pub example: &'static str,
}

impl EventSpec {
    /// The example as JSON.
    pub fn example_value(&self) -> Value {
        serde_json::from_str(self.example).unwrap_or(Value::Null)
    }

    /// The spec as the app and the domain export show it.
    pub fn to_json(&self) -> Value {
        json!({
            "type": self.name,
            "summary": self.summary,
            "fields": fields_json(self.fields),
            "example": self.example_value(),
        })
    }
}

fn fields_json(fields: &[Field]) -> Value {
    fields
        .iter()
        .map(|f| {
            let mut v = json!({
                "name": f.name,
                "type": f.ty.name(),
                "needed": f.needed,
                "doc": f.doc,
            });
            match f.ty {
                FieldType::Enum(values) => v["values"] = json!(values),
                FieldType::Object(inner) | FieldType::Array(inner) => {
                    v["fields"] = fields_json(inner)
                }
                _ => {}
            }
            v
        })
        .collect()
}

const fn field(name: &'static str, ty: FieldType, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        needed: false,
        doc,
    }
}

const fn needed(name: &'static str, ty: FieldType, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        needed: true,
        doc,
    }
}

use FieldType as T;

const APPOINTMENT: &[Field] = &[
    needed("id", T::String, "The clinic's appointment id."),
    needed(
        "start_at",
        T::DateTime,
        "When the appointment starts, with the clinic's UTC offset.",
    ),
    field("pet_name", T::String, "The patient's name."),
    field("owner_id", T::String, "The clinic's id for the owner."),
    field("owner_name", T::String, "The owner's name."),
    needed(
        "owner_phone",
        T::Phone,
        "The owner's mobile number for appointment texts.",
    ),
    field(
        "sms_consent",
        T::Bool,
        "false: the owner does not want texts, so none are sent.",
    ),
    field(
        "type",
        T::String,
        "The kind of visit (wellness, surgery, …).",
    ),
    field("vet_name", T::String, "The veterinarian's name."),
    field("duration_minutes", T::Integer, "How long it is booked for."),
    field("location", T::String, "Where (a clinic site or room)."),
];

const PATIENT: &[Field] = &[
    field("id", T::String, "The clinic's patient id."),
    field("pet_name", T::String, "The patient's name."),
    field("species", T::String, "Dog, cat, …"),
    field("owner_id", T::String, "The clinic's id for the owner."),
    field("owner_name", T::String, "The owner's name."),
    field("owner_email", T::String, "The owner's email address."),
    field("owner_phone", T::Phone, "The owner's phone number."),
];

/// What an invoice line is, for mapping it to a QuickBooks Item.
pub const LINE_KINDS: &[&str] = &["service", "product", "fee"];

const INVOICE_LINE: &[Field] = &[
    field("description", T::String, "What was sold or done."),
    needed(
        "kind",
        T::Enum(LINE_KINDS),
        "service, product or fee: picks the QuickBooks Item.",
    ),
    field("quantity", T::Quantity, "How many (2, or \"0.5\")."),
    field("unit_price", T::Money, "Price of one, e.g. \"42.25\"."),
    needed(
        "amount",
        T::Money,
        "The line's amount; the lines add up to the total.",
    ),
];

const INVOICE_CREATED: &[Field] = &[
    needed("id", T::String, "The clinic's invoice id."),
    field(
        "number",
        T::String,
        "The invoice number people see (QuickBooks DocNumber).",
    ),
    field("issued_on", T::Date, "The invoice date."),
    field("due_on", T::Date, "When payment is due."),
    needed("currency", T::Currency, "ISO 4217 code, e.g. \"USD\"."),
    needed(
        "owner_id",
        T::String,
        "The clinic's id for the owner (the customer).",
    ),
    needed(
        "owner_name",
        T::String,
        "The owner's name (the QuickBooks customer).",
    ),
    field("owner_email", T::String, "The owner's email address."),
    needed("lines", T::Array(INVOICE_LINE), "At least one line."),
    needed("total", T::Money, "The sum of the lines' amounts."),
];

/// How an invoice was paid.
pub const PAYMENT_METHODS: &[&str] = &["cash", "card", "check", "other"];

const INVOICE_PAID: &[Field] = &[
    needed(
        "invoice_id",
        T::String,
        "The clinic's id of the invoice paid.",
    ),
    field("payment_id", T::String, "The clinic's id for this payment."),
    needed("amount", T::Money, "The amount paid, e.g. \"84.50\"."),
    field(
        "currency",
        T::Currency,
        "ISO 4217 code; the invoice's currency when absent.",
    ),
    field(
        "method",
        T::Enum(PAYMENT_METHODS),
        "cash, card, check or other: picks the QuickBooks payment method.",
    ),
    field("paid_at", T::DateTime, "When it was paid."),
];

/// Where a payment was taken.
pub const PAYMENT_SOURCES: &[&str] = &["square", "clinic"];

const PAYMENT: &[Field] = &[
    field(
        "id",
        T::String,
        "The payment's id (Square's, for payments from Square).",
    ),
    needed("amount", T::Money, "The amount, e.g. \"84.50\"."),
    needed("currency", T::Currency, "ISO 4217 code, e.g. \"USD\"."),
    field(
        "source",
        T::Enum(PAYMENT_SOURCES),
        "square (read from Square) or clinic.",
    ),
    field(
        "invoice_id",
        T::String,
        "The clinic invoice it pays, when known.",
    ),
    field(
        "reference_id",
        T::String,
        "The clinic's reference given to Square; names the invoice when invoice_id is absent.",
    ),
    field("receipt_url", T::String, "The payment's receipt."),
    field("card_last4", T::String, "Last four digits of the card."),
];

/// Vetigen's patient reference (`{"fp": "patient_…", "name": "Luna"}`).
const VETIGEN_PATIENT: &[Field] = &[
    field("fp", T::String, "Vetigen's patient id."),
    field("name", T::String, "The patient's name."),
];

const SOAP: &[Field] = &[
    field("fp", T::String, "Vetigen's SOAP record id."),
    field("patient", T::Object(VETIGEN_PATIENT), "The patient."),
    field("vet_name", T::String, "The veterinarian."),
    field("created_at", T::DateTime, "When the record was created."),
    field(
        "signed_at",
        T::DateTime,
        "When it was signed (soap.signed).",
    ),
];

const LAB: &[Field] = &[
    field("fp", T::String, "Vetigen's lab result id."),
    field("patient", T::Object(VETIGEN_PATIENT), "The patient."),
    field("test_name", T::String, "The test or panel."),
    field("status", T::String, "The result's status."),
    field("completed_at", T::DateTime, "When the result arrived."),
];

const RECORD: &[Field] = &[
    field("id", T::String, "The clinic's record id."),
    field("patient_id", T::String, "The clinic's patient id."),
    field("kind", T::String, "What kind of record (visit note, …)."),
    field("finalized_by", T::String, "Who finalized it."),
    field("finalized_at", T::DateTime, "When."),
];

const CALL: &[Field] = &[
    field("id", T::String, "The call's id."),
    field("from", T::Phone, "The caller's number."),
    field("to", T::Phone, "The number called."),
    field(
        "direction",
        T::Enum(&["inbound", "outbound"]),
        "inbound or outbound.",
    ),
    field("duration_seconds", T::Integer, "How long the call lasted."),
];

const EMERGENCY: &[Field] = &[
    field("patient_id", T::String, "The clinic's patient id."),
    field("pet_name", T::String, "The patient's name."),
    field("symptoms", T::String, "What was reported."),
    field("severity", T::String, "How urgent."),
    field("detected_at", T::DateTime, "When."),
];

const PING: &[Field] = &[field("message", T::String, "Any text.")];

/// Every event type, in the order the app lists them.
pub const CATALOGUE: &[EventSpec] = &[
    EventSpec {
        name: "appointment.created",
        summary: "A new appointment was booked.",
        fields: APPOINTMENT,
        example: r#"{"id": "apt_1001", "start_at": "2026-12-01T15:30:00-05:00", "pet_name": "Biscuit", "owner_id": "own_42", "owner_name": "Jordan Lee", "owner_phone": "+15551234567", "sms_consent": true, "type": "wellness", "vet_name": "Dr. Patel", "duration_minutes": 30, "location": "Main St"}"#,
    },
    EventSpec {
        name: "appointment.updated",
        summary: "An appointment changed (a new time moves its reminder).",
        fields: APPOINTMENT,
        example: r#"{"id": "apt_1001", "start_at": "2026-12-02T10:00:00-05:00", "pet_name": "Biscuit", "owner_name": "Jordan Lee", "owner_phone": "+15551234567", "sms_consent": true, "vet_name": "Dr. Patel", "duration_minutes": 30}"#,
    },
    EventSpec {
        name: "appointment.cancelled",
        summary: "An appointment was cancelled (its pending reminder is cancelled too).",
        fields: APPOINTMENT,
        example: r#"{"id": "apt_1001", "start_at": "2026-12-02T10:00:00-05:00", "pet_name": "Biscuit", "owner_name": "Jordan Lee", "owner_phone": "+15551234567", "sms_consent": true}"#,
    },
    EventSpec {
        name: "appointment.completed",
        summary: "The visit took place.",
        fields: APPOINTMENT,
        example: r#"{"id": "apt_1001", "start_at": "2026-12-02T10:00:00-05:00", "pet_name": "Biscuit", "owner_phone": "+15551234567", "vet_name": "Dr. Patel"}"#,
    },
    EventSpec {
        name: "patient.created",
        summary: "A new patient was registered.",
        fields: PATIENT,
        example: r#"{"id": "pat_42", "pet_name": "Biscuit", "species": "dog", "owner_id": "own_42", "owner_name": "Jordan Lee", "owner_email": "jordan@example.com", "owner_phone": "+15551234567"}"#,
    },
    EventSpec {
        name: "patient.updated",
        summary: "A patient's details changed.",
        fields: PATIENT,
        example: r#"{"id": "pat_42", "pet_name": "Biscuit", "species": "dog", "owner_phone": "+15557654321"}"#,
    },
    EventSpec {
        name: "record.finalized",
        summary: "A medical record was finalized (Paw & Care).",
        fields: RECORD,
        example: r#"{"id": "rec_77", "patient_id": "pat_42", "kind": "visit_note", "finalized_by": "Dr. Patel", "finalized_at": "2026-12-01T16:05:00-05:00"}"#,
    },
    EventSpec {
        name: "soap.created",
        summary: "A SOAP record was created (Vetigen).",
        fields: SOAP,
        example: r#"{"fp": "soap_01JQMK7Y", "patient": {"fp": "patient_01JQMK2A", "name": "Luna"}, "vet_name": "Dr. Aydin", "created_at": "2026-04-15T10:40:00+03:00"}"#,
    },
    EventSpec {
        name: "soap.signed",
        summary: "A SOAP record was signed by the veterinarian (Vetigen).",
        fields: SOAP,
        example: r#"{"fp": "soap_01JQMK7Y", "patient": {"fp": "patient_01JQMK2A", "name": "Luna"}, "vet_name": "Dr. Aydin", "signed_at": "2026-04-15T11:05:00+03:00"}"#,
    },
    EventSpec {
        name: "lab.completed",
        summary: "A lab result arrived (Vetigen's Cortex).",
        fields: LAB,
        example: r#"{"fp": "lab_01JQMK9C", "patient": {"fp": "patient_01JQMK2A", "name": "Luna"}, "test_name": "CBC", "status": "final", "completed_at": "2026-04-15T14:20:00+03:00"}"#,
    },
    EventSpec {
        name: "invoice.created",
        summary: "An invoice was issued (synced to QuickBooks as an Invoice).",
        fields: INVOICE_CREATED,
        example: r#"{"id": "inv_5001", "number": "2026-0145", "issued_on": "2026-12-01", "due_on": "2026-12-31", "currency": "USD", "owner_id": "own_42", "owner_name": "Jordan Lee", "owner_email": "jordan@example.com", "lines": [{"description": "Wellness exam", "kind": "service", "quantity": 1, "unit_price": "65.00", "amount": "65.00"}, {"description": "Heartworm chewable", "kind": "product", "quantity": "0.5", "unit_price": "25.00", "amount": "12.50"}, {"description": "Medical waste fee", "kind": "fee", "quantity": 1, "unit_price": "7.00", "amount": "7.00"}], "total": "84.50"}"#,
    },
    EventSpec {
        name: "invoice.paid",
        summary: "An invoice was paid at the clinic (synced to QuickBooks as a Payment).",
        fields: INVOICE_PAID,
        example: r#"{"invoice_id": "inv_5001", "payment_id": "pay_7001", "amount": "84.50", "currency": "USD", "method": "card", "paid_at": "2026-12-01T16:10:00-05:00"}"#,
    },
    EventSpec {
        name: "payment.completed",
        summary: "A payment went through (from Square, or the clinic).",
        fields: PAYMENT,
        example: r#"{"id": "sq_pay_9001", "amount": "84.50", "currency": "USD", "source": "square", "reference_id": "inv_5001", "receipt_url": "https://squareup.com/receipt/preview/sq_pay_9001", "card_last4": "4242"}"#,
    },
    EventSpec {
        name: "payment.failed",
        summary: "A payment was declined or failed.",
        fields: PAYMENT,
        example: r#"{"id": "sq_pay_9002", "amount": "84.50", "currency": "USD", "source": "square", "reference_id": "inv_5001", "card_last4": "0002"}"#,
    },
    EventSpec {
        name: "payment.refunded",
        summary: "A payment was refunded, in full or in part.",
        fields: PAYMENT,
        example: r#"{"id": "sq_pay_9001", "amount": "12.50", "currency": "USD", "source": "square", "reference_id": "inv_5001"}"#,
    },
    EventSpec {
        name: "call.completed",
        summary: "A phone call ended (Paw & Care).",
        fields: CALL,
        example: r#"{"id": "call_300", "from": "+15551234567", "to": "+15559876543", "direction": "inbound", "duration_seconds": 142}"#,
    },
    EventSpec {
        name: "emergency.detected",
        summary: "An emergency was reported (Paw & Care).",
        fields: EMERGENCY,
        example: r#"{"patient_id": "pat_42", "pet_name": "Biscuit", "symptoms": "Suspected toxin ingestion", "severity": "high", "detected_at": "2026-12-01T18:45:00-05:00"}"#,
    },
    EventSpec {
        name: "test.ping",
        summary: "A test event from Switchboard.",
        fields: PING,
        example: r#"{"message": "Hello from Switchboard. This is a test event."}"#,
    },
];

const COUNT: usize = CATALOGUE.len();
const NAMES: [&str; COUNT] = {
    let mut names = [""; COUNT];
    let mut i = 0;
    while i < COUNT {
        names[i] = CATALOGUE[i].name;
        i += 1;
    }
    names
};

/// Every event type's name, in catalogue order.
pub const EVENT_TYPES: &[&str] = &NAMES;

pub fn is_known_event_type(t: &str) -> bool {
    spec(t).is_some()
}

/// The catalogue entry for an event type.
pub fn spec(event_type: &str) -> Option<&'static EventSpec> {
    CATALOGUE.iter().find(|s| s.name == event_type)
}

/// The whole catalogue as the app and the domain export show it.
pub fn catalogue_json() -> Value {
    CATALOGUE.iter().map(EventSpec::to_json).collect()
}

/// One event type as the app shows it (Webhooks › Event types, "Send test event").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EventTypeInfo {
    #[serde(rename = "type")]
    pub event_type: String,
    pub summary: String,
    /// Every field, nested ones by path (`lines[].amount`), parents before their children.
    pub fields: Vec<FieldInfo>,
    /// The example `data`, pretty-printed JSON.
    pub example: String,
}

/// One field of an event type, flattened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldInfo {
    /// `total`, `patient.name`, `lines[].amount`.
    pub path: String,
    /// [`FieldType::name`]: string, money, currency, date-time, date, bool, integer, phone,
    /// quantity, enum, object, array.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Needed by a sync rule (design.md's `*`).
    pub needed: bool,
    pub doc: String,
    /// An enum's values; empty otherwise.
    pub values: Vec<String>,
}

/// The catalogue for the app.
pub fn catalogue_info() -> Vec<EventTypeInfo> {
    fn flatten(fields: &[Field], prefix: &str, out: &mut Vec<FieldInfo>) {
        for f in fields {
            let path = format!("{prefix}{}", f.name);
            out.push(FieldInfo {
                path: path.clone(),
                field_type: f.ty.name().to_owned(),
                needed: f.needed,
                doc: f.doc.to_owned(),
                values: match f.ty {
                    FieldType::Enum(values) => values.iter().map(|v| (*v).to_owned()).collect(),
                    _ => Vec::new(),
                },
            });
            match f.ty {
                FieldType::Object(inner) => flatten(inner, &format!("{path}."), out),
                FieldType::Array(inner) => flatten(inner, &format!("{path}[]."), out),
                _ => {}
            }
        }
    }
    CATALOGUE
        .iter()
        .map(|spec| {
            let mut fields = Vec::new();
            flatten(spec.fields, "", &mut fields);
            EventTypeInfo {
                event_type: spec.name.to_owned(),
                summary: spec.summary.to_owned(),
                fields,
                example: serde_json::to_string_pretty(&spec.example_value()).unwrap_or_default(),
            }
        })
        .collect()
}

/// Sample events, accepted and refused, on which [`check_data`] and the JSON Schema must agree
/// (the CLI's test runs a JSON Schema validator over them) and against which the UI's mock is
/// tested (the domain export carries core's verdict on each). Every example is among them.
pub fn check_cases() -> Vec<(&'static str, Value)> {
    let mut cases: Vec<(&'static str, Value)> = CATALOGUE
        .iter()
        .map(|s| (s.name, s.example_value()))
        .collect();
    let invoice = spec("invoice.created")
        .map(EventSpec::example_value)
        .unwrap_or_default();
    let with = |mut base: Value, pointer: &str, value: Value| {
        if let Some(slot) = base.pointer_mut(pointer) {
            *slot = value;
        }
        base
    };
    cases.extend([
        ("invoice.created", json!({})),
        (
            "invoice.created",
            json!({"custom": {"anything": [1, null]}}),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/total", json!(84.5)),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/total", json!("84.505")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/total", json!("1,084.50")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/total", json!("1234567890123456")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/total", json!(null)),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/lines/1/amount", json!(12.5)),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/lines/1/kind", json!("toy")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/lines/1/quantity", json!(0.5)),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/lines/1/quantity", json!("0.12345")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/lines/1/quantity", json!(3.0)),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/lines/1", json!("a line")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/lines", json!({"kind": "fee"})),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/currency", json!("usd")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/currency", json!("XXX")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/currency", json!("JPY")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/issued_on", json!("2025-02-29")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/issued_on", json!("2024-02-29")),
        ),
        (
            "invoice.created",
            with(invoice.clone(), "/issued_on", json!("12/01/2026")),
        ),
        ("invoice.created", with(invoice, "/number", json!(145))),
        (
            "appointment.created",
            json!({"start_at": "2026-12-01T15:30:00"}),
        ),
        (
            "appointment.created",
            json!({"start_at": "2026-12-01 15:30:00Z"}),
        ),
        (
            "appointment.created",
            json!({"start_at": "2026-12-01T25:30:00Z"}),
        ),
        (
            "appointment.created",
            json!({"start_at": "2026-02-30T10:00:00Z"}),
        ),
        (
            "appointment.created",
            json!({"start_at": "2026-12-01T15:30:00.5+05:30"}),
        ),
        (
            "appointment.created",
            json!({"owner_phone": "+15551234567"}),
        ),
        ("appointment.created", json!({"owner_phone": "5551234567"})),
        (
            "appointment.created",
            json!({"owner_phone": "+1 555 123 4567"}),
        ),
        ("appointment.created", json!({"owner_phone": "+0551234567"})),
        ("appointment.created", json!({"sms_consent": "yes"})),
        ("appointment.created", json!({"duration_minutes": 30.5})),
        ("appointment.created", json!({"duration_minutes": 30.0})),
        ("appointment.created", json!({"duration_minutes": "30"})),
        (
            "invoice.paid",
            json!({"invoice_id": "inv_1", "amount": "84.50", "method": "Card"}),
        ),
        ("invoice.paid", json!({"invoice_id": 5001})),
        ("payment.completed", json!({"source": "stripe"})),
        ("lab.completed", json!({"patient": {"fp": 7}})),
        ("lab.completed", json!({"patient": "Luna"})),
        ("test.ping", json!([1, 2])),
        ("test.ping", json!("hello")),
        ("pet.exploded", json!({})),
    ]);
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_cases_have_both_verdicts() {
        let cases = check_cases();
        let refused = cases
            .iter()
            .filter(|(t, d)| check_data(t, d).is_err())
            .count();
        assert!(refused >= 30, "{refused}");
        assert!(cases.len() - refused >= CATALOGUE.len() + 5);
    }

    #[test]
    fn the_app_sees_nested_fields_by_path() {
        let info = catalogue_info();
        let invoice = info
            .iter()
            .find(|i| i.event_type == "invoice.created")
            .unwrap();
        let kind = invoice
            .fields
            .iter()
            .find(|f| f.path == "lines[].kind")
            .unwrap();
        assert!(kind.needed);
        assert_eq!(kind.values, ["service", "product", "fee"]);
        let example: Value = serde_json::from_str(&invoice.example).unwrap();
        assert_eq!(example["total"], "84.50");
        let lab = info
            .iter()
            .find(|i| i.event_type == "lab.completed")
            .unwrap();
        assert!(lab.fields.iter().any(|f| f.path == "patient.name"));
    }

    #[test]
    fn known_types() {
        assert!(is_known_event_type("invoice.paid"));
        assert!(is_known_event_type("lab.completed"));
        assert!(!is_known_event_type("invoice.*"));
        let mut sorted = EVENT_TYPES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), EVENT_TYPES.len(), "no repeats");
        assert_eq!(EVENT_TYPES.len(), CATALOGUE.len());
    }

    #[test]
    fn every_example_is_json_that_passes_its_own_schema() {
        for spec in CATALOGUE {
            let example: Value = serde_json::from_str(spec.example)
                .unwrap_or_else(|e| panic!("{}: example is not JSON: {e}", spec.name));
            assert!(example.is_object(), "{}", spec.name);
            assert_eq!(check_data(spec.name, &example), Ok(()), "{}", spec.name);
            // Each example shows every field its type needs, so it is a complete sample.
            for f in spec.fields.iter().filter(|f| f.needed) {
                assert!(example.get(f.name).is_some(), "{}: {}", spec.name, f.name);
            }
        }
    }

    #[test]
    fn field_names_are_unique_per_type() {
        fn unique(fields: &[Field], at: &str) {
            let mut names: Vec<_> = fields.iter().map(|f| f.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), fields.len(), "{at}");
            for f in fields {
                if let FieldType::Object(inner) | FieldType::Array(inner) = f.ty {
                    unique(inner, f.name);
                }
            }
        }
        for spec in CATALOGUE {
            unique(spec.fields, spec.name);
        }
    }

    #[test]
    fn design_md_needed_fields_are_marked() {
        let needed = |t: &str| -> Vec<&str> {
            spec(t)
                .unwrap()
                .fields
                .iter()
                .filter(|f| f.needed)
                .map(|f| f.name)
                .collect()
        };
        assert_eq!(
            needed("appointment.created"),
            ["id", "start_at", "owner_phone"]
        );
        assert_eq!(
            needed("invoice.created"),
            ["id", "currency", "owner_id", "owner_name", "lines", "total"]
        );
        assert_eq!(needed("invoice.paid"), ["invoice_id", "amount"]);
    }
}
