//! Fake Square Payments reads (sync-apis.md §3): `GET /v2/payments` (the main location unless
//! `location_id` says otherwise, time filters on `created_at` and `updated_at`, sort, `limit` ≤ 100,
//! opaque `cursor` pages, `INVALID_CURSOR`, `INVALID_TIME_RANGE`) and `GET /v2/refunds` (all
//! locations by default). Payments and refunds are added and moved along (APPROVED → COMPLETED or
//! CANCELED) through [`crate::FakeProviders`] or the control API.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    respond,
    routes::{self, Req},
    square::{self, LOCATION_IDS},
    state::Shared,
    Scenario,
};

/// A payment to add. Amounts are in the smallest unit (cents), as Square sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewPayment {
    /// Generated when absent.
    pub id: Option<String>,
    /// `COMPLETED` (default), `APPROVED`, `PENDING`, `FAILED` or `CANCELED`.
    pub status: Option<String>,
    pub amount: i64,
    pub tip: i64,
    /// Default `USD`.
    pub currency: Option<String>,
    /// Default the main location.
    pub location_id: Option<String>,
    /// RFC 3339; default now.
    pub created_at: Option<String>,
    pub reference_id: Option<String>,
    pub note: Option<String>,
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
}

/// A refund of a payment the fake holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewRefund {
    pub payment_id: String,
    pub amount: i64,
    /// `COMPLETED` (default), `PENDING`, `REJECTED` or `FAILED`.
    pub status: Option<String>,
    pub reason: Option<String>,
}

#[derive(Default)]
pub(crate) struct SquarePayments {
    pub(crate) payments: Vec<Value>,
    pub(crate) refunds: Vec<Value>,
    created: u64,
    last_time: Option<jiff::Timestamp>,
}

