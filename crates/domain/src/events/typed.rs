//! Typed views of the events the sync rules read, with exact money. Each `from_data` returns the
//! typed value, or every issue that stops the rule: a needed field (the catalogue's `needed`,
//! design.md's `*`) that is absent or empty, a field of the wrong type, or a rule of the data
//! itself (an invoice's total is the sum of its lines; amounts the currency can express).
//! Checking at ingest let such events in (absent fields are fine there); the rule's job fails
//! with these issues as its reason.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::check::{check_scalar, parse_date, parse_date_time};
use super::{
    Field, FieldType, PathIssue, APPOINTMENT, INVOICE_CREATED, INVOICE_LINE, INVOICE_PAID, PAYMENT,
};
use crate::money::{Currency, Money};
use crate::Invalid;

const TEXTS_RULE: &str = "the appointment texts rule";
const INVOICES_RULE: &str = "the QuickBooks invoices rule";
const PAYMENTS_RULE: &str = "the QuickBooks payments rule";

/// `appointment.created`, `.updated`, `.cancelled` as the appointment texts rule reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentData {
    pub id: String,
    pub start_at: jiff::Timestamp,
    /// The offset the clinic wrote `start_at` with (shown in texts when no zone is configured).
    pub start_offset: jiff::tz::Offset,
    pub pet_name: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    /// E.164.
    pub owner_phone: String,
    pub sms_consent: Option<bool>,
    pub appointment_type: Option<String>,
    pub vet_name: Option<String>,
    pub duration_minutes: Option<i64>,
    pub location: Option<String>,
}

impl AppointmentData {
    pub fn from_data(data: &Value) -> Result<AppointmentData, Vec<PathIssue>> {
        let object = object(data)?;
        let mut issues = Vec::new();
        let mut r = Reader::new(APPOINTMENT, object, "data".into(), TEXTS_RULE, &mut issues);
        let id = r.string("id");
        let start = r.raw("start_at").and_then(|v| v.as_str()).and_then(|s| {
            let at = parse_date_time(s)?;
            let offset = offset_of(s)?;
            Some((at, offset))
        });
        let pet_name = r.string("pet_name");
        let owner_id = r.string("owner_id");
        let owner_name = r.string("owner_name");
        let owner_phone = r.string("owner_phone");
        let sms_consent = r.raw("sms_consent").and_then(Value::as_bool);
        let appointment_type = r.string("type");
        let vet_name = r.string("vet_name");
        let duration_minutes = r.raw("duration_minutes").and_then(integer);
        let location = r.string("location");
        match (id, start, owner_phone) {
            (Some(id), Some((start_at, start_offset)), Some(owner_phone)) if issues.is_empty() => {
                Ok(AppointmentData {
                    id,
                    start_at,
                    start_offset,
                    pet_name,
                    owner_id,
                    owner_name,
                    owner_phone,
                    sms_consent,
                    appointment_type,
                    vet_name,
                    duration_minutes,
                    location,
                })
            }
            _ => Err(issues),
        }
    }

    /// The owner has not said no to texts (`sms_consent` absent counts as yes, as design.md
    /// skips only `sms_consent: false`).
    pub fn may_text(&self) -> bool {
        self.sms_consent != Some(false)
    }
}

/// What an invoice line is, for mapping it to a QuickBooks Item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    Service,
    Product,
    Fee,
}

impl LineKind {
    pub const ALL: [LineKind; 3] = [LineKind::Service, LineKind::Product, LineKind::Fee];

    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Service => "service",
            LineKind::Product => "product",
            LineKind::Fee => "fee",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<LineKind, Invalid> {
        LineKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new(field, format!("“{s}” is not service, product or fee.")))
    }
}

/// How an invoice was paid (`invoice.paid`'s `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    Cash,
    Card,
    Check,
    Other,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [
        PaymentMethod::Cash,
        PaymentMethod::Card,
        PaymentMethod::Check,
        PaymentMethod::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Check => "check",
            PaymentMethod::Other => "other",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<PaymentMethod, Invalid> {
        PaymentMethod::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new(field, format!("“{s}” is not cash, card, check or other.")))
    }
}

/// Where a payment was taken (`payment.*`'s `source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentSource {
    Square,
    Clinic,
}

impl PaymentSource {
    pub const ALL: [PaymentSource; 2] = [PaymentSource::Square, PaymentSource::Clinic];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentSource::Square => "square",
            PaymentSource::Clinic => "clinic",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<PaymentSource, Invalid> {
        PaymentSource::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new(field, format!("“{s}” is not square or clinic.")))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub description: Option<String>,
    pub kind: LineKind,
    pub quantity: Option<Decimal>,
    pub unit_price: Option<Money>,
    pub amount: Money,
}

