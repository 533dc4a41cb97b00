//! QuickBooks Online accounting API client (sync-apis.md §2): find and create Customers, create
//! Invoices and Payments with `requestid` (so a retry never duplicates), find an Invoice by its
//! number, and list Items, Accounts and PaymentMethods for the manager's dropdowns.
//!
//! Amounts are exact decimals both ways: they are written into the JSON as numbers with their
//! own digits and read back the same way, never through `f64`. Obtaining the access token is the
//! caller's business.

use rust_decimal::Decimal;
use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use super::call::{self, Api, CallFailure, Called};
use crate::secrets::Secret;
use switchboard_domain::provider_errors::{self, VerdictKind};

const NAME: &str = "QuickBooks";
/// Intuit retired minor versions below 75 (sync-apis.md §2.1).
pub const MINOR_VERSION: &str = "75";
/// Intuit documents a 60 s wait after a throttle and sends no `Retry-After`.
pub const THROTTLE_WAIT_S: u32 = 60;
/// Intuit caps a `requestid` at 50 characters.
pub const MAX_REQUEST_ID: usize = 50;

/// Serialises a [`Decimal`] as a JSON number with exactly its digits.
pub mod decimal_number {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(value.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(deserializer)?;
        let text = raw.get().trim().trim_matches('"');
        text.parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(text))
            .map_err(|_| D::Error::custom(format!("not an amount: {text}")))
    }
}

