//! Fake QuickBooks Online accounting API (sync-apis.md §2): `GET /v3/company/{realm}/query`,
//! `POST …/customer`, `POST …/invoice`, `POST …/payment`, with `requestid` replay, the documented
//! Fault bodies, seeded Items, Accounts and PaymentMethods, exact decimal amounts, and Intuit's
//! throttles (500 requests a minute and 10 at once per realm, answered with the XML 3001 body).
//!
//! Every call wants `Authorization: Bearer <the last access token the token endpoint issued>`.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    http::{HeaderName, HeaderValue, Method, StatusCode},
    response::Response,
};
use rust_decimal::Decimal;
use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{value::RawValue, Value};

use crate::{
    quickbooks, respond,
    routes::{self, Req},
    state::Shared,
    Scenario,
};

const TIME: &str = "2015-07-10T09:38:58.155-07:00";
const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
/// Intuit caps a requestid at 50 characters (sync-apis.md §2.6).
const MAX_REQUEST_ID: usize = 50;

/// The throttles, switchable for tests and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickbooksLimits {
    pub enabled: bool,
    /// Requests per realm in any 60 s.
    pub per_minute: u32,
    /// Requests of one realm being answered at once.
    pub concurrent: u32,
    /// How long each API answer takes, so concurrency can be seen.
    pub latency_ms: u64,
}

impl Default for QuickbooksLimits {
    fn default() -> Self {
        QuickbooksLimits {
            enabled: true,
            per_minute: 500,
            concurrent: 10,
            latency_ms: 0,
        }
    }
}

/// What the API has seen, for tests of a client's rate limiter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickbooksStats {
    /// API requests answered (throttled ones included).
    pub requests: u64,
    pub throttled: u64,
    pub max_in_flight: u32,
    /// Objects created (a replayed requestid creates none).
    pub created: u64,
}

#[derive(Default)]
pub(crate) struct QuickbooksApi {
    companies: BTreeMap<String, Company>,
    replays: HashMap<(String, String), (u16, String)>,
    pub(crate) limits: QuickbooksLimits,
    pub(crate) stats: QuickbooksStats,
    window: HashMap<String, VecDeque<Instant>>,
    in_flight: HashMap<String, u32>,
    /// Fault codes the next requests answer with, first first.
    pub(crate) fail_next: VecDeque<String>,
}

impl QuickbooksApi {
    fn company(&mut self, realm: &str) -> &mut Company {
        self.companies
            .entry(realm.to_owned())
            .or_insert_with(Company::seeded)
    }

    /// Objects of `entity` in `realm` as JSON, for tests.
    pub(crate) fn objects(&mut self, realm: &str, entity: &str) -> Vec<Value> {
        self.company(realm)
            .rows(entity)
            .map(|rows| rows.into_iter().map(|(_, value)| value).collect())
            .unwrap_or_default()
    }
}

struct Company {
    customers: Vec<Customer>,
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    items: Vec<Value>,
    accounts: Vec<Value>,
    payment_methods: Vec<Value>,
    next_id: u64,
    next_doc_number: u64,
}

impl Company {
    fn seeded() -> Company {
        let item = |id: &str, name: &str, kind: &str, price: u32, active: bool| {
            serde_json::json!({
                "Id": id, "SyncToken": "0", "Name": name, "FullyQualifiedName": name, "Active": active,
                "Type": kind, "UnitPrice": price, "Taxable": false,
                "IncomeAccountRef": {"value": "1", "name": "Services"},
                "MetaData": {"CreateTime": TIME, "LastUpdatedTime": TIME}
            })
        };
        let account = |id: &str, name: &str, kind: &str, sub: &str| {
            serde_json::json!({
                "Id": id, "SyncToken": "0", "Name": name, "FullyQualifiedName": name, "Active": true,
                "AccountType": kind, "AccountSubType": sub, "Classification": "Asset",
                "CurrentBalance": 0, "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
                "MetaData": {"CreateTime": TIME, "LastUpdatedTime": TIME}
            })
        };
        let method = |id: &str, name: &str, kind: &str| {
            serde_json::json!({
                "Id": id, "SyncToken": "0", "Name": name, "Active": true, "Type": kind,
                "MetaData": {"CreateTime": TIME, "LastUpdatedTime": TIME}
            })
        };
        Company {
            customers: Vec::new(),
            invoices: Vec::new(),
            payments: Vec::new(),
            items: vec![
                item("1", "Services", "Service", 0, true),
                item("2", "Exam", "Service", 65, true),
                item("3", "Vaccination", "Service", 40, true),
                item("4", "Medication", "NonInventory", 0, true),
                item("5", "Boarding (old)", "Service", 30, false),
            ],
            accounts: vec![
                account("1", "Services", "Income", "ServiceFeeIncome"),
                account(
                    "4",
                    "Undeposited Funds",
                    "Other Current Asset",
                    "UndepositedFunds",
                ),
                account("35", "Checking", "Bank", "Checking"),
            ],
            payment_methods: vec![
                method("1", "Cash", "NON_CREDIT_CARD"),
                method("2", "Check", "NON_CREDIT_CARD"),
                method("3", "Visa", "CREDIT_CARD"),
                method("4", "MasterCard", "CREDIT_CARD"),
            ],
            next_id: 58,
            next_doc_number: 1001,
        }
    }