/// `invoice.created` as the QuickBooks invoices rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceData {
    pub id: String,
    pub number: Option<String>,
    pub issued_on: Option<jiff::civil::Date>,
    pub due_on: Option<jiff::civil::Date>,
    pub currency: Currency,
    pub owner_id: String,
    pub owner_name: String,
    pub owner_email: Option<String>,
    /// At least one.
    pub lines: Vec<InvoiceLine>,
    /// Equal to the sum of the lines' amounts.
    pub total: Money,
}

impl InvoiceData {
    pub fn from_data(data: &Value) -> Result<InvoiceData, Vec<PathIssue>> {
        let object = object(data)?;
        let mut issues = Vec::new();
        let mut r = Reader::new(
            INVOICE_CREATED,
            object,
            "data".into(),
            INVOICES_RULE,
            &mut issues,
        );
        let id = r.string("id");
        let number = r.string("number");
        let issued_on = r
            .raw("issued_on")
            .and_then(Value::as_str)
            .and_then(parse_date);
        let due_on = r.raw("due_on").and_then(Value::as_str).and_then(parse_date);
        let currency = r
            .raw("currency")
            .and_then(Value::as_str)
            .and_then(Currency::parse);
        let owner_id = r.string("owner_id");
        let owner_name = r.string("owner_name");
        let owner_email = r.string("owner_email");
        let raw_lines = r.raw("lines").and_then(Value::as_array);
        let total = r.money("total");
        drop(r);
        let mut lines = Vec::new();
        if let Some(raw_lines) = raw_lines {
            if raw_lines.is_empty() {
                issues.push(PathIssue::new(
                    "data.lines",
                    format!("has no lines; {INVOICES_RULE} needs at least one"),
                ));
            }
            for (i, item) in raw_lines.iter().enumerate() {
                let at = format!("data.lines[{i}]");
                let Some(line) = item.as_object() else {
                    issues.push(PathIssue::new(at, "must be an object"));
                    continue;
                };
                let mut r = Reader::new(INVOICE_LINE, line, at, INVOICES_RULE, &mut issues);
                let description = r.string("description");
                let kind = r
                    .raw("kind")
                    .and_then(Value::as_str)
                    .and_then(|s| LineKind::parse("kind", s).ok());
                let quantity = r.raw("quantity").and_then(quantity);
                let unit_price = r.money("unit_price");
                let amount = r.money("amount");
                if let (Some(kind), Some(amount)) = (kind, amount) {
                    lines.push(InvoiceLine {
                        description,
                        kind,
                        quantity,
                        unit_price,
                        amount,
                    });
                }
            }
        }
        if let Some(currency) = currency {
            expressible(&mut issues, currency, "data.total", total);
            for (i, line) in lines.iter().enumerate() {
                expressible(
                    &mut issues,
                    currency,
                    &format!("data.lines[{i}].amount"),
                    Some(line.amount),
                );
                expressible(
                    &mut issues,
                    currency,
                    &format!("data.lines[{i}].unit_price"),
                    line.unit_price,
                );
            }
        }
        let all_lines_read = raw_lines.is_some_and(|raw| raw.len() == lines.len());
        if let (Some(total), true) = (total, all_lines_read) {
            match Money::sum(lines.iter().map(|l| &l.amount)) {
                Some(sum) if sum == total => {}
                Some(sum) => issues.push(PathIssue::new(
                    "data.total",
                    format!("is {total} but the lines' amounts add up to {sum}"),
                )),
                None => issues.push(PathIssue::new(
                    "data.lines",
                    "add up to more than can be counted",
                )),
            }
        }
        match (id, currency, owner_id, owner_name, total) {
            (Some(id), Some(currency), Some(owner_id), Some(owner_name), Some(total))
                if issues.is_empty() =>
            {
                Ok(InvoiceData {
                    id,
                    number,
                    issued_on,
                    due_on,
                    currency,
                    owner_id,
                    owner_name,
                    owner_email,
                    lines,
                    total,
                })
            }
            _ => Err(issues),
        }
    }
}

/// `invoice.paid` as the QuickBooks payments rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePaidData {
    pub invoice_id: String,
    pub payment_id: Option<String>,
    /// More than zero.
    pub amount: Money,
    /// The invoice's currency when absent.
    pub currency: Option<Currency>,
    pub method: Option<PaymentMethod>,
    pub paid_at: Option<jiff::Timestamp>,
}

