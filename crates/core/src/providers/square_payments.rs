//! Square Payments reads (sync-apis.md §3): `GET /v2/payments` and `GET /v2/refunds`, one page at
//! a time, for an incremental sync from a watermark on `updated_at`. Money stays in the smallest
//! unit (cents) as Square sends it: integers, never floats.

use serde::{Deserialize, Serialize};

use super::call::{self, Api, CallFailure, Called};
use crate::secrets::Secret;
use switchboard_domain::provider_errors;

const NAME: &str = "Square";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Money {
    /// In the currency's smallest unit.
    #[specta(type = f64)]
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SquarePayment {
    pub id: String,
    /// `APPROVED`, `PENDING`, `COMPLETED`, `CANCELED` or `FAILED`.
    pub status: String,
    pub amount_money: Money,
    #[serde(default)]
    pub tip_money: Option<Money>,
    #[serde(default)]
    pub total_money: Option<Money>,
    #[serde(default)]
    pub refunded_money: Option<Money>,
    #[serde(default)]
    pub refund_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub location_id: Option<String>,
    #[serde(default)]
    pub reference_id: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub receipt_number: Option<String>,
    #[serde(default)]
    pub receipt_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SquareRefund {
    pub id: String,
    /// `PENDING`, `COMPLETED`, `REJECTED` or `FAILED`.
    pub status: String,
    pub amount_money: Money,
    pub payment_id: String,
    #[serde(default)]
    pub location_id: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One page; `cursor` is set when more pages follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub cursor: Option<String>,
}

#[derive(Deserialize)]
struct PaymentsBody {
    #[serde(default)]
    payments: Vec<SquarePayment>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct RefundsBody {
    #[serde(default)]
    refunds: Vec<SquareRefund>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct ErrorsBody {
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    code: String,
    detail: Option<String>,
}

/// A client for one Square merchant with one access token.
pub struct SquarePayments<'a> {
    api: Api<'a>,
    access_token: &'a Secret,
    /// The `Square-Version` the integration is pinned to (`YYYY-MM-DD`).
    version: &'a str,
}

impl<'a> SquarePayments<'a> {
    pub fn new(api: Api<'a>, access_token: &'a Secret, version: &'a str) -> Self {
        SquarePayments {
            api,
            access_token,
            version,
        }
    }

    /// Payments of `location` (Square's main location when `None`) updated at or after
    /// `updated_since` (RFC 3339), oldest change first, 100 a page. Pass the answer's cursor to
    /// read the next page with the same arguments.
    pub async fn list_payments(
        &self,
        location: Option<&str>,
        updated_since: Option<&str>,
        cursor: Option<&str>,
    ) -> Called<Page<SquarePayment>> {
        let called = self
            .list("/v2/payments", location, updated_since, cursor)
            .await;
        called.map(|body| {
            let body: PaymentsBody = serde_json::from_slice(&body)
                .map_err(|e| CallFailure::unexpected(NAME, &format!("not a payment list ({e})")))?;
            Ok(Page {
                items: body.payments,
                cursor: body.cursor,
            })
        })
    }

    /// Refunds of `location` (every location when `None`), like [`Self::list_payments`].
    pub async fn list_refunds(
        &self,
        location: Option<&str>,
        updated_since: Option<&str>,
        cursor: Option<&str>,
    ) -> Called<Page<SquareRefund>> {
        let called = self
            .list("/v2/refunds", location, updated_since, cursor)
            .await;
        called.map(|body| {
            let body: RefundsBody = serde_json::from_slice(&body)
                .map_err(|e| CallFailure::unexpected(NAME, &format!("not a refund list ({e})")))?;
            Ok(Page {
                items: body.refunds,
                cursor: body.cursor,
            })
        })
    }

    async fn list(
        &self,
        resource: &str,
        location: Option<&str>,
        updated_since: Option<&str>,
        cursor: Option<&str>,
    ) -> Called<Vec<u8>> {
        // Built in a block: the serializer is not `Send` and must not live across the await.
        let path = {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query
                .append_pair("sort_field", "UPDATED_AT")
                .append_pair("sort_order", "ASC")
                .append_pair("limit", "100");
            if let Some(location) = location {
                query.append_pair("location_id", location);
            }
            if let Some(since) = updated_since {
                query.append_pair("updated_at_begin_time", since);
            }
            if let Some(cursor) = cursor {
                query.append_pair("cursor", cursor);
            }
            format!("{resource}?{}", query.finish())
        };
        let request = self
            .api
            .http
            .get(self.api.url(&path))
            .bearer_auth(self.access_token.expose())
            .header("Square-Version", self.version)
            .header("Accept", "application/json");
        let (record, answer) = call::send(
            NAME,
            &self.api,
            "GET",
            &path,
            None,
            request,
            &[self.access_token],
        )
        .await;
        let result = answer.and_then(|answer| {
            if (200..300).contains(&answer.status) {
                Ok(answer.body)
            } else {
                Err(failure(answer.status, &answer.body).retry_after(answer.retry_after()))
            }
        });
        Called { record, result }
    }
}

/// Square's `{"errors":[…]}` as a [`CallFailure`] (the first error decides).
pub fn failure(status: u16, body: &[u8]) -> CallFailure {
    let first = serde_json::from_slice::<ErrorsBody>(body)
        .ok()
        .and_then(|b| b.errors.into_iter().next());
    match first {
        Some(error) => match provider_errors::square(&error.code) {
            Some(rule) => CallFailure::from_rule("Square refused the request", rule, error.detail),
            None => CallFailure::unknown_code(NAME, status, Some(error.code), error.detail),
        },
        None => CallFailure::unknown_code(NAME, status, None, None),
    }
}