    fn next_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// `(is_active, row)` of every object of `entity`; `None` for an entity the fake does not know.
    fn rows(&self, entity: &str) -> Option<Vec<(bool, Value)>> {
        fn to_rows<T: Serialize>(rows: &[T]) -> Vec<(bool, Value)> {
            rows.iter()
                .map(|row| {
                    let value = serde_json::to_value(row).unwrap_or_default();
                    (value["Active"].as_bool().unwrap_or(true), value)
                })
                .collect()
        }
        Some(match entity.to_ascii_lowercase().as_str() {
            "customer" => to_rows(&self.customers),
            "invoice" => to_rows(&self.invoices),
            "payment" => to_rows(&self.payments),
            "item" => to_rows(&self.items),
            "account" => to_rows(&self.accounts),
            "paymentmethod" => to_rows(&self.payment_methods),
            _ => return None,
        })
    }

    /// The serialised rows (exact amounts), in the same order as [`Company::rows`].
    fn rendered(&self, entity: &str) -> Vec<String> {
        fn render<T: Serialize>(rows: &[T]) -> Vec<String> {
            rows.iter()
                .map(|row| serde_json::to_string(row).unwrap_or_default())
                .collect()
        }
        match entity.to_ascii_lowercase().as_str() {
            "customer" => render(&self.customers),
            "invoice" => render(&self.invoices),
            "payment" => render(&self.payments),
            "item" => render(&self.items),
            "account" => render(&self.accounts),
            "paymentmethod" => render(&self.payment_methods),
            _ => Vec::new(),
        }
    }

    fn entity_name(entity: &str) -> &'static str {
        match entity.to_ascii_lowercase().as_str() {
            "customer" => "Customer",
            "invoice" => "Invoice",
            "payment" => "Payment",
            "item" => "Item",
            "account" => "Account",
            _ => "PaymentMethod",
        }
    }
}