impl InvoicePaidData {
    pub fn from_data(data: &Value) -> Result<InvoicePaidData, Vec<PathIssue>> {
        let object = object(data)?;
        let mut issues = Vec::new();
        let mut r = Reader::new(
            INVOICE_PAID,
            object,
            "data".into(),
            PAYMENTS_RULE,
            &mut issues,
        );
        let invoice_id = r.string("invoice_id");
        let payment_id = r.string("payment_id");
        let amount = r.money("amount");
        let currency = r
            .raw("currency")
            .and_then(Value::as_str)
            .and_then(Currency::parse);
        let method = r
            .raw("method")
            .and_then(Value::as_str)
            .and_then(|s| PaymentMethod::parse("method", s).ok());
        let paid_at = r
            .raw("paid_at")
            .and_then(Value::as_str)
            .and_then(parse_date_time);
        drop(r);
        positive(&mut issues, "data.amount", amount);
        if let Some(currency) = currency {
            expressible(&mut issues, currency, "data.amount", amount);
        }
        match (invoice_id, amount) {
            (Some(invoice_id), Some(amount)) if issues.is_empty() => Ok(InvoicePaidData {
                invoice_id,
                payment_id,
                amount,
                currency,
                method,
                paid_at,
            }),
            _ => Err(issues),
        }
    }
}

/// `payment.completed`, `.failed`, `.refunded` as the QuickBooks payments rule reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentData {
    pub id: Option<String>,
    /// More than zero (a refund's amount is what was refunded).
    pub amount: Money,
    pub currency: Currency,
    pub source: Option<PaymentSource>,
    pub invoice_id: Option<String>,
    pub reference_id: Option<String>,
    pub receipt_url: Option<String>,
    pub card_last4: Option<String>,
}

impl PaymentData {
    pub fn from_data(data: &Value) -> Result<PaymentData, Vec<PathIssue>> {
        let object = object(data)?;
        let mut issues = Vec::new();
        let mut r = Reader::new(PAYMENT, object, "data".into(), PAYMENTS_RULE, &mut issues);
        let id = r.string("id");
        let amount = r.money("amount");
        let currency = r
            .raw("currency")
            .and_then(Value::as_str)
            .and_then(Currency::parse);
        let source = r
            .raw("source")
            .and_then(Value::as_str)
            .and_then(|s| PaymentSource::parse("source", s).ok());
        let invoice_id = r.string("invoice_id");
        let reference_id = r.string("reference_id");
        let receipt_url = r.string("receipt_url");
        let card_last4 = r.string("card_last4");
        drop(r);
        positive(&mut issues, "data.amount", amount);
        if let Some(currency) = currency {
            expressible(&mut issues, currency, "data.amount", amount);
        }
        match (amount, currency) {
            (Some(amount), Some(currency)) if issues.is_empty() => Ok(PaymentData {
                id,
                amount,
                currency,
                source,
                invoice_id,
                reference_id,
                receipt_url,
                card_last4,
            }),
            _ => Err(issues),
        }
    }

    /// The clinic invoice this payment names: `invoice_id`, else `reference_id`.
    pub fn invoice_ref(&self) -> Option<&str> {
        self.invoice_id.as_deref().or(self.reference_id.as_deref())
    }
}

/// Reads fields of one object by their catalogue entries, collecting issues: a needed field
/// absent (or an empty string), or a present field of the wrong type.
struct Reader<'a, 'i> {
    fields: &'static [Field],
    object: &'a Map<String, Value>,
    at: String,
    rule: &'static str,
    issues: &'i mut Vec<PathIssue>,
}

impl<'a, 'i> Reader<'a, 'i> {
    fn new(
        fields: &'static [Field],
        object: &'a Map<String, Value>,
        at: String,
        rule: &'static str,
        issues: &'i mut Vec<PathIssue>,
    ) -> Self {
        Reader {
            fields,
            object,
            at,
            rule,
            issues,
        }
    }