impl SquarePayments {
    /// Now, strictly after every time handed out before, so `updated_at` orders changes.
    fn now(&mut self) -> String {
        let mut now = jiff::Timestamp::now();
        if let Some(last) = self.last_time {
            if now <= last {
                now = last + jiff::SignedDuration::from_millis(1);
            }
        }
        self.last_time = Some(now);
        now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    pub(crate) fn add_payment(&mut self, new: NewPayment) -> Result<Value, String> {
        let status = new.status.unwrap_or_else(|| "COMPLETED".into());
        if !["COMPLETED", "APPROVED", "PENDING", "FAILED", "CANCELED"].contains(&status.as_str()) {
            return Err(format!("unknown payment status {status}"));
        }
        if let Some(at) = &new.created_at {
            at.parse::<jiff::Timestamp>()
                .map_err(|e| format!("created_at: {e}"))?;
        }
        self.created += 1;
        let now = self.now();
        let id = new
            .id
            .unwrap_or_else(|| format!("fakepay{:016}", self.created));
        let currency = new.currency.unwrap_or_else(|| "USD".into());
        let money = |amount: i64| serde_json::json!({"amount": amount, "currency": currency});
        let card_status = match status.as_str() {
            "COMPLETED" => "CAPTURED",
            "APPROVED" | "PENDING" => "AUTHORIZED",
            "CANCELED" => "VOIDED",
            _ => "FAILED",
        };
        let mut payment = serde_json::json!({
            "id": id,
            "created_at": new.created_at.unwrap_or_else(|| now.clone()),
            "updated_at": now,
            "amount_money": money(new.amount),
            "total_money": money(new.amount + new.tip),
            "approved_money": money(new.amount + new.tip),
            "status": status,
            "source_type": "CARD",
            "card_details": {
                "status": card_status,
                "card": {"card_brand": "VISA", "last_4": "1111", "exp_month": 11, "exp_year": 2028},
                "entry_method": "KEYED"
            },
            "location_id": new.location_id.unwrap_or_else(|| LOCATION_IDS[0].to_owned()),
            "delay_action": "CANCEL",
            "delay_duration": "PT168H",
            "receipt_number": id.chars().take(4).collect::<String>(),
            "version_token": format!("v{}", self.created),
        });
        let object = payment.as_object_mut().ok_or("payment")?;
        if new.tip != 0 {
            object.insert("tip_money".into(), money(new.tip));
        }
        for (key, value) in [
            ("reference_id", new.reference_id),
            ("note", new.note),
            ("order_id", new.order_id),
            ("customer_id", new.customer_id),
        ] {
            if let Some(value) = value {
                object.insert(key.into(), Value::from(value));
            }
        }
        if object["status"] == "COMPLETED" {
            object.insert(
                "receipt_url".into(),
                Value::from(format!("https://squareup.com/receipt/preview/{id}")),
            );
        }
        self.payments.push(payment.clone());
        Ok(payment)
    }

    /// APPROVED → COMPLETED (`complete`) or CANCELED (`cancel`); PENDING → COMPLETED or FAILED (`fail`).
    pub(crate) fn move_payment(&mut self, id: &str, action: &str) -> Result<Value, String> {
        let now = self.now();
        let payment = self
            .payments
            .iter_mut()
            .find(|p| p["id"] == id)
            .ok_or_else(|| format!("no payment {id}"))?;
        let from = payment["status"].as_str().unwrap_or_default().to_owned();
        let (to, card) = match (from.as_str(), action) {
            ("APPROVED" | "PENDING", "complete") => ("COMPLETED", "CAPTURED"),
            ("APPROVED", "cancel") => ("CANCELED", "VOIDED"),
            ("PENDING", "fail") => ("FAILED", "FAILED"),
            _ => return Err(format!("cannot {action} a {from} payment")),
        };
        payment["status"] = Value::from(to);
        payment["card_details"]["status"] = Value::from(card);
        payment["updated_at"] = Value::from(now);
        if to == "COMPLETED" {
            payment["receipt_url"] =
                Value::from(format!("https://squareup.com/receipt/preview/{id}"));
        }
        Ok(payment.clone())
    }

    pub(crate) fn add_refund(&mut self, new: NewRefund) -> Result<Value, String> {
        let status = new.status.unwrap_or_else(|| "COMPLETED".into());
        if !["COMPLETED", "PENDING", "REJECTED", "FAILED"].contains(&status.as_str()) {
            return Err(format!("unknown refund status {status}"));
        }
        let now = self.now();
        let payment = self
            .payments
            .iter_mut()
            .find(|p| p["id"] == new.payment_id.as_str())
            .ok_or_else(|| format!("no payment {}", new.payment_id))?;
        let currency = payment["amount_money"]["currency"].clone();
        let refund_id = format!(
            "{}_{}",
            new.payment_id,
            payment["refund_ids"].as_array().map_or(0, Vec::len) + 1
        );
        if status == "COMPLETED" || status == "PENDING" {
            let before = payment["refunded_money"]["amount"].as_i64().unwrap_or(0);
            payment["refunded_money"] =
                serde_json::json!({"amount": before + new.amount, "currency": currency});
            let mut ids = payment["refund_ids"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            ids.push(Value::from(refund_id.clone()));
            payment["refund_ids"] = Value::from(ids);
            payment["updated_at"] = Value::from(now.clone());
        }
        let refund = serde_json::json!({
            "id": refund_id,
            "status": status,
            "amount_money": {"amount": new.amount, "currency": currency},
            "payment_id": new.payment_id,
            "location_id": payment["location_id"],
            "reason": new.reason.unwrap_or_else(|| "Requested by customer".into()),
            "processing_fee": [{"effective_at": now, "type": "INITIAL", "amount_money": {"amount": -(new.amount / 30), "currency": currency}}],
            "created_at": now,
            "updated_at": now,
            "unlinked": false
        });
        self.refunds.push(refund.clone());
        Ok(refund)
    }
}

pub(crate) fn owns(path: &str) -> bool {
    matches!(path.trim_end_matches('/'), "/v2/payments" | "/v2/refunds")
}

pub(crate) async fn handle(shared: &Shared, scenario: Scenario, req: &Req) -> Response {
    if req.method != Method::GET {
        return routes::method_not_allowed(&req.method, &req.path);
    }
    let refunds = req.path.trim_end_matches('/') == "/v2/refunds";
    if let Some(response) = gate(scenario, req).await {
        return response;
    }
    let params: Vec<(String, String)> =
        form_urlencoded::parse(req.query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let time = |name: &str| -> Result<Option<jiff::Timestamp>, String> {
        match param(name) {
            None => Ok(None),
            Some(text) => text
                .parse::<jiff::Timestamp>()
                .map(Some)
                .map_err(|_| format!("Invalid `{name}`: {text} is not an RFC 3339 timestamp.")),
        }
    };
    let bounds = (|| {
        let now = jiff::Timestamp::now();
        let begin =
            time("begin_time")?.unwrap_or_else(|| now - jiff::SignedDuration::from_hours(24 * 365));
        let end = time("end_time")?.unwrap_or(now + jiff::SignedDuration::from_hours(1));
        Ok::<_, String>((
            begin,
            end,
            time("updated_at_begin_time")?,
            time("updated_at_end_time")?,
        ))
    })();
    let (begin, end, updated_begin, updated_end) = match bounds {
        Ok(bounds) => bounds,
        Err(detail) => {
            return square::error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST_ERROR",
                "INVALID_TIME",
                &detail,
            )
        }
    };
    if begin > end || updated_begin.zip(updated_end).is_some_and(|(b, e)| b > e) {
        return square::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_ERROR",
            "INVALID_TIME_RANGE",
            "The begin time must be before the end time.",
        );
    }
    let sort_field = param("sort_field").unwrap_or("CREATED_AT");
    let sort_key = match sort_field {
        "CREATED_AT" | "OFFLINE_CREATED_AT" => "created_at",
        "UPDATED_AT" => "updated_at",
        other => {
            return square::error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST_ERROR",
                "INVALID_ENUM_VALUE",
                &format!("Invalid `sort_field` value: {other}."),
            )
        }
    };
    let descending = match param("sort_order").unwrap_or("DESC") {
        "DESC" => true,
        "ASC" => false,
        other => {
            return square::error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST_ERROR",
                "INVALID_ENUM_VALUE",
                &format!("Invalid `sort_order` value: {other}."),
            )
        }
    };
    // Larger limits are ignored, as documented.
    let limit = param("limit")
        .and_then(|limit| limit.parse::<usize>().ok())
        .filter(|limit| (1..=100).contains(limit))
        .unwrap_or(100);
    let location = param("location_id")
        .map(str::to_owned)
        .or_else(|| (!refunds).then(|| LOCATION_IDS[0].to_owned()));
    let status = param("status").map(str::to_owned);
    // A cursor belongs to one query: the same parameters without the cursor.
    let fingerprint = {
        let mut rest: Vec<&(String, String)> =
            params.iter().filter(|(key, _)| key != "cursor").collect();
        rest.sort();
        let text: Vec<String> = rest.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}?{}", req.path, text.join("&"))
    };
    let offset = match param("cursor") {
        None => 0,
        Some(cursor) => match decode_cursor(cursor, &fingerprint) {
            Some(offset) => offset,
            None => {
                return square::error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST_ERROR",
                    "INVALID_CURSOR",
                    "The pagination cursor is invalid.",
                )
            }
        },
    };
    let state = shared.lock();
    let rows = if refunds {
        &state.square_payments.refunds
    } else {
        &state.square_payments.payments
    };
    let at = |row: &Value, key: &str| {
        row[key]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
    };
    let mut matching: Vec<&Value> = rows
        .iter()
        .filter(|row| {
            let created = at(row, "created_at");
            let updated = at(row, "updated_at");
            created.is_some_and(|c| c >= begin && c <= end)
                && updated_begin.is_none_or(|b| updated.is_some_and(|u| u >= b))
                && updated_end.is_none_or(|e| updated.is_some_and(|u| u <= e))
                && location.as_deref().is_none_or(|l| row["location_id"] == l)
                && status.as_deref().is_none_or(|s| row["status"] == s)
        })
        .collect();
    matching.sort_by(|a, b| {
        let order = at(a, sort_key)
            .cmp(&at(b, sort_key))
            .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()));
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    let page: Vec<&Value> = matching.iter().skip(offset).take(limit).copied().collect();
    let key = if refunds { "refunds" } else { "payments" };
    let mut body = serde_json::Map::new();
    if !page.is_empty() {
        body.insert(
            key.into(),
            Value::from(page.into_iter().cloned().collect::<Vec<_>>()),
        );
    }
    if offset + limit < matching.len() {
        body.insert(
            "cursor".into(),
            Value::from(encode_cursor(offset + limit, &fingerprint)),
        );
    }
    respond::json(StatusCode::OK, Value::Object(body).to_string())
}