/// A decimal amount, written as a JSON number with its exact digits (never through f64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Money(Decimal);

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(deserializer)?;
        let text = raw.get().trim().trim_matches('"');
        text.parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(text))
            .map(Money)
            .map_err(|_| D::Error::custom(format!("not an amount: {text}")))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Ref {
    value: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Email {
    #[serde(rename = "Address")]
    address: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct MetaData {
    create_time: &'static str,
    last_updated_time: &'static str,
}

const META: MetaData = MetaData {
    create_time: TIME,
    last_updated_time: TIME,
};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Customer {
    id: String,
    sync_token: String,
    display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_email_addr: Option<Email>,
    active: bool,
    balance: Money,
    meta_data: MetaData,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Invoice {
    id: String,
    sync_token: String,
    doc_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    txn_date: Option<String>,
    customer_ref: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_memo: Option<Ref>,
    line: Vec<InvoiceLine>,
    total_amt: Money,
    balance: Money,
    meta_data: MetaData,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct InvoiceLine {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line_num: Option<u32>,
    amount: Money,
    detail_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sales_item_line_detail: Option<SalesItemDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_total_line_detail: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SalesItemDetail {
    item_ref: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    qty: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit_price: Option<Money>,
    tax_code_ref: Ref,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Payment {
    id: String,
    sync_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    txn_date: Option<String>,
    customer_ref: Ref,
    total_amt: Money,
    unapplied_amt: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_method_ref: Option<Ref>,
    deposit_to_account_ref: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_ref_num: Option<String>,
    line: Vec<PaymentLine>,
    meta_data: MetaData,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PaymentLine {
    amount: Money,
    linked_txn: Vec<LinkedTxn>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LinkedTxn {
    txn_id: String,
    txn_type: String,
}

// ---- requests ----

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CustomerIn {
    id: Option<String>,
    sync_token: Option<String>,
    display_name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    primary_email_addr: Option<Email>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InvoiceIn {
    customer_ref: Option<Ref>,
    line: Option<Vec<InvoiceLineIn>>,
    doc_number: Option<String>,
    txn_date: Option<String>,
    customer_memo: Option<Ref>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InvoiceLineIn {
    amount: Option<Money>,
    detail_type: Option<String>,
    description: Option<String>,
    sales_item_line_detail: Option<SalesItemDetailIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SalesItemDetailIn {
    item_ref: Option<Ref>,
    qty: Option<Money>,
    unit_price: Option<Money>,
    tax_code_ref: Option<Ref>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PaymentIn {
    customer_ref: Option<Ref>,
    total_amt: Option<Money>,
    txn_date: Option<String>,
    payment_method_ref: Option<Ref>,
    deposit_to_account_ref: Option<Ref>,
    payment_ref_num: Option<String>,
    #[serde(default)]
    line: Vec<PaymentLine>,
}

// ---- routing ----

enum Endpoint<'a> {
    Query { realm: &'a str },
    Create { realm: &'a str, entity: &'a str },
}

/// Whether this module answers `path` (the companyinfo read and the token endpoint are
/// `quickbooks.rs`'s).
pub(crate) fn owns(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        [
            "v3",
            "company",
            _,
            "query" | "customer" | "invoice" | "payment"
        ]
    )
}

pub(crate) async fn handle(shared: &Arc<Shared>, scenario: Scenario, req: &Req) -> Response {
    let mut response = answer(shared, scenario, req).await;
    response.headers_mut().insert(
        HeaderName::from_static("intuit_tid"),
        HeaderValue::from_static(quickbooks::INTUIT_TID),
    );
    response
}

async fn answer(shared: &Arc<Shared>, scenario: Scenario, req: &Req) -> Response {
    let segments = req.segments();
    let (endpoint, method) = match segments.as_slice() {
        ["v3", "company", realm, "query"] => (Endpoint::Query { realm }, Method::GET),
        ["v3", "company", realm, entity @ ("customer" | "invoice" | "payment")] => {
            (Endpoint::Create { realm, entity }, Method::POST)
        }
        _ => return routes::not_found(&req.method, &req.path),
    };
    // Intuit also takes a query as a POST with `Content-Type: application/text`.
    let query_post = matches!(endpoint, Endpoint::Query { .. }) && req.method == Method::POST;
    if req.method != method && !query_post {
        return routes::method_not_allowed(&req.method, &req.path);
    }
    if let Some(response) = respond::transport(scenario, req.conn.as_ref(), || {
        r#"{"QueryResponse":{},"time":"2015-07-10T09:38:58.155-07:00"}"#.to_owned()
    })
    .await
    {
        return response;
    }
    match scenario {
        Scenario::RateLimited { retry_after } => {
            return respond::retry_after(throttled(), retry_after);
        }
        Scenario::ServerError(status) => {
            return fault_response(respond::server_error_status(status), "10000");
        }
        Scenario::WrongCredentials
        | Scenario::AccessTokenExpired
        | Scenario::AccessTokenRevoked => {
            return quickbooks::authentication_failed(req);
        }
        Scenario::MissingScope | Scenario::NotFound => return injected_fault("3100"),
        _ => {}
    }
    let current = shared.lock().quickbooks_tokens.access_token.clone();
    if current.is_none() || req.bearer() != current.as_deref() {
        return quickbooks::authentication_failed(req);
    }
    let realm = match &endpoint {
        Endpoint::Query { realm } | Endpoint::Create { realm, .. } => (*realm).to_owned(),
    };
    let Some(_slot) = admit(shared, &realm) else {
        return throttled();
    };
    let latency = shared.lock().quickbooks_api.limits.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    // `create:<code>` waits for the next create (queries pass), so a test can fail a create
    // that follows a look-up.
    let injected = {
        let mut state = shared.lock();
        let queue = &mut state.quickbooks_api.fail_next;
        match queue.front() {
            Some(code)
                if code.starts_with("create:") && matches!(endpoint, Endpoint::Query { .. }) =>
            {
                None
            }
            Some(_) => queue.pop_front(),
            None => None,
        }
    };
    if let Some(code) = injected {
        return injected_fault(code.strip_prefix("create:").unwrap_or(&code));
    }
    match endpoint {
        Endpoint::Query { realm } => {
            let text = if query_post {
                String::from_utf8_lossy(&req.body).into_owned()
            } else {
                query_param(req, "query").unwrap_or_default()
            };
            query(shared, realm, &text)
        }
        Endpoint::Create { realm, entity } => create(shared, req, realm, entity),
    }
}

/// Counts the request against the realm's throttles; `None` when one of them trips.
fn admit(shared: &Arc<Shared>, realm: &str) -> Option<InFlight> {
    let mut state = shared.lock();
    let api = &mut state.quickbooks_api;
    api.stats.requests += 1;
    let limits = api.limits;
    if limits.enabled {
        let now = Instant::now();
        let window = api.window.entry(realm.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|at| now.duration_since(*at) >= Duration::from_secs(60))
        {
            window.pop_front();
        }
        let busy = api.in_flight.get(realm).copied().unwrap_or(0);
        if window.len() >= limits.per_minute as usize || busy >= limits.concurrent {
            api.stats.throttled += 1;
            return None;
        }
        window.push_back(now);
    }
    let busy = api.in_flight.entry(realm.to_owned()).or_default();
    *busy += 1;
    api.stats.max_in_flight = api.stats.max_in_flight.max(*busy);
    Some(InFlight {
        shared: shared.clone(),
        realm: realm.to_owned(),
    })
}

/// One request being answered; dropping it (also when the client goes away) frees the slot.
struct InFlight {
    shared: Arc<Shared>,
    realm: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        if let Some(busy) = state.quickbooks_api.in_flight.get_mut(&self.realm) {
            *busy = busy.saturating_sub(1);
        }
    }
}

fn query_param(req: &Req, name: &str) -> Option<String> {
    form_urlencoded::parse(req.query.as_deref().unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

// ---- faults ----

/// The 429 Intuit sends when a throttle trips: XML even to a client that asked for JSON.
fn throttled() -> Response {
    respond::xml(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            r#"{XML_DECLARATION}<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{TIME}"><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>"#
        ),
    )
}

fn fault(status: StatusCode, kind: &str, code: &str, message: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "Fault": {
            "Error": [{"Message": message, "Detail": detail, "code": code, "element": ""}],
            "type": kind
        },
        "time": TIME
    });
    respond::json(status, body.to_string())
}

fn validation(code: &str, message: &str, detail: &str) -> Response {
    fault(
        StatusCode::BAD_REQUEST,
        "ValidationFault",
        code,
        message,
        detail,
    )
}

fn fault_response(status: StatusCode, code: &str) -> Response {
    fault(
        status,
        "SystemFault",
        code,
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again. If the problem persists, contact customer support.",
    )
}

/// The documented body of a fault code, for [`crate::FakeProviders::quickbooks_fail_next`].
/// `200-<code>` answers that fault inside a 200, as Intuit sometimes does.
fn injected_fault(code: &str) -> Response {
    if let Some(code) = code.strip_prefix("200-") {
        let mut response = injected_fault(code);
        *response.status_mut() = StatusCode::OK;
        return response;
    }
    match code {
        "610" => validation("610", "Object Not Found", "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees."),
        "2020" => validation("2020", "Required param missing, need to supply the required value for the API", "Required parameter Line is missing in the request"),
        "2500" => validation("2500", "Invalid Reference Id", "Invalid Reference Id : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees."),
        "5010" => validation("5010", "Stale Object Error", "Stale Object Error : You and someone else were editing the same object at the same time. Please refresh and try again."),
        "6000" => validation("6000", "A business validation error has occurred while processing your request", "Business Validation Error: You must set a transaction amount."),
        "6140" => validation("6140", "Duplicate Document Number Error", "Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=1001 is assigned to TxnType=Invoice with TxnId=59"),
        "6240" => validation("6240", "Duplicate Name Exists Error", "The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name."),
        "3200" => respond::json(StatusCode::UNAUTHORIZED, quickbooks::FAULT_3200),
        "3100" => respond::json(StatusCode::FORBIDDEN, quickbooks::FAULT_3100),
        "3001" => throttled(),
        other => fault_response(StatusCode::INTERNAL_SERVER_ERROR, other),
    }
}

// ---- query ----

fn query(shared: &Shared, realm: &str, text: &str) -> Response {
    let parsed = match parse_query(text) {
        Ok(parsed) => parsed,
        Err(detail) => {
            return fault(
                StatusCode::BAD_REQUEST,
                "ValidationFault",
                "4000",
                "Error parsing query",
                &format!("QueryParserError: {detail}"),
            )
        }
    };
    let mut state = shared.lock();
    let company = state.quickbooks_api.company(realm);
    let Some(rows) = company.rows(&parsed.entity) else {
        return fault(
            StatusCode::BAD_REQUEST,
            "ValidationFault",
            "4000",
            "Error parsing query",
            &format!("QueryParserError: Invalid entity {}", parsed.entity),
        );
    };
    let rendered = company.rendered(&parsed.entity);
    let name = Company::entity_name(&parsed.entity);
    let names_active = parsed
        .conditions
        .iter()
        .any(|c| c.field.eq_ignore_ascii_case("Active"));
    let matching: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, (active, row))| {
            // Name lists answer only active objects unless the query asks about `Active`.
            (*active || names_active || matches!(name, "Invoice" | "Payment"))
                && parsed.conditions.iter().all(|c| c.matches(row))
        })
        .map(|(index, _)| index)
        .collect();
    if parsed.count {
        return respond::json(
            StatusCode::OK,
            format!(
                r#"{{"QueryResponse":{{"totalCount":{}}},"time":"{TIME}"}}"#,
                matching.len()
            ),
        );
    }
    let start = parsed.start.max(1);
    let page: Vec<&str> = matching
        .iter()
        .skip(start - 1)
        .take(parsed.max.min(1000))
        .map(|index| rendered[*index].as_str())
        .collect();
    let body = if page.is_empty() {
        format!(r#"{{"QueryResponse":{{}},"time":"{TIME}"}}"#)
    } else {
        format!(
            r#"{{"QueryResponse":{{"{name}":[{}],"startPosition":{start},"maxResults":{}}},"time":"{TIME}"}}"#,
            page.join(","),
            page.len()
        )
    };
    respond::json(StatusCode::OK, body)
}

#[derive(Debug, PartialEq)]
struct Query {
    entity: String,
    count: bool,
    conditions: Vec<Condition>,
    start: usize,
    max: usize,
}

#[derive(Debug, PartialEq)]
struct Condition {
    field: String,
    op: String,
    values: Vec<Literal>,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text(String),
    Bool(bool),
    Number(Decimal),
}

impl Condition {
    fn matches(&self, row: &Value) -> bool {
        let mut value = row;
        for part in self.field.split('.') {
            value = match value.get(part) {
                Some(next) => next,
                None => return false,
            };
        }
        // References compare by their id: `CustomerRef = '58'`.
        if let Some(id) = value.get("value") {
            value = id;
        }
        let equal = |literal: &Literal| match (literal, value) {
            (Literal::Text(text), Value::String(s)) => s.eq_ignore_ascii_case(text),
            (Literal::Text(text), Value::Number(n)) => n.to_string() == *text,
            (Literal::Bool(b), Value::Bool(v)) => b == v,
            (Literal::Number(d), Value::Number(n)) => {
                n.to_string().parse::<Decimal>().ok() == Some(*d)
            }
            (Literal::Number(d), Value::String(s)) => s.parse::<Decimal>().ok() == Some(*d),
            _ => false,
        };
        let order = |literal: &Literal| -> Option<std::cmp::Ordering> {
            match (literal, value) {
                (Literal::Text(text), Value::String(s)) => Some(s.as_str().cmp(text.as_str())),
                (Literal::Number(d), Value::Number(n)) => {
                    n.to_string().parse::<Decimal>().ok().map(|v| v.cmp(d))
                }
                _ => None,
            }
        };
        let first = self.values.first();
        match self.op.as_str() {
            "=" => first.is_some_and(equal),
            "in" => self.values.iter().any(equal),
            "like" => match (first, value) {
                (Some(Literal::Text(pattern)), Value::String(s)) => like(pattern, s),
                _ => false,
            },
            "<" => first.and_then(order).is_some_and(|o| o.is_lt()),
            "<=" => first.and_then(order).is_some_and(|o| o.is_le()),
            ">" => first.and_then(order).is_some_and(|o| o.is_gt()),
            ">=" => first.and_then(order).is_some_and(|o| o.is_ge()),
            _ => false,
        }
    }
}

/// `LIKE` with `%` only, case-insensitive.
fn like(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_lowercase();
    let text = text.to_lowercase();
    let parts: Vec<&str> = pattern.split('%').collect();
    let mut rest = text.as_str();
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        } else if index == parts.len() - 1 {
            return part.is_empty() || rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    rest.is_empty()
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Symbol(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '\'' => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => match chars.next() {
                            Some(escaped) => value.push(escaped),
                            None => return Err("unterminated string".into()),
                        },
                        Some('\'') => break,
                        Some(other) => value.push(other),
                        None => return Err("unterminated string".into()),
                    }
                }
                tokens.push(Token::Text(value));
            }
            '<' | '>' | '!' => {
                let mut op = c.to_string();
                if chars.peek() == Some(&'=') {
                    op.push('=');
                    chars.next();
                }
                tokens.push(Token::Symbol(op));
            }
            '=' | '(' | ')' | ',' | '*' => tokens.push(Token::Symbol(c.to_string())),
            '"' => return Err("values must be in single quotes".into()),
            _ => {
                let mut word = c.to_string();
                while let Some(&next) = chars.peek() {
                    if next.is_alphanumeric() || matches!(next, '_' | '.' | '-' | ':' | '+') {
                        word.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

/// `select * | count(*) from E [where F op V {and F op V}] [orderby F [asc|desc]]
/// [startposition n] [maxresults m]`.
fn parse_query(text: &str) -> Result<Query, String> {
    let tokens = tokenize(text)?;
    let mut at = 0;
    let word = |at: usize| match tokens.get(at) {
        Some(Token::Word(w)) => Some(w.to_ascii_lowercase()),
        _ => None,
    };
    let symbol = |at: usize, s: &str| matches!(tokens.get(at), Some(Token::Symbol(x)) if x == s);
    if word(at).as_deref() != Some("select") {
        return Err("a query starts with select".into());
    }
    at += 1;
    let count = if symbol(at, "*") {
        at += 1;
        false
    } else if word(at).as_deref() == Some("count")
        && symbol(at + 1, "(")
        && symbol(at + 2, "*")
        && symbol(at + 3, ")")
    {
        at += 4;
        true
    } else {
        return Err("only select * and select count(*) are supported".into());
    };
    if word(at).as_deref() != Some("from") {
        return Err("expected from".into());
    }
    let Some(Token::Word(entity)) = tokens.get(at + 1).cloned() else {
        return Err("expected an entity after from".into());
    };
    at += 2;
    let mut conditions = Vec::new();
    if word(at).as_deref() == Some("where") {
        at += 1;
        loop {
            let Some(Token::Word(field)) = tokens.get(at).cloned() else {
                return Err("expected a field".into());
            };
            at += 1;
            let op = match tokens.get(at) {
                Some(Token::Symbol(s)) if ["=", "<", ">", "<=", ">="].contains(&s.as_str()) => {
                    s.clone()
                }
                Some(Token::Word(w))
                    if ["like", "in"].contains(&w.to_ascii_lowercase().as_str()) =>
                {
                    w.to_ascii_lowercase()
                }
                other => return Err(format!("unsupported operator {other:?}")),
            };
            at += 1;
            let mut values = Vec::new();
            if op == "in" {
                if !symbol(at, "(") {
                    return Err("expected ( after in".into());
                }
                at += 1;
                loop {
                    values.push(literal(tokens.get(at))?);
                    at += 1;
                    if symbol(at, ",") {
                        at += 1;
                    } else if symbol(at, ")") {
                        at += 1;
                        break;
                    } else {
                        return Err("expected , or )".into());
                    }
                }
            } else {
                values.push(literal(tokens.get(at))?);
                at += 1;
            }
            conditions.push(Condition { field, op, values });
            match word(at).as_deref() {
                Some("and") => at += 1,
                Some("or") => return Err("OR is not supported".into()),
                _ => break,
            }
        }
    }
    let mut start = 1;
    let mut max = 100;
    while let Some(keyword) = word(at) {
        match keyword.as_str() {
            "orderby" | "order" => {
                at += if keyword == "order" { 3 } else { 2 };
                if matches!(word(at).as_deref(), Some("asc" | "desc")) {
                    at += 1;
                }
            }
            "startposition" | "maxresults" => {
                let number = match tokens.get(at + 1) {
                    Some(Token::Word(n)) => n
                        .parse::<usize>()
                        .map_err(|_| format!("{keyword} wants a number"))?,
                    _ => return Err(format!("{keyword} wants a number")),
                };
                if keyword == "startposition" {
                    start = number;
                } else {
                    max = number;
                }
                at += 2;
            }
            other => return Err(format!("unexpected {other}")),
        }
    }
    if at < tokens.len() {
        return Err("unexpected text at the end".into());
    }
    Ok(Query {
        entity,
        count,
        conditions,
        start,
        max,
    })
}

fn literal(token: Option<&Token>) -> Result<Literal, String> {
    match token {
        Some(Token::Text(text)) => Ok(Literal::Text(text.clone())),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
        Some(Token::Word(w)) => w
            .parse::<Decimal>()
            .map(Literal::Number)
            .map_err(|_| format!("values must be in single quotes: {w}")),
        other => Err(format!("expected a value, found {other:?}")),
    }
}

// ---- create ----

fn create(shared: &Shared, req: &Req, realm: &str, entity: &str) -> Response {
    let request_id = query_param(req, "requestid").filter(|id| !id.is_empty());
    if let Some(id) = &request_id {
        if id.chars().count() > MAX_REQUEST_ID {
            return validation(
                "2050",
                "Length exceeds the limit",
                "requestid exceeds the maximum length of 50 characters",
            );
        }
        let replay = shared
            .lock()
            .quickbooks_api
            .replays
            .get(&(realm.to_owned(), id.clone()))
            .cloned();
        if let Some((status, body)) = replay {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return respond::json(status, body);
        }
    }
    let (status, body) = {
        let mut state = shared.lock();
        let api = &mut state.quickbooks_api;
        let answer = match entity {
            "customer" => create_customer(api.company(realm), &req.body),
            "invoice" => {
                let allow_duplicate = query_param(req, "include")
                    .is_some_and(|include| include.contains("allowduplicatedocnum"));
                create_invoice(api.company(realm), &req.body, allow_duplicate)
            }
            _ => create_payment(api.company(realm), &req.body),
        };
        let (status, body) = match answer {
            Ok(body) => {
                api.stats.created += 1;
                (StatusCode::OK, body)
            }
            Err(fault) => fault,
        };
        if let Some(id) = request_id {
            api.replays
                .insert((realm.to_owned(), id), (status.as_u16(), body.clone()));
        }
        (status, body)
    };
    respond::json(status, body)
}

type Fault = (StatusCode, String);

fn validation_body(code: &str, message: &str, detail: &str) -> Fault {
    let body = serde_json::json!({
        "Fault": {
            "Error": [{"Message": message, "Detail": detail, "code": code, "element": ""}],
            "type": "ValidationFault"
        },
        "time": TIME
    });
    (StatusCode::BAD_REQUEST, body.to_string())
}

fn required(field: &str) -> Fault {
    validation_body(
        "2020",
        "Required param missing, need to supply the required value for the API",
        &format!("Required parameter {field} is missing in the request"),
    )
}

fn invalid_reference(what: &str, id: &str) -> Fault {
    validation_body(
        "2500",
        "Invalid Reference Id",
        &format!("Invalid Reference Id : {what} assigned to this transaction has been deleted. Before you can modify this transaction, you must restore {what} (Id={id})."),
    )
}

fn parse_body<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, Fault> {
    serde_json::from_slice(body).map_err(|error| {
        validation_body(
            "2010",
            "Request has invalid or unsupported property",
            &format!("Property Name:{error} specified is unsupported or invalid"),
        )
    })
}

fn wrapped(entity: &str, body: String) -> String {
    format!(r#"{{"{entity}":{body},"time":"{TIME}"}}"#)
}

fn create_customer(company: &mut Company, body: &[u8]) -> Result<String, Fault> {
    let input: CustomerIn = parse_body(body)?;
    let generated = [input.given_name.as_deref(), input.family_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = input
        .display_name
        .clone()
        .filter(|name| !name.trim().is_empty())
        .or_else(|| (!generated.is_empty()).then_some(generated));
    let Some(name) = name else {
        return Err(validation_body(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: You must fill out at least one split line.: Customer must have a DisplayName or a name (GivenName, FamilyName)",
        ));
    };
    if name.contains(':') {
        return Err(validation_body(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: The DisplayName cannot contain a colon (:).",
        ));
    }
    let taken = |company: &Company, except: Option<&str>| {
        company.customers.iter().any(|c| {
            c.display_name.eq_ignore_ascii_case(name.trim()) && Some(c.id.as_str()) != except
        })
    };
    if let Some(id) = input.id {
        // A sparse update: the SyncToken must be the current one.
        let Some(index) = company.customers.iter().position(|c| c.id == id) else {
            return Err(invalid_reference("Customer", &id));
        };
        if input.sync_token.as_deref() != Some(company.customers[index].sync_token.as_str()) {
            return Err(validation_body(
                "5010",
                "Stale Object Error",
                &format!("Stale Object Error : You and someone else were editing the same object at the same time. Please refresh and try again. (Customer Id={id})"),
            ));
        }
        if taken(company, Some(&id)) {
            return Err(duplicate_name(&name));
        }
        let customer = &mut company.customers[index];
        customer.display_name = name;
        if input.primary_email_addr.is_some() {
            customer.primary_email_addr = input.primary_email_addr;
        }
        let token: u64 = customer.sync_token.parse().unwrap_or(0);
        customer.sync_token = (token + 1).to_string();
        let body = serde_json::to_string(&*customer).unwrap_or_default();
        return Ok(wrapped("Customer", body));
    }
    if taken(company, None) {
        return Err(duplicate_name(&name));
    }
    let customer = Customer {
        id: company.next_id(),
        sync_token: "0".into(),
        display_name: name,
        given_name: input.given_name,
        family_name: input.family_name,
        primary_email_addr: input.primary_email_addr,
        active: true,
        balance: Money::default(),
        meta_data: META,
    };
    let body = serde_json::to_string(&customer).unwrap_or_default();
    company.customers.push(customer);
    Ok(wrapped("Customer", body))
}

fn duplicate_name(name: &str) -> Fault {
    validation_body(
        "6240",
        "Duplicate Name Exists Error",
        &format!("The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name. ({name})"),
    )
}

fn create_invoice(
    company: &mut Company,
    body: &[u8],
    allow_duplicate: bool,
) -> Result<String, Fault> {
    let input: InvoiceIn = parse_body(body)?;
    let Some(customer_ref) = input.customer_ref else {
        return Err(required("CustomerRef"));
    };
    let Some(customer) = company
        .customers
        .iter()
        .find(|c| c.id == customer_ref.value)
    else {
        return Err(invalid_reference("Customer", &customer_ref.value));
    };
    if !customer.active {
        return Err(validation_body(
            "610",
            "Object Not Found",
            &format!("Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (Customer Id={})", customer.id),
        ));
    }
    let customer_ref = Ref {
        value: customer.id.clone(),
        name: Some(customer.display_name.clone()),
    };
    let lines_in = match input.line {
        Some(lines) if !lines.is_empty() => lines,
        _ => return Err(required("Line")),
    };
    let mut lines = Vec::new();
    let mut total = Decimal::ZERO;
    for (index, line) in lines_in.into_iter().enumerate() {
        let Some(Money(amount)) = line.amount else {
            return Err(required("Line.Amount"));
        };
        if line.detail_type.as_deref() != Some("SalesItemLineDetail") {
            return Err(required("Line.DetailType"));
        }
        let Some(detail) = line.sales_item_line_detail else {
            return Err(required("Line.SalesItemLineDetail"));
        };
        let Some(item_ref) = detail.item_ref else {
            return Err(required("Line.SalesItemLineDetail.ItemRef"));
        };
        let Some(item) = company
            .items
            .iter()
            .find(|item| item["Id"] == item_ref.value.as_str())
        else {
            return Err(invalid_reference("Item", &item_ref.value));
        };
        if item["Active"] == false {
            return Err(invalid_reference("Item", &item_ref.value));
        }
        if let (Some(Money(qty)), Some(Money(price))) = (detail.qty, detail.unit_price) {
            if (qty * price).round_dp(2) != amount.round_dp(2) {
                return Err(validation_body(
                    "6070",
                    "Amount is not equal to UnitPrice * Qty",
                    &format!("Amount is not equal to UnitPrice * Qty. Supplied value:{amount}"),
                ));
            }
        }
        total += amount;
        lines.push(InvoiceLine {
            id: Some((index + 1).to_string()),
            line_num: u32::try_from(index + 1).ok(),
            amount: Money(amount),
            detail_type: "SalesItemLineDetail",
            description: line.description,
            sales_item_line_detail: Some(SalesItemDetail {
                item_ref: Ref {
                    value: item_ref.value,
                    name: item["Name"].as_str().map(str::to_owned),
                },
                qty: detail.qty,
                unit_price: detail.unit_price,
                tax_code_ref: detail.tax_code_ref.unwrap_or(Ref {
                    value: "NON".into(),
                    name: None,
                }),
            }),
            sub_total_line_detail: None,
        });
    }
    lines.push(InvoiceLine {
        id: None,
        line_num: None,
        amount: Money(total),
        detail_type: "SubTotalLineDetail",
        description: None,
        sales_item_line_detail: None,
        sub_total_line_detail: Some(BTreeMap::new()),
    });
    let doc_number = match input.doc_number.filter(|d| !d.is_empty()) {
        Some(doc) => {
            if !allow_duplicate {
                if let Some(existing) = company.invoices.iter().find(|i| i.doc_number == doc) {
                    return Err(validation_body(
                        "6140",
                        "Duplicate Document Number Error",
                        &format!("Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber={doc} is assigned to TxnType=Invoice with TxnId={}", existing.id),
                    ));
                }
            }
            doc
        }
        None => {
            company.next_doc_number += 1;
            (company.next_doc_number - 1).to_string()
        }
    };
    let invoice = Invoice {
        id: company.next_id(),
        sync_token: "0".into(),
        doc_number,
        txn_date: input.txn_date,
        customer_ref,
        customer_memo: input.customer_memo,
        line: lines,
        total_amt: Money(total),
        balance: Money(total),
        meta_data: META,
    };
    let body = serde_json::to_string(&invoice).unwrap_or_default();
    company.invoices.push(invoice);
    Ok(wrapped("Invoice", body))
}

fn create_payment(company: &mut Company, body: &[u8]) -> Result<String, Fault> {
    let input: PaymentIn = parse_body(body)?;
    let Some(customer_ref) = input.customer_ref else {
        return Err(required("CustomerRef"));
    };
    let Some(customer) = company
        .customers
        .iter()
        .find(|c| c.id == customer_ref.value)
    else {
        return Err(invalid_reference("Customer", &customer_ref.value));
    };
    let customer_ref = Ref {
        value: customer.id.clone(),
        name: Some(customer.display_name.clone()),
    };
    let Some(Money(total)) = input.total_amt else {
        return Err(required("TotalAmt"));
    };
    if let Some(method) = &input.payment_method_ref {
        if !company
            .payment_methods
            .iter()
            .any(|m| m["Id"] == method.value.as_str())
        {
            return Err(invalid_reference("PaymentMethod", &method.value));
        }
    }
    let deposit = input.deposit_to_account_ref.unwrap_or(Ref {
        value: "4".into(),
        name: Some("Undeposited Funds".into()),
    });
    if !company
        .accounts
        .iter()
        .any(|a| a["Id"] == deposit.value.as_str())
    {
        return Err(invalid_reference("Account", &deposit.value));
    }
    let mut applied = Decimal::ZERO;
    let mut changes = Vec::new();
    for line in &input.line {
        for linked in &line.linked_txn {
            if linked.txn_type != "Invoice" {
                continue;
            }
            let Some(index) = company.invoices.iter().position(|i| i.id == linked.txn_id) else {
                return Err(validation_body(
                    "610",
                    "Object Not Found",
                    &format!("Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (Invoice TxnId={})", linked.txn_id),
                ));
            };
            let invoice = &company.invoices[index];
            if invoice.customer_ref.value != customer_ref.value {
                return Err(validation_body(
                    "6000",
                    "A business validation error has occurred while processing your request",
                    "Business Validation Error: The transaction you linked belongs to another customer.",
                ));
            }
            if line.amount.0 > invoice.balance.0 {
                return Err(validation_body(
                    "6000",
                    "A business validation error has occurred while processing your request",
                    &format!("Business Validation Error: The payment amount {} exceeds the invoice balance {}.", line.amount.0, invoice.balance.0),
                ));
            }
            changes.push((index, line.amount.0));
        }
        applied += line.amount.0;
    }
    if total < Decimal::ZERO || applied > total {
        return Err(validation_body(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: You must set a transaction amount at least as large as the amounts applied.",
        ));
    }
    for (index, amount) in changes {
        let invoice = &mut company.invoices[index];
        invoice.balance = Money(invoice.balance.0 - amount);
        let token: u64 = invoice.sync_token.parse().unwrap_or(0);
        invoice.sync_token = (token + 1).to_string();
    }
    let payment = Payment {
        id: company.next_id(),
        sync_token: "0".into(),
        txn_date: input.txn_date,
        customer_ref,
        total_amt: Money(total),
        unapplied_amt: Money(total - applied),
        payment_method_ref: input.payment_method_ref,
        deposit_to_account_ref: deposit,
        payment_ref_num: input.payment_ref_num,
        line: input.line,
        meta_data: META,
    };
    let body = serde_json::to_string(&payment).unwrap_or_default();
    company.payments.push(payment);
    Ok(wrapped("Payment", body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_forms() {
        let q = parse_query(
            r"select * from Customer where DisplayName = 'O\'Brien (Rex)' and Active = true STARTPOSITION 2 MAXRESULTS 10",
        )
        .unwrap();
        assert_eq!(q.entity, "Customer");
        assert_eq!(q.start, 2);
        assert_eq!(q.max, 10);
        assert_eq!(
            q.conditions[0].values,
            [Literal::Text("O'Brien (Rex)".into())]
        );
        assert_eq!(q.conditions[1].values, [Literal::Bool(true)]);
        let q = parse_query("SELECT COUNT(*) FROM Invoice WHERE DocNumber IN ('1', '2')").unwrap();
        assert!(q.count);
        assert_eq!(q.conditions[0].op, "in");
        assert!(parse_query("select * from Customer where A = 'x' or B = 'y'").is_err());
        assert!(parse_query(r#"select * from Customer where A = "x""#).is_err());
        assert!(parse_query("select * from Customer where A = 'x").is_err());
        assert!(parse_query("delete from Customer").is_err());
    }

    #[test]
    fn like_patterns() {
        assert!(like("jane%", "Jane Doe"));
        assert!(like("%doe", "Jane Doe"));
        assert!(like("%e d%", "Jane Doe"));
        assert!(!like("jane", "Jane Doe"));
        assert!(like("jane doe", "Jane Doe"));
    }

    #[test]
    fn money_keeps_its_digits() {
        let money: Money = serde_json::from_str("150.10").unwrap();
        assert_eq!(serde_json::to_string(&money).unwrap(), "150.10");
        let money: Money = serde_json::from_str("0.1").unwrap();
        let sum = Money(money.0 + Decimal::new(2, 1));
        assert_eq!(serde_json::to_string(&sum).unwrap(), "0.3");
    }
}