    /// The field's value when it is present and of its type.
    fn raw(&mut self, name: &str) -> Option<&'a Value> {
        let field = self.fields.iter().find(|f| f.name == name);
        debug_assert!(field.is_some(), "{name} is not in the catalogue");
        let (ty, needed) = field.map_or((FieldType::String, false), |f| (f.ty, f.needed));
        let path = format!("{}.{name}", self.at);
        let blank = |v: &Value| v.as_str().is_some_and(|s| s.trim().is_empty());
        match self.object.get(name) {
            None => {
                if needed {
                    self.issues.push(PathIssue::new(
                        path,
                        format!("is missing; {} needs it", self.rule),
                    ));
                }
                None
            }
            Some(v) if needed && blank(v) => {
                self.issues.push(PathIssue::new(
                    path,
                    format!("is empty; {} needs it", self.rule),
                ));
                None
            }
            Some(v) => match check_scalar(ty, v) {
                Ok(()) => Some(v),
                Err(message) => {
                    self.issues.push(PathIssue::new(path, message));
                    None
                }
            },
        }
    }

    fn string(&mut self, name: &str) -> Option<String> {
        self.raw(name).and_then(Value::as_str).map(str::to_owned)
    }

    fn money(&mut self, name: &str) -> Option<Money> {
        self.raw(name)
            .and_then(Value::as_str)
            .and_then(|s| Money::parse(s).ok())
    }
}

fn object(data: &Value) -> Result<&Map<String, Value>, Vec<PathIssue>> {
    data.as_object()
        .ok_or_else(|| vec![PathIssue::new("data", "must be a JSON object")])
}

fn positive(issues: &mut Vec<PathIssue>, path: &str, amount: Option<Money>) {
    if amount.is_some_and(|a| !a.is_positive()) {
        issues.push(PathIssue::new(path, "must be more than zero"));
    }
}

/// An amount the currency cannot express (`"10.50"` JPY) cannot be sent to a provider.
fn expressible(issues: &mut Vec<PathIssue>, currency: Currency, path: &str, amount: Option<Money>) {
    if let Some(Err(e)) = amount.map(|a| a.to_minor_units(currency)) {
        issues.push(PathIssue::new(path, e.to_string()));
    }
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            // 30.0: an integer as JSON Schema counts them; the check already made sure.
            #[allow(clippy::cast_possible_truncation)]
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

fn quantity(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str_exact(s).ok(),
        other => integer(other).map(Decimal::from),
    }
}