/// The scenario, bearer and `Square-Version` checks of every Square endpoint.
async fn gate(scenario: Scenario, req: &Req) -> Option<Response> {
    if let Some(response) =
        respond::transport(scenario, req.conn.as_ref(), || "{}".to_owned()).await
    {
        return Some(response);
    }
    let auth = |code: &str, detail: &str| {
        square::error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_ERROR",
            code,
            detail,
        )
    };
    match scenario {
        Scenario::RateLimited { retry_after } => {
            let response = square::error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_ERROR",
                "RATE_LIMITED",
                "Too many requests. Please try again later.",
            );
            return Some(respond::retry_after(response, retry_after));
        }
        Scenario::ServerError(status) => return Some(square::server_error(status)),
        _ => {}
    }
    if req.bearer().is_none() {
        return Some(auth("UNAUTHORIZED", square::MALFORMED_AUTHORIZATION_DETAIL));
    }
    match req.header("square-version") {
        Some(version) if square::is_square_version(version) => {}
        version => {
            return Some(square::error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST_ERROR",
                "INVALID_SQUARE_VERSION_FORMAT",
                &format!(
                    "Invalid Square-Version: '{}'. Expected format: YYYY-MM-DD.",
                    version.unwrap_or_default()
                ),
            ))
        }
    }
    match scenario {
        Scenario::WrongCredentials | Scenario::InvalidGrant | Scenario::InvalidClient => {
            Some(auth("UNAUTHORIZED", square::UNAUTHORIZED_DETAIL))
        }
        Scenario::AccessTokenExpired => {
            Some(auth("ACCESS_TOKEN_EXPIRED", "The access token has expired."))
        }
        Scenario::AccessTokenRevoked => Some(auth(
            "ACCESS_TOKEN_REVOKED",
            "The access token has been revoked.",
        )),
        Scenario::MissingScope => Some(square::error(
            StatusCode::FORBIDDEN,
            "AUTHENTICATION_ERROR",
            "INSUFFICIENT_SCOPES",
            "The merchant has not given your application sufficient permissions to do that. The following permissions are required: PAYMENTS_READ",
        )),
        _ => None,
    }
}

fn encode_cursor(offset: usize, fingerprint: &str) -> String {
    let hash = fingerprint.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{offset}:{hash:016x}"))
}

fn decode_cursor(cursor: &str, fingerprint: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (offset, _) = text.split_once(':')?;
    let offset = offset.parse().ok()?;
    (encode_cursor(offset, fingerprint) == cursor).then_some(offset)
}