mod optional_decimal {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => decimal_number::serialize(value, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "decimal_number")] Decimal);
        Option::<Wrapped>::deserialize(d).map(|w| w.map(|w| w.0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Ref {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Ref {
    pub fn id(value: impl Into<String>) -> Ref {
        Ref {
            value: value.into(),
            name: None,
        }
    }
}

/// A Customer as QuickBooks answers it (the fields Switchboard uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "PascalCase")]
pub struct QbCustomer {
    pub id: String,
    pub sync_token: String,
    pub display_name: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// What to create a Customer with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewCustomer {
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email_addr: Option<EmailAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_phone: Option<Phone>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailAddr {
    #[serde(rename = "Address")]
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone {
    #[serde(rename = "FreeFormNumber")]
    pub free_form_number: String,
}

/// One invoice line: an Item, a quantity and a unit price; `amount` is normally `qty × unit_price`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub item_id: String,
    pub description: Option<String>,
    pub qty: Decimal,
    pub unit_price: Decimal,
    pub amount: Decimal,
    /// US companies: `TAX` or `NON` (default).
    pub tax_code: Option<String>,
}

/// What to create an Invoice with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    pub customer_id: String,
    pub doc_number: Option<String>,
    /// `YYYY-MM-DD`.
    pub txn_date: Option<String>,
    pub memo: Option<String>,
    pub lines: Vec<InvoiceLine>,
}

/// An Invoice as QuickBooks answers it, with the amounts it computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "PascalCase")]
pub struct QbInvoice {
    pub id: String,
    pub sync_token: String,
    #[serde(default)]
    pub doc_number: Option<String>,
    pub customer_ref: Ref,
    #[serde(with = "decimal_number")]
    #[specta(type = String)]
    pub total_amt: Decimal,
    #[serde(with = "decimal_number")]
    #[specta(type = String)]
    pub balance: Decimal,
}

/// A Payment to record against one Invoice (or none: all unapplied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub customer_id: String,
    pub total: Decimal,
    pub txn_date: Option<String>,
    pub payment_method_id: Option<String>,
    pub deposit_account_id: Option<String>,
    /// A reference such as the Square payment id.
    pub reference: Option<String>,
    /// `(invoice id, amount applied)`.
    pub applied_to: Vec<(String, Decimal)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "PascalCase")]
pub struct QbPayment {
    pub id: String,
    pub sync_token: String,
    pub customer_ref: Ref,
    #[serde(with = "decimal_number")]
    #[specta(type = String)]
    pub total_amt: Decimal,
    #[serde(with = "optional_decimal", default)]
    #[specta(type = Option<String>)]
    pub unapplied_amt: Option<Decimal>,
}

/// An Item, Account or PaymentMethod for a dropdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct QbChoice {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
    /// Item `Type`, Account `AccountType`, PaymentMethod `Type`.
    #[serde(default, alias = "Type", alias = "AccountType")]
    pub kind: Option<String>,
    #[serde(rename = "Active", default = "yes")]
    pub active: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InvoiceBody<'a> {
    customer_ref: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    txn_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_memo: Option<Ref>,
    line: Vec<LineBody<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LineBody<'a> {
    #[serde(with = "decimal_number")]
    amount: Decimal,
    detail_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    sales_item_line_detail: SalesItemBody,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SalesItemBody {
    item_ref: Ref,
    #[serde(with = "decimal_number")]
    qty: Decimal,
    #[serde(with = "decimal_number")]
    unit_price: Decimal,
    tax_code_ref: Ref,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PaymentBody<'a> {
    customer_ref: Ref,
    #[serde(with = "decimal_number")]
    total_amt: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    txn_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_method_ref: Option<Ref>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deposit_to_account_ref: Option<Ref>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_ref_num: Option<&'a str>,
    line: Vec<PaymentLineBody>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PaymentLineBody {
    #[serde(with = "decimal_number")]
    amount: Decimal,
    linked_txn: Vec<LinkedTxn>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LinkedTxn {
    txn_id: String,
    txn_type: &'static str,
}

/// Quotes a value for a query: backslash before `\` and `'` (sync-apis.md §2.2).
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A client for one QuickBooks company (realm) with one access token.
pub struct QuickbooksApi<'a> {
    api: Api<'a>,
    realm: &'a str,
    access_token: &'a Secret,
}

impl<'a> QuickbooksApi<'a> {
    pub fn new(api: Api<'a>, realm: &'a str, access_token: &'a Secret) -> Self {
        QuickbooksApi {
            api,
            realm,
            access_token,
        }
    }

    /// Runs `select …` and answers the rows of `entity` (none when QuickBooks leaves it out).
    pub async fn query<T: for<'de> Deserialize<'de>>(
        &self,
        entity: &str,
        query: &str,
    ) -> Called<Vec<T>> {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query)
            .append_pair("minorversion", MINOR_VERSION)
            .finish();
        let path = format!("/v3/company/{}/query?{encoded}", self.realm);
        let request = self
            .api
            .http
            .get(self.api.url(&path))
            .bearer_auth(self.access_token.expose())
            .header("Accept", "application/json");
        let called = self.call("GET", &path, None, request, "query").await;
        let entity = entity.to_owned();
        called.map(move |body| {
            let Some(response) = body.get("QueryResponse") else {
                return Err(CallFailure::unexpected(
                    NAME,
                    "no QueryResponse in the answer",
                ));
            };
            let response: std::collections::BTreeMap<String, Box<RawValue>> =
                parse_raw(response.get())?;
            match response.get(&entity) {
                None => Ok(Vec::new()),
                Some(rows) => parse_raw(rows.get()),
            }
        })
    }

    pub async fn find_customer_by_display_name(&self, name: &str) -> Called<Option<QbCustomer>> {
        let query = format!("select * from Customer where DisplayName = {}", quote(name));
        self.query::<QbCustomer>("Customer", &query)
            .await
            .map(|rows| Ok(rows.into_iter().next()))
    }

    pub async fn find_invoice_by_doc_number(&self, doc_number: &str) -> Called<Option<QbInvoice>> {
        let query = format!(
            "select * from Invoice where DocNumber = {}",
            quote(doc_number)
        );
        self.query::<QbInvoice>("Invoice", &query)
            .await
            .map(|rows| Ok(rows.into_iter().next()))
    }

    /// Active Items, for the line mapping's dropdown.
    pub async fn list_items(&self) -> Called<Vec<QbChoice>> {
        self.query(
            "Item",
            "select * from Item where Active = true MAXRESULTS 1000",
        )
        .await
    }

    pub async fn list_accounts(&self) -> Called<Vec<QbChoice>> {
        self.query(
            "Account",
            "select * from Account where Active = true MAXRESULTS 1000",
        )
        .await
    }

    pub async fn list_payment_methods(&self) -> Called<Vec<QbChoice>> {
        self.query(
            "PaymentMethod",
            "select * from PaymentMethod where Active = true MAXRESULTS 1000",
        )
        .await
    }

    /// Creates a Customer. A name in use answers a permanent failure with code 6240: look the
    /// customer up instead of retrying.
    pub async fn create_customer(
        &self,
        request_id: &str,
        customer: &NewCustomer,
    ) -> Called<QbCustomer> {
        self.create("customer", "Customer", request_id, customer)
            .await
    }

    /// Creates an Invoice. A number in use answers a permanent failure with code 6140 (see
    /// [`duplicate_txn_id`]).
    pub async fn create_invoice(
        &self,
        request_id: &str,
        invoice: &NewInvoice,
    ) -> Called<QbInvoice> {
        let body = InvoiceBody {
            customer_ref: Ref::id(&invoice.customer_id),
            doc_number: invoice.doc_number.as_deref(),
            txn_date: invoice.txn_date.as_deref(),
            customer_memo: invoice.memo.as_ref().map(Ref::id),
            line: invoice
                .lines
                .iter()
                .map(|line| LineBody {
                    amount: line.amount,
                    detail_type: "SalesItemLineDetail",
                    description: line.description.as_deref(),
                    sales_item_line_detail: SalesItemBody {
                        item_ref: Ref::id(&line.item_id),
                        qty: line.qty,
                        unit_price: line.unit_price,
                        tax_code_ref: Ref::id(line.tax_code.as_deref().unwrap_or("NON")),
                    },
                })
                .collect(),
        };
        self.create("invoice", "Invoice", request_id, &body).await
    }

    pub async fn create_payment(
        &self,
        request_id: &str,
        payment: &NewPayment,
    ) -> Called<QbPayment> {
        let body = PaymentBody {
            customer_ref: Ref::id(&payment.customer_id),
            total_amt: payment.total,
            txn_date: payment.txn_date.as_deref(),
            payment_method_ref: payment.payment_method_id.as_ref().map(Ref::id),
            deposit_to_account_ref: payment.deposit_account_id.as_ref().map(Ref::id),
            payment_ref_num: payment.reference.as_deref(),
            line: payment
                .applied_to
                .iter()
                .map(|(invoice, amount)| PaymentLineBody {
                    amount: *amount,
                    linked_txn: vec![LinkedTxn {
                        txn_id: invoice.clone(),
                        txn_type: "Invoice",
                    }],
                })
                .collect(),
        };
        self.create("payment", "Payment", request_id, &body).await
    }

    async fn create<B: Serialize, T: for<'de> Deserialize<'de>>(
        &self,
        resource: &str,
        entity: &'static str,
        request_id: &str,
        body: &B,
    ) -> Called<T> {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("requestid", request_id)
            .append_pair("minorversion", MINOR_VERSION)
            .finish();
        let path = format!("/v3/company/{}/{resource}?{encoded}", self.realm);
        let json = match serde_json::to_string(body) {
            Ok(json) => json,
            Err(e) => {
                return Called {
                    record: call::CallRecord {
                        method: "POST".into(),
                        path,
                        request_body: None,
                        status: None,
                        response: String::new(),
                        duration_ms: 0,
                    },
                    result: Err(CallFailure::new(
                        VerdictKind::Permanent,
                        format!("The {entity} could not be written as JSON: {e}"),
                    )),
                }
            }
        };
        let request = self
            .api
            .http
            .post(self.api.url(&path))
            .bearer_auth(self.access_token.expose())
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(json.clone());
        if request_id.is_empty() || request_id.chars().count() > MAX_REQUEST_ID {
            // Sending without a usable requestid could duplicate the object on a retry.
            return Called {
                record: call::CallRecord {
                    method: "POST".into(),
                    path,
                    request_body: Some(json),
                    status: None,
                    response: String::new(),
                    duration_ms: 0,
                },
                result: Err(CallFailure::new(
                    VerdictKind::Permanent,
                    format!("requestid must be 1 to {MAX_REQUEST_ID} characters"),
                )),
            };
        }
        let lead = match entity {
            "Customer" => "customer",
            "Invoice" => "invoice",
            _ => "payment",
        };
        self.call("POST", &path, Some(&json), request, lead)
            .await
            .map(move |body| match body.get(entity) {
                Some(object) => parse_raw(object.get()),
                None => Err(CallFailure::unexpected(
                    NAME,
                    &format!("no {entity} in the answer"),
                )),
            })
    }

    /// Sends and reads the answer as a JSON object of raw values (amounts keep their digits).
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Called<std::collections::BTreeMap<String, Box<RawValue>>> {
        let (record, answer) = call::send(
            NAME,
            &self.api,
            method,
            path,
            body,
            request,
            &[self.access_token],
        )
        .await;
        let result = answer.and_then(|answer| {
            if let Some(failure) = fault(answer.status, &answer.body, what) {
                return Err(failure.retry_after(answer.retry_after()));
            }
            serde_json::from_slice(&answer.body)
                .map_err(|_| CallFailure::unexpected(NAME, "the answer is not JSON"))
        });
        Called { record, result }
    }
}

fn parse_raw<T: for<'de> Deserialize<'de>>(raw: &str) -> Result<T, CallFailure> {
    serde_json::from_str(raw).map_err(|e| CallFailure::unexpected(NAME, &e.to_string()))
}

/// The failure an answer carries: a non-2xx status, a `Fault` (also inside a 200), the gateway's
/// lower-case `fault`, or the XML throttle body. `None` for a good answer.
pub fn fault(status: u16, body: &[u8], what: &str) -> Option<CallFailure> {
    let lead = format!("QuickBooks refused the {what}");
    let text = String::from_utf8_lossy(body);
    if text.trim_start().starts_with('<') {
        // XML: the throttle (3001) even to a JSON client, or another fault.
        let code = xml_code(&text);
        if status == 429 || code.as_deref() == Some("3001") {
            let rule = provider_errors::quickbooks("3001")?;
            return Some(
                CallFailure::from_rule(&lead, rule, None).retry_after(Some(THROTTLE_WAIT_S)),
            );
        }
        if (200..300).contains(&status) {
            return Some(CallFailure::unexpected(
                NAME,
                "an XML answer to a JSON request",
            ));
        }
        return Some(coded(&lead, status, code, None));
    }
    let json: serde_json::Value = match serde_json::from_slice(body) {
        Ok(json) => json,
        Err(_) if (200..300).contains(&status) => return None,
        Err(_) => return Some(CallFailure::unknown_code(NAME, status, None, None)),
    };
    let error = json
        .get("Fault")
        .and_then(|f| f.get("Error"))
        .or_else(|| json.get("fault").and_then(|f| f.get("error")))
        .and_then(|errors| errors.get(0));
    match error {
        Some(error) => {
            let text = |key: &str| {
                error
                    .get(key)
                    .or_else(|| error.get(key.to_ascii_lowercase()))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            };
            let message = text("Message");
            let detail = text("Detail");
            let mut code = text("code");
            // IN-ERR also calls a duplicate number 6210: match on the message too.
            if message
                .as_deref()
                .is_some_and(|m| m.contains("Duplicate Document Number"))
            {
                code = Some("6140".into());
            }
            let said = detail.or(message);
            let status = if (200..300).contains(&status) {
                400
            } else {
                status
            };
            Some(coded(&lead, status, code, said))
        }
        None if (200..300).contains(&status) => None,
        None => Some(CallFailure::unknown_code(NAME, status, None, None)),
    }
}

fn coded(lead: &str, status: u16, code: Option<String>, said: Option<String>) -> CallFailure {
    match code.as_deref().and_then(provider_errors::quickbooks) {
        Some(rule) => {
            let failure = CallFailure::from_rule(lead, rule, said);
            if rule.kind == VerdictKind::RateLimited {
                failure.retry_after(Some(THROTTLE_WAIT_S))
            } else {
                failure
            }
        }
        None => CallFailure::unknown_code(NAME, status, code, said),
    }
}

fn xml_code(text: &str) -> Option<String> {
    let start = text.find("code=\"")? + 6;
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}

/// The existing transaction a 6140 (duplicate number) names: `…TxnType=Invoice with TxnId=45823`.
pub fn duplicate_txn_id(failure: &CallFailure) -> Option<String> {
    if failure.code.as_deref() != Some("6140") {
        return None;
    }
    let message = failure.provider_message.as_deref()?;
    let start = message.find("TxnId=")? + "TxnId=".len();
    let id: String = message[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_apostrophes_and_backslashes() {
        assert_eq!(quote("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote(r"a\b"), r"'a\\b'");
    }

    #[test]
    fn amounts_are_written_with_their_digits() {
        let body = LineBody {
            amount: "150.10".parse().unwrap_or_default(),
            detail_type: "SalesItemLineDetail",
            description: None,
            sales_item_line_detail: SalesItemBody {
                item_ref: Ref::id("1"),
                qty: Decimal::ONE,
                unit_price: "150.10".parse().unwrap_or_default(),
                tax_code_ref: Ref::id("NON"),
            },
        };
        let json = serde_json::to_string(&body).unwrap_or_default();
        assert!(json.contains(r#""Amount":150.10"#), "{json}");
        assert!(json.contains(r#""UnitPrice":150.10"#), "{json}");
        assert!(json.contains(r#""Qty":1"#), "{json}");
    }

    #[test]
    fn faults_in_every_envelope() {
        let f = fault(
            400,
            br#"{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied already exists.","code":"6240","element":""}],"type":"ValidationFault"},"time":"x"}"#,
            "customer",
        );
        let f = f.unwrap_or_else(|| CallFailure::new(VerdictKind::Retry, "none"));
        assert_eq!(f.verdict, VerdictKind::Permanent);
        assert_eq!(f.code.as_deref(), Some("6240"));
        assert!(
            f.reason.starts_with("QuickBooks refused the customer: "),
            "{}",
            f.reason
        );
        let f = fault(401, br#"{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Authentication failed","code":"3200"}],"type":"AUTHENTICATION"}}"#, "query");
        assert_eq!(f.map(|f| f.verdict), Some(VerdictKind::Reconnect));
        let f = fault(429, br#"<?xml version="1.0"?><IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>ThrottleExceeded</Message></Error></Fault></IntuitResponse>"#, "query");
        let f = f.unwrap_or_else(|| CallFailure::new(VerdictKind::Retry, "none"));
        assert_eq!(f.verdict, VerdictKind::RateLimited);
        assert_eq!(f.retry_after_s, Some(60));
        let in_200 = fault(200, br#"{"Fault":{"Error":[{"Message":"m","Detail":"d","code":"6000"}],"type":"ValidationFault"}}"#, "invoice");
        assert_eq!(in_200.map(|f| f.verdict), Some(VerdictKind::Permanent));
        assert!(fault(200, br#"{"QueryResponse":{}}"#, "query").is_none());
    }

    #[test]
    fn a_6210_duplicate_number_message_is_read_as_6140_with_its_txn_id() {
        let f = fault(400, br#"{"Fault":{"Error":[{"Message":"Duplicate Document Number Error","Detail":"Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=O0010714 is assigned to TxnType=Invoice with TxnId=45823","code":"6210"}],"type":"ValidationFault"}}"#, "invoice");
        let f = f.unwrap_or_else(|| CallFailure::new(VerdictKind::Retry, "none"));
        assert_eq!(f.code.as_deref(), Some("6140"));
        assert_eq!(duplicate_txn_id(&f).as_deref(), Some("45823"));
    }
}