/// The UTC offset written in an RFC 3339 string (`Z` is zero).
fn offset_of(s: &str) -> Option<jiff::tz::Offset> {
    if s.ends_with('Z') {
        return Some(jiff::tz::Offset::UTC);
    }
    let tail = s.get(s.len().checked_sub(6)?..)?;
    let sign: i32 = if tail.starts_with('-') { -1 } else { 1 };
    let hours: i32 = tail.get(1..3)?.parse().ok()?;
    let minutes: i32 = tail.get(4..6)?.parse().ok()?;
    jiff::tz::Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::spec;
    use serde_json::json;

    fn example(t: &str) -> Value {
        spec(t).unwrap().example_value()
    }

    fn paths<T: std::fmt::Debug>(r: Result<T, Vec<PathIssue>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|i| i.path).collect()
    }

    #[test]
    fn every_example_reads_as_its_typed_view() {
        for t in [
            "appointment.created",
            "appointment.updated",
            "appointment.cancelled",
        ] {
            let a = AppointmentData::from_data(&example(t)).unwrap();
            assert_eq!(a.owner_phone, "+15551234567");
            assert!(a.may_text());
        }
        let invoice = InvoiceData::from_data(&example("invoice.created")).unwrap();
        assert_eq!(invoice.total.to_string(), "84.50");
        assert_eq!(invoice.lines.len(), 3);
        assert_eq!(invoice.lines[1].quantity, Some(Decimal::new(5, 1)));
        assert_eq!(invoice.lines[2].kind, LineKind::Fee);
        let paid = InvoicePaidData::from_data(&example("invoice.paid")).unwrap();
        assert_eq!(paid.method, Some(PaymentMethod::Card));
        for t in ["payment.completed", "payment.failed", "payment.refunded"] {
            let p = PaymentData::from_data(&example(t)).unwrap();
            assert_eq!(p.invoice_ref(), Some("inv_5001"));
            assert_eq!(p.source, Some(PaymentSource::Square));
        }
    }

    #[test]
    fn appointment_names_what_the_texts_rule_lacks() {
        let issues =
            AppointmentData::from_data(&json!({"id": " ", "pet_name": "Max"})).unwrap_err();
        let got: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(got, ["data.id", "data.start_at", "data.owner_phone"]);
        assert!(
            issues[1].message.contains("appointment texts"),
            "{}",
            issues[1].message
        );
        let a = AppointmentData::from_data(&json!({
            "id": "a", "start_at": "2026-12-01T15:30:00-05:00", "owner_phone": "+15551234567",
            "sms_consent": false, "duration_minutes": 30.0,
        }))
        .unwrap();
        assert!(!a.may_text());
        assert_eq!(a.duration_minutes, Some(30));
        assert_eq!(a.start_offset, jiff::tz::Offset::from_hours(-5).unwrap());
        assert_eq!(a.start_at.to_string(), "2026-12-01T20:30:00Z");
        assert_eq!(
            paths(AppointmentData::from_data(&json!({
                "id": "a", "start_at": "2026-12-01T15:30:00", "owner_phone": "555-1234"
            }))),
            ["data.start_at", "data.owner_phone"]
        );
    }

    #[test]
    fn invoice_total_must_be_the_sum_of_its_lines() {
        let mut data = example("invoice.created");
        data["total"] = json!("84.49");
        let issues = InvoiceData::from_data(&data).unwrap_err();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "data.total");
        assert_eq!(
            issues[0].message,
            "is 84.49 but the lines' amounts add up to 84.50"
        );
        data["total"] = json!("84.5");
        assert!(InvoiceData::from_data(&data).is_ok(), "84.5 is 84.50");
    }

    #[test]
    fn invoice_needs_lines_and_its_owner() {
        let issues = paths(InvoiceData::from_data(&json!({
            "id": "inv_1", "currency": "USD", "lines": [], "total": "0.00"
        })));
        assert_eq!(issues, ["data.owner_id", "data.owner_name", "data.lines"]);
        let issues = paths(InvoiceData::from_data(&json!({
            "id": "inv_1", "currency": "USD", "owner_id": "o", "owner_name": "n",
            "lines": [{"description": "x", "amount": "1.00"}, {"kind": "fee"}], "total": "1.00"
        })));
        assert_eq!(issues, ["data.lines[0].kind", "data.lines[1].amount"]);
        let issues = paths(InvoiceData::from_data(&json!({})));
        assert_eq!(
            issues,
            [
                "data.id",
                "data.currency",
                "data.owner_id",
                "data.owner_name",
                "data.lines",
                "data.total"
            ]
        );
    }

    #[test]
    fn amounts_must_fit_the_currency() {
        let issues = InvoiceData::from_data(&json!({
            "id": "inv_1", "currency": "JPY", "owner_id": "o", "owner_name": "n",
            "lines": [{"kind": "service", "amount": "1500.50"}], "total": "1500.50"
        }))
        .unwrap_err();
        let got: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(got, ["data.total", "data.lines[0].amount"]);
        assert!(issues[0].message.contains("JPY"), "{}", issues[0].message);
    }

    #[test]
    fn payments_need_a_positive_amount() {
        assert_eq!(
            paths(InvoicePaidData::from_data(
                &json!({"invoice_id": "i", "amount": "0.00"})
            )),
            ["data.amount"]
        );
        assert_eq!(
            paths(InvoicePaidData::from_data(
                &json!({"amount": "-1.00", "method": "bitcoin"})
            )),
            ["data.invoice_id", "data.method", "data.amount"]
        );
        assert_eq!(
            paths(PaymentData::from_data(&json!({"id": "p"}))),
            ["data.amount", "data.currency"]
        );
        let p = PaymentData::from_data(&json!({"amount": "5.00", "currency": "USD", "invoice_id": "inv_9", "reference_id": "x"})).unwrap();
        assert_eq!(p.invoice_ref(), Some("inv_9"));
        assert_eq!(paths(PaymentData::from_data(&json!("x"))), ["data"]);
    }

    #[test]
    fn enums_parse_by_name_and_refuse_unknown_names() {
        for k in LineKind::ALL {
            assert_eq!(LineKind::parse("kind", k.as_str()).unwrap(), k);
        }
        assert_eq!(
            LineKind::parse("kind", "Service").unwrap_err().field,
            "kind"
        );
        for m in PaymentMethod::ALL {
            assert_eq!(PaymentMethod::parse("method", m.as_str()).unwrap(), m);
        }
        assert!(PaymentMethod::parse("method", "").is_err());
        for s in PaymentSource::ALL {
            assert_eq!(PaymentSource::parse("source", s.as_str()).unwrap(), s);
        }
        assert!(PaymentSource::parse("source", "stripe").is_err());
        // The enums and the catalogue's value lists are the same words.
        let names = |v: Vec<&'static str>| v;
        assert_eq!(
            names(LineKind::ALL.iter().map(|k| k.as_str()).collect()),
            super::super::LINE_KINDS
        );
        assert_eq!(
            names(PaymentMethod::ALL.iter().map(|k| k.as_str()).collect()),
            super::super::PAYMENT_METHODS
        );
        assert_eq!(
            names(PaymentSource::ALL.iter().map(|k| k.as_str()).collect()),
            super::super::PAYMENT_SOURCES
        );
    }
}
