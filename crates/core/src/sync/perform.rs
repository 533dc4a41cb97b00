//! Performing one job at its provider: the rules' provider side. Each kind reads its event's
//! `data` through the domain's typed views, the integration's settings and secrets, asks the
//! provider through its client (`providers::{twilio_messages, quickbooks_api, square_payments}`),
//! and classifies the answer as a [`JobOutcome`] for the domain's state machine. Every call an
//! attempt makes is kept in the attempt's record, secrets scrubbed by the clients.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::OptionalExtension;
use serde_json::json;

use switchboard_domain::events::typed::{
    AppointmentData, InvoiceData, InvoicePaidData, PaymentData,
};
use switchboard_domain::events::PathIssue;
use switchboard_domain::job::{JobKind, JobOutcome};
use switchboard_domain::message_status::MessageStatus;
use switchboard_domain::phone::mask as mask_phone;
use switchboard_domain::provider_errors::VerdictKind;
use switchboard_domain::sms::{QuietHours, Template, Values};

use super::worker::{ClaimedJob, Finding, Performed};
use crate::providers::call::{CallFailure, CallRecord, Called};
use crate::providers::{self, Provider};
use crate::secrets::Secret;
use crate::{time, Switchboard};

pub(super) async fn perform(sb: Arc<Switchboard>, job: ClaimedJob) -> Performed {
    let mut calls = Calls::default();
    let outcome = match job.kind {
        JobKind::TextConfirmation | JobKind::TextReminder | JobKind::TextCancellation => {
            texts::perform(&sb, &job, &mut calls).await
        }
        JobKind::QboInvoice => quickbooks::invoice(&sb, &job, &mut calls).await,
        JobKind::QboPayment => quickbooks::payment(&sb, &job, &mut calls).await,
        JobKind::SquarePoll => square::poll(&sb, &job, &mut calls).await,
    };
    calls.finish(outcome)
}

/// What an attempt did: its provider calls, and what it found out.
#[derive(Default)]
struct Calls {
    records: Vec<CallRecord>,
    failure: Option<CallFailure>,
    findings: Vec<Finding>,
    provider_object: Option<String>,
    provider_state: Option<String>,
    detail: Option<serde_json::Value>,
}

/// How an attempt ended, before it is written down.
enum Ended {
    Outcome(JobOutcome),
    /// Not done, with the reason (a field the event lacks, a setting missing): no retry helps.
    Permanent(String),
    /// Not done yet, with the reason (not connected, the invoice not in QuickBooks yet): tried
    /// again on the schedule, or after the given wait.
    RetryBecause(String, Option<Duration>),
}

impl From<JobOutcome> for Ended {
    fn from(o: JobOutcome) -> Self {
        Ended::Outcome(o)
    }
}

impl Calls {
    /// Keeps a call's record and hands back its result.
    fn keep<T>(&mut self, called: Called<T>) -> Result<T, CallFailure> {
        self.records.push(called.record);
        called
            .result
            .inspect_err(|f| self.failure = Some(f.clone()))
    }

    fn finish(self, ended: Ended) -> Performed {
        let request = serde_json::to_string(
            &self
                .records
                .iter()
                .map(|r| json!({ "method": r.method, "path": r.path, "body": r.request_body }))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into());
        let last = self.records.last();
        let (outcome, error) = match ended {
            Ended::Permanent(reason) => (
                JobOutcome::Permanent {
                    reason: reason.clone(),
                },
                Some(reason),
            ),
            Ended::RetryBecause(reason, retry_after) => {
                (JobOutcome::Retry { retry_after }, Some(reason))
            }
            Ended::Outcome(o) => {
                let error = match &o {
                    JobOutcome::Skip { reason }
                    | JobOutcome::Permanent { reason }
                    | JobOutcome::Defer { reason, .. } => Some(reason.clone()),
                    JobOutcome::Retry { .. } | JobOutcome::RateLimited { .. } => {
                        self.failure.as_ref().map(|f| f.reason.clone())
                    }
                    JobOutcome::Done { .. } | JobOutcome::Poll { .. } => None,
                };
                (o, error)
            }
        };
        Performed {
            provider_object: self.provider_object.or(match &outcome {
                JobOutcome::Done { provider_object } => provider_object.clone(),
                _ => None,
            }),
            outcome,
            request,
            status_code: last.and_then(|r| r.status),
            error_class: self.failure.as_ref().map(|f| {
                f.net
                    .map_or_else(|| f.verdict.as_str().to_owned(), |n| n.as_str().to_owned())
            }),
            error,
            response: last
                .map(|r| r.response.clone().into_bytes())
                .unwrap_or_default(),
            provider_state: self.provider_state,
            detail: self.detail,
            findings: self.findings,
        }
    }
}

/// A failed call, as the engine's outcome.
fn failed(f: &CallFailure) -> Ended {
    let after = f.retry_after_s.map(|s| Duration::from_secs(u64::from(s)));
    match f.verdict {
        VerdictKind::Retry => JobOutcome::Retry { retry_after: after }.into(),
        VerdictKind::RateLimited => JobOutcome::RateLimited {
            after: after.unwrap_or(Duration::from_secs(60)),
        }
        .into(),
        VerdictKind::Permanent => Ended::Permanent(f.reason.clone()),
        // The credentials were refused: retried on the schedule, so the jobs go through once
        // the manager reconnects; the card says what to do meanwhile.
        VerdictKind::Reconnect => JobOutcome::Retry { retry_after: None }.into(),
    }
}

/// "The event lacks what this rule needs": the JSON paths, in one sentence.
fn lacking(issues: &[PathIssue]) -> Ended {
    let parts: Vec<String> = issues
        .iter()
        .map(|i| format!("{}: {}", i.path, i.message))
        .collect();
    Ended::Permanent(format!("The event cannot be synced. {}", parts.join(" ")))
}

/// An integration setting, or the catalogue's default for it.
fn setting(i: &crate::integrations::Integration, name: &str) -> String {
    i.settings
        .get(name)
        .filter(|v| !v.trim().is_empty())
        .cloned()
        .or_else(|| {
            providers::spec(i.provider)
                .fields
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| f.default)
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

async fn integration(
    sb: &Arc<Switchboard>,
    id: &str,
) -> Result<crate::integrations::Integration, Ended> {
    let id = id.to_owned();
    sb.blocking(move |sb| sb.integration(&id))
        .await
        .map_err(|e| Ended::RetryBecause(e.to_string(), None))
}

/// A provider access token (QuickBooks, Square): pasted (Square), kept in memory from the last
/// refresh, or refreshed now through a connection test (which saves a rotated refresh token to
/// the keychain before the new access token is used).
async fn access_token(
    sb: &Arc<Switchboard>,
    i: &crate::integrations::Integration,
) -> Result<Secret, Ended> {
    if i.provider == Provider::Square {
        let id = i.id.clone();
        let pasted = sb
            .blocking(move |sb| {
                sb.keychain()
                    .get(&crate::integrations::secret_account(&id, "access_token"))
            })
            .await
            .map_err(|e| Ended::Permanent(e.to_string()))?;
        if let Some(token) = pasted {
            return Ok(token);
        }
    }
    let fresh = {
        let id = i.id.clone();
        sb.blocking(move |sb| {
            sb.db().read(|c| {
                Ok(c.query_row(
                    "SELECT access_token_expires_at FROM integrations WHERE id = ?1",
                    [&id],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .optional()?
                .flatten())
            })
        })
        .await
        .ok()
        .flatten()
        .is_none_or(|at| at > time::now_ms() + 5 * 60_000)
    };
    if fresh {
        if let Some(token) = sb.access_tokens().get(&i.id) {
            return Ok(token);
        }
    }
    let run = sb
        .test_integration(&crate::Actor::system("sync"), &i.id)
        .await
        .map_err(|e| Ended::RetryBecause(e.to_string(), None))?;
    sb.access_tokens().get(&i.id).ok_or_else(|| {
        Ended::RetryBecause(
            format!("{} {}", run.test.outcome.summary, run.test.outcome.action),
            None,
        )
    })
}

mod texts {
    use super::*;
    use crate::providers::twilio_messages::{Sender, TwilioMessages};

    /// How long after sending Switchboard keeps asking Twilio for a final status.
    const POLL_FOR: i64 = 24 * 3_600_000;

    fn poll_after(attempts: u32) -> Duration {
        Duration::from_secs(match attempts {
            0 => 10,
            1 => 30,
            2 => 60,
            3 => 300,
            4 => 900,
            _ => 3600,
        })
    }

    pub(super) async fn perform(
        sb: &Arc<Switchboard>,
        job: &ClaimedJob,
        calls: &mut Calls,
    ) -> Ended {
        let twilio = match sb.twilio(&job.integration_id).await {
            Ok(t) => t,
            Err(e) => return Ended::Permanent(e.to_string()),
        };
        let api = sb.api(&twilio.base_url);
        let client = TwilioMessages::new(api, twilio.auth());
        if let Some(sid) = job.provider_object.clone() {
            return follow(&client, job, &sid, calls, twilio.test_credentials).await;
        }
        let i = match integration(sb, &job.integration_id).await {
            Ok(i) => i,
            Err(e) => return e,
        };
        let appointment = match AppointmentData::from_data(&job.data) {
            Ok(a) => a,
            Err(issues) => return lacking(&issues),
        };
        let phone = appointment.owner_phone.clone();
        let masked = mask_phone(&phone);
        if !appointment.may_text() {
            return JobOutcome::Skip {
                reason: "The owner has not agreed to texts (sms_consent is false).".into(),
            }
            .into();
        }
        let opted_out = {
            let phone = phone.clone();
            sb.blocking(move |sb| {
                sb.db().read(|c| {
                    Ok(c.query_row(
                        "SELECT EXISTS (SELECT 1 FROM sms_opt_outs WHERE phone = ?1)",
                        [&phone],
                        |r| r.get::<_, bool>(0),
                    )?)
                })
            })
            .await
            .unwrap_or(false)
        };
        if opted_out {
            return JobOutcome::Skip {
                reason: format!(
                    "{masked} replied STOP: no texts until a manager clears the number."
                ),
            }
            .into();
        }
        let now = jiff::Timestamp::now();
        if job.kind != JobKind::TextCancellation && appointment.start_at <= now {
            return JobOutcome::Skip {
                reason: "The appointment has already started.".into(),
            }
            .into();
        }
        let tz_name = setting(&i, "time_zone");
        let tz = crate::jobs::clinic_time_zone(Some(tz_name.as_str()).filter(|s| !s.is_empty()));
        let quiet = QuietHours::parse(
            "quiet_start",
            &setting(&i, "quiet_start"),
            "quiet_end",
            &setting(&i, "quiet_end"),
        )
        .unwrap_or_default();
        if quiet.is_quiet(now, &tz) {
            let until = quiet.earliest_allowed(now, &tz);
            let wait = until.duration_since(now).unsigned_abs();
            return JobOutcome::Defer {
                after: wait,
                reason: format!(
                    "Quiet hours: waits until {}.",
                    until.to_zoned(tz.clone()).strftime("%H:%M")
                ),
            }
            .into();
        }
        let field = match job.kind {
            JobKind::TextConfirmation => "confirmation_template",
            JobKind::TextReminder => "reminder_template",
            _ => "cancellation_template",
        };
        let template = match Template::parse(field, &setting(&i, field)) {
            Ok(t) => t,
            Err(issue) => {
                return Ended::Permanent(format!("The {field} setting: {}", issue.message))
            }
        };
        let clinic_name = sb
            .blocking(|sb| sb.settings())
            .await
            .ok()
            .and_then(|s| s.clinic_name)
            .unwrap_or_default();
        let start = appointment.start_at.to_zoned(tz);
        let values = Values {
            clinic_name: &clinic_name,
            pet_name: appointment.pet_name.as_deref(),
            owner_name: appointment.owner_name.as_deref(),
            vet_name: appointment.vet_name.as_deref(),
            start: &start,
        };
        let body = match template.render(&values) {
            Ok(b) => b,
            Err(missing) => return Ended::Permanent(format!("Not sent: {missing}.")),
        };
        let segments = switchboard_domain::sms::count_segments(&body);
        // A reminder is worthless after the visit: Twilio drops it if still queued by then.
        let validity = u32::try_from(appointment.start_at.duration_since(now).as_secs())
            .ok()
            .map(|s| s.clamp(60, 36_000));
        let sender = if twilio.sender.starts_with("MG") {
            Sender::MessagingService(&twilio.sender)
        } else {
            Sender::From(&twilio.sender)
        };
        // A long code sends one segment a second: the sender's lane waits for this text's share.
        let lane = crate::providers::limits::Limits::twilio_lane(&twilio.sender);
        let limits = crate::providers::limits::LaneLimits::twilio_sender(1);
        let sent = {
            let _permit = sb
                .provider_limits()
                .acquire(&lane, limits, segments.segments)
                .await;
            calls.keep(client.send_message(sender, &phone, &body, validity).await)
        };
        if let Err(f) = &sent {
            if f.verdict == VerdictKind::RateLimited {
                let wait = Duration::from_secs(u64::from(f.retry_after_s.unwrap_or(1)));
                sb.provider_limits().pause(&lane, limits, wait);
            }
        }
        match sent {
            Ok(message) => {
                calls.provider_object = Some(message.sid.clone());
                calls.provider_state = Some(message.status.as_str().to_owned());
                calls.detail = Some(json!({
                    "to": masked,
                    "segments": segments.segments,
                    "encoding": segments.encoding.as_str(),
                    "sent_at": time::now_ms(),
                }));
                if twilio.test_credentials {
                    // Test credentials cannot read a message back: accepted is all there is.
                    return JobOutcome::Done {
                        provider_object: Some(message.sid),
                    }
                    .into();
                }
                JobOutcome::Poll {
                    after: poll_after(0),
                }
                .into()
            }
            Err(f) => match f.code.as_deref() {
                Some("21610") => {
                    calls.findings.push(Finding::OptedOut { phone });
                    JobOutcome::Skip {
                        reason: format!("{masked} replied STOP to this sender (Twilio 21610): no more texts until a manager clears the number."),
                    }
                    .into()
                }
                Some("21211" | "21614" | "21635") => JobOutcome::Skip {
                    reason: f.reason.clone(),
                }
                .into(),
                _ => failed(&f),
            },
        }
    }

    /// A sent text: asks Twilio where it is until its status is final.
    async fn follow(
        client: &TwilioMessages<'_>,
        job: &ClaimedJob,
        sid: &str,
        calls: &mut Calls,
        test_credentials: bool,
    ) -> Ended {
        if test_credentials {
            return JobOutcome::Done {
                provider_object: Some(sid.to_owned()),
            }
            .into();
        }
        let fetched = calls.keep(client.fetch_message(sid).await);
        let message = match fetched {
            Ok(m) => m,
            Err(f) => return failed(&f),
        };
        let previous = job
            .provider_state
            .as_deref()
            .and_then(|s| MessageStatus::parse("status", s).ok());
        let status = previous.map_or(message.status, |p| {
            MessageStatus::advance(p, message.status)
        });
        calls.provider_state = Some(status.as_str().to_owned());
        match status {
            MessageStatus::Delivered | MessageStatus::Read => JobOutcome::Done {
                provider_object: Some(sid.to_owned()),
            }
            .into(),
            MessageStatus::Undelivered | MessageStatus::Failed | MessageStatus::Canceled => {
                let code = message
                    .error_code
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                let meaning = message
                    .error_meaning
                    .clone()
                    .unwrap_or_else(|| "no reason given".into());
                if code == "30004" || code == "21610" {
                    calls.findings.push(Finding::OptedOut {
                        phone: message.to.clone(),
                    });
                }
                Ended::Permanent(format!(
                    "Twilio could not deliver the text ({}): {meaning}{}.",
                    status.as_str(),
                    if code.is_empty() {
                        String::new()
                    } else {
                        format!(" ({code})")
                    }
                ))
            }
            _ => {
                let sent_at = job
                    .detail
                    .get("sent_at")
                    .and_then(serde_json::Value::as_i64);
                if sent_at.is_some_and(|at| time::now_ms() - at > POLL_FOR) {
                    // `sent` can stay forever when no delivery receipt comes.
                    return JobOutcome::Done {
                        provider_object: Some(sid.to_owned()),
                    }
                    .into();
                }
                JobOutcome::Poll {
                    after: poll_after(job.attempts + 1),
                }
                .into()
            }
        }
    }
}

mod quickbooks {
    use rust_decimal::Decimal;

    use super::*;
    use crate::providers::call::Api;
    use crate::providers::limits::{LaneLimits, Limits};
    use crate::providers::quickbooks_api::{
        self, NewCustomer, NewInvoice, NewPayment, QuickbooksApi,
    };

    /// `requestid` (≤ 50 characters): the same for every attempt at one job, so a retry after a
    /// crash gets QuickBooks's first answer instead of a second object.
    fn request_id(what: &str, job: &ClaimedJob, install: &str) -> String {
        let install: String = install
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        format!("sw-{install}-{what}-{}", job.id)
    }

    fn link(
        sb: &Switchboard,
        integration: &str,
        kind: &str,
        clinic_id: &str,
    ) -> Option<(String, serde_json::Value)> {
        sb.db()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT provider_id, detail FROM sync_links WHERE integration_id = ?1 AND kind = ?2 AND clinic_id = ?3",
                    [integration, kind, clinic_id],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()?)
            })
            .ok()
            .flatten()
            .map(|(id, detail)| (id, serde_json::from_str(&detail).unwrap_or_default()))
    }

    struct Ctx {
        i: crate::integrations::Integration,
        token: Secret,
        realm: String,
        base: String,
        install: String,
    }

    async fn context(sb: &Arc<Switchboard>, job: &ClaimedJob) -> Result<Ctx, Ended> {
        let i = integration(sb, &job.integration_id).await?;
        let realm = setting(&i, "realm_id");
        if realm.is_empty() {
            return Err(Ended::RetryBecause(
                "QuickBooks is not connected yet (no company id): press Connect on its card."
                    .into(),
                None,
            ));
        }
        let token = access_token(sb, &i).await?;
        let base = i.base_url.clone().unwrap_or_else(|| {
            providers::spec(Provider::Quickbooks)
                .environment(&i.environment)
                .map_or("", |e| e.base_url)
                .to_owned()
        });
        let install = sb.blocking(|sb| sb.install_id()).await.unwrap_or_default();
        Ok(Ctx {
            i,
            token,
            realm,
            base,
            install,
        })
    }

    /// Waits for the company's lane (500 requests a minute, 10 at once) before a call.
    async fn lane(sb: &Switchboard, ctx: &Ctx) -> crate::providers::limits::Permit {
        sb.provider_limits()
            .acquire(
                &Limits::quickbooks_lane(&ctx.realm),
                LaneLimits::QUICKBOOKS,
                1,
            )
            .await
    }

    /// A 429 pauses the whole lane, so the other jobs of this company wait too.
    fn throttled(sb: &Switchboard, ctx: &Ctx, f: &CallFailure) {
        if f.verdict == VerdictKind::RateLimited {
            let wait = Duration::from_secs(u64::from(f.retry_after_s.unwrap_or(60)));
            sb.provider_limits().pause(
                &Limits::quickbooks_lane(&ctx.realm),
                LaneLimits::QUICKBOOKS,
                wait,
            );
        }
    }

    /// One QuickBooks call in the company's lane: waits for a permit, and a 429 pauses the lane.
    async fn qcall<T>(
        sb: &Switchboard,
        ctx: &Ctx,
        call: impl std::future::Future<Output = Called<T>>,
    ) -> Called<T> {
        let _permit = lane(sb, ctx).await;
        let called = call.await;
        if let Err(f) = &called.result {
            throttled(sb, ctx, f);
        }
        called
    }

    fn api<'a>(sb: &'a Arc<Switchboard>, ctx: &'a Ctx) -> QuickbooksApi<'a> {
        let mut api = Api::new(sb.http(), &ctx.base);
        api.timeout = sb.timeouts().total;
        QuickbooksApi::new(api, &ctx.realm, &ctx.token)
    }

    /// The owner as a Customer: the kept mapping, else found by name, else created. A name
    /// already used by a vendor or employee (6240) gets the owner's id added.
    async fn customer(
        sb: &Arc<Switchboard>,
        q: &QuickbooksApi<'_>,
        ctx: &Ctx,
        job: &ClaimedJob,
        inv: &InvoiceData,
        calls: &mut Calls,
    ) -> Result<String, Ended> {
        let known = {
            let (id, owner) = (ctx.i.id.clone(), inv.owner_id.clone());
            sb.blocking(move |sb| Ok(link(sb, &id, "customer", &owner)))
                .await
                .ok()
                .flatten()
        };
        if let Some((id, _)) = known {
            return Ok(id);
        }
        let name = inv.owner_name.replace(':', " ");
        if let Some(found) = calls
            .keep(qcall(sb, ctx, q.find_customer_by_display_name(&name)).await)
            .map_err(|f| failed(&f))?
        {
            remember_customer(calls, inv, &found.id);
            return Ok(found.id);
        }
        let new = |display: String| NewCustomer {
            display_name: display,
            given_name: None,
            family_name: None,
            primary_email_addr: inv
                .owner_email
                .clone()
                .map(|address| quickbooks_api::EmailAddr { address }),
            primary_phone: None,
        };
        let rid = request_id("cust", job, &ctx.install);
        match calls.keep(qcall(sb, ctx, q.create_customer(&rid, &new(name.clone()))).await) {
            Ok(c) => {
                remember_customer(calls, inv, &c.id);
                Ok(c.id)
            }
            Err(f) if f.code.as_deref() == Some("6240") => {
                // Another customer, vendor or employee has the name: resolved with the owner's
                // id, never retried as is.
                let display = format!("{name} ({})", inv.owner_id);
                if let Some(found) = calls
                    .keep(qcall(sb, ctx, q.find_customer_by_display_name(&display)).await)
                    .map_err(|f| failed(&f))?
                {
                    remember_customer(calls, inv, &found.id);
                    return Ok(found.id);
                }
                let rid = request_id("cust2", job, &ctx.install);
                let c = calls
                    .keep(qcall(sb, ctx, q.create_customer(&rid, &new(display))).await)
                    .map_err(|f| failed(&f))?;
                remember_customer(calls, inv, &c.id);
                Ok(c.id)
            }
            Err(f) => Err(failed(&f)),
        }
    }

    fn remember_customer(calls: &mut Calls, inv: &InvoiceData, id: &str) {
        calls.findings.push(Finding::Link {
            kind: "customer",
            clinic_id: inv.owner_id.clone(),
            provider_id: id.to_owned(),
            detail: json!({ "name": inv.owner_name }),
        });
    }

    pub(super) async fn invoice(
        sb: &Arc<Switchboard>,
        job: &ClaimedJob,
        calls: &mut Calls,
    ) -> Ended {
        let inv = match InvoiceData::from_data(&job.data) {
            Ok(i) => i,
            Err(issues) => return lacking(&issues),
        };
        let ctx = match context(sb, job).await {
            Ok(c) => c,
            Err(e) => return e,
        };
        // Lines → Items by kind: the manager's choice from the company's own Items.
        let mut lines = Vec::new();
        for (n, line) in inv.lines.iter().enumerate() {
            let field = format!("item_{}", line.kind.as_str());
            let item = setting(&ctx.i, &field);
            if item.is_empty() {
                return Ended::Permanent(format!(
                    "Line {} is a {} line and no QuickBooks Item is chosen for {} lines: choose one in the integration's Sync settings ({field}).",
                    n + 1,
                    line.kind.as_str(),
                    line.kind.as_str()
                ));
            }
            let amount = line.amount.as_decimal();
            let qty = line.quantity.unwrap_or(Decimal::ONE);
            let unit = line.unit_price.map(|p| p.as_decimal()).unwrap_or_else(|| {
                if qty.is_zero() {
                    amount
                } else {
                    amount / qty
                }
            });
            lines.push(quickbooks_api::InvoiceLine {
                item_id: item,
                description: line.description.clone(),
                qty,
                unit_price: unit,
                amount,
                tax_code: None,
            });
        }
        let q = api(sb, &ctx);
        let customer_id = match customer(sb, &q, &ctx, job, &inv, calls).await {
            Ok(c) => c,
            Err(e) => return e,
        };
        let new = NewInvoice {
            customer_id: customer_id.clone(),
            doc_number: inv.number.clone(),
            txn_date: inv.issued_on.map(|d| d.to_string()),
            memo: None,
            lines,
        };
        let rid = request_id("inv", job, &ctx.install);
        match calls.keep(qcall(sb, &ctx, q.create_invoice(&rid, &new)).await) {
            Ok(created) => {
                let clinic = inv.total.as_decimal();
                let mismatch = created.total_amt != clinic;
                calls.provider_state = Some(if mismatch {
                    format!(
                        "Total {} — the clinic's is {}",
                        created.total_amt, inv.total
                    )
                } else {
                    format!("Total {}", created.total_amt)
                });
                calls.detail = Some(json!({
                    "clinic_total": inv.total.to_string(),
                    "quickbooks_total": created.total_amt.to_string(),
                    "quickbooks_balance": created.balance.to_string(),
                    "mismatch": mismatch,
                    "customer_id": customer_id,
                }));
                calls.findings.push(Finding::Link {
                    kind: "invoice",
                    clinic_id: inv.id.clone(),
                    provider_id: created.id.clone(),
                    detail: json!({ "customer_id": customer_id, "total": created.total_amt.to_string() }),
                });
                JobOutcome::Done {
                    provider_object: Some(format!("Invoice {}", created.id)),
                }
                .into()
            }
            Err(f) if f.code.as_deref() == Some("6140") => {
                let txn = quickbooks_api::duplicate_txn_id(&f)
                    .map(|t| format!(" (transaction {t})"))
                    .unwrap_or_default();
                Ended::Permanent(format!(
                    "QuickBooks already has an invoice numbered {}{txn}; it was not created again. Check it in QuickBooks, then skip or acknowledge this job.",
                    inv.number.as_deref().unwrap_or("(none)")
                ))
            }
            Err(f) => failed(&f),
        }
    }

    pub(super) async fn payment(
        sb: &Arc<Switchboard>,
        job: &ClaimedJob,
        calls: &mut Calls,
    ) -> Ended {
        // invoice.paid, or a card payment (payment.completed) naming the invoice.
        let (invoice_id, amount, method, paid_at, reference) =
            match InvoicePaidData::from_data(&job.data) {
                Ok(p) => (
                    p.invoice_id,
                    p.amount,
                    p.method.map(|m| m.as_str().to_owned()),
                    p.paid_at,
                    p.payment_id,
                ),
                Err(first) => match PaymentData::from_data(&job.data) {
                    Ok(p) if p.invoice_ref().is_some() => (
                        p.invoice_ref().unwrap_or_default().to_owned(),
                        p.amount,
                        Some("card".to_owned()),
                        None,
                        p.id.clone(),
                    ),
                    _ => return lacking(&first),
                },
            };
        let ctx = match context(sb, job).await {
            Ok(c) => c,
            Err(e) => return e,
        };
        let known = {
            let (id, inv) = (ctx.i.id.clone(), invoice_id.clone());
            sb.blocking(move |sb| Ok(link(sb, &id, "invoice", &inv)))
                .await
                .ok()
                .flatten()
        };
        let Some((qbo_invoice, detail)) = known else {
            return Ended::RetryBecause(
                format!("Invoice {invoice_id} is not in QuickBooks yet; the payment waits for it."),
                Some(Duration::from_secs(60)),
            );
        };
        let Some(customer_id) = detail
            .get("customer_id")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
        else {
            return Ended::Permanent(format!(
                "The QuickBooks invoice for {invoice_id} has no customer on record."
            ));
        };
        let method_id = method
            .as_deref()
            .map(|m| setting(&ctx.i, &format!("payment_method_{m}")))
            .filter(|s| !s.is_empty());
        let deposit = Some(setting(&ctx.i, "deposit_account")).filter(|s| !s.is_empty());
        let q = api(sb, &ctx);
        let new = NewPayment {
            customer_id,
            total: amount.as_decimal(),
            txn_date: paid_at.map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()),
            payment_method_id: method_id,
            deposit_account_id: deposit,
            reference,
            applied_to: vec![(qbo_invoice.clone(), amount.as_decimal())],
        };
        let rid = request_id("pay", job, &ctx.install);
        match calls.keep(qcall(sb, &ctx, q.create_payment(&rid, &new)).await) {
            Ok(p) => {
                calls.provider_state =
                    Some(format!("Paid {} on invoice {qbo_invoice}", p.total_amt));
                calls.findings.push(Finding::Link {
                    kind: "payment",
                    clinic_id: job.event_id.clone().unwrap_or_else(|| job.id.to_string()),
                    provider_id: p.id.clone(),
                    detail: json!({ "invoice": qbo_invoice, "amount": p.total_amt.to_string() }),
                });
                JobOutcome::Done {
                    provider_object: Some(format!("Payment {}", p.id)),
                }
                .into()
            }
            Err(f) => failed(&f),
        }
    }
}

/// The company's Items, Accounts and PaymentMethods, read live for the settings' dropdowns.
pub(super) async fn quickbooks_choices(
    sb: &Arc<Switchboard>,
    i: &crate::integrations::Integration,
) -> crate::Result<super::QuickbooksChoices> {
    use crate::providers::call::Api;
    use crate::providers::quickbooks_api::QuickbooksApi;
    let unavailable = |e: Ended| match e {
        Ended::Permanent(r) | Ended::RetryBecause(r, _) => crate::Error::Provider(r),
        Ended::Outcome(_) => crate::Error::Provider("QuickBooks is not connected.".into()),
    };
    let token = access_token(sb, i).await.map_err(unavailable)?;
    let realm = setting(i, "realm_id");
    let base = i.base_url.clone().unwrap_or_else(|| {
        providers::spec(Provider::Quickbooks)
            .environment(&i.environment)
            .map_or("", |e| e.base_url)
            .to_owned()
    });
    let mut api = Api::new(sb.http(), &base);
    api.timeout = sb.timeouts().total;
    let q = QuickbooksApi::new(api, &realm, &token);
    let refused = |f: CallFailure| crate::Error::Provider(f.reason);
    Ok(super::QuickbooksChoices {
        items: q.list_items().await.result.map_err(refused)?,
        accounts: q.list_accounts().await.result.map_err(refused)?,
        payment_methods: q.list_payment_methods().await.result.map_err(refused)?,
    })
}

mod square {
    use super::*;
    use crate::providers::call::Api;
    use crate::providers::square_payments::{SquarePayment, SquarePayments, SquareRefund};
    use crate::webhooks::events::{prepare, EmitRequest};
    use switchboard_domain::money::{Currency, Money};

    /// Payments are re-read this far behind the watermark: Square's lists are "eventually
    /// consistent… several seconds".
    const OVERLAP_MS: i64 = 5 * 60_000;
    /// Pages read per poll at most; the rest waits for the next poll.
    const MAX_PAGES: usize = 50;

    fn money(m: &crate::providers::square_payments::Money) -> Option<(String, String)> {
        let currency = Currency::parse(&m.currency)?;
        let amount = Money::from_minor_units(m.amount, currency).ok()?;
        Some((amount.to_string(), currency.code().to_owned()))
    }

    /// The event id for a Square object in a state: the same every time it is read, so each is
    /// emitted once however often the overlap re-reads it.
    fn event_id(object: &str, state: &str) -> String {
        let id = format!("evt_sq_{object}_{state}");
        if id.len() <= 68
            && id[4..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return id;
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("{object}/{state}").as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("evt_sq_{hex}_{state}")
    }

    fn payment_event(p: &SquarePayment) -> Option<EmitRequest> {
        let kind = match p.status.as_str() {
            "COMPLETED" => "completed",
            "FAILED" => "failed",
            _ => return None,
        };
        let (amount, currency) = money(p.total_money.as_ref().unwrap_or(&p.amount_money))?;
        let mut data = json!({
            "id": p.id,
            "amount": amount,
            "currency": currency,
            "source": "square",
        });
        if let Some(r) = &p.reference_id {
            data["reference_id"] = json!(r);
            data["invoice_id"] = json!(r);
        }
        if let Some(u) = &p.receipt_url {
            data["receipt_url"] = json!(u);
        }
        Some(EmitRequest {
            event_type: format!("payment.{kind}"),
            data: data.to_string(),
            id: Some(event_id(&p.id, kind)),
        })
    }

    fn refund_event(r: &SquareRefund) -> Option<EmitRequest> {
        if r.status != "COMPLETED" {
            return None;
        }
        let (amount, currency) = money(&r.amount_money)?;
        let data = json!({
            "id": r.id,
            "amount": amount,
            "currency": currency,
            "source": "square",
            "reference_id": r.payment_id,
        });
        Some(EmitRequest {
            event_type: "payment.refunded".into(),
            data: data.to_string(),
            id: Some(event_id(&r.id, "refunded")),
        })
    }

    pub(super) async fn poll(sb: &Arc<Switchboard>, job: &ClaimedJob, calls: &mut Calls) -> Ended {
        let i = match integration(sb, &job.integration_id).await {
            Ok(i) => i,
            Err(e) => return e,
        };
        let every = setting(&i, "poll_minutes")
            .parse::<u64>()
            .unwrap_or(5)
            .clamp(1, 1440);
        let token = match access_token(sb, &i).await {
            Ok(t) => t,
            Err(e) => return e,
        };
        let location = setting(&i, "location_id");
        let version = setting(&i, "square_version");
        let base = i.base_url.clone().unwrap_or_else(|| {
            providers::spec(Provider::Square)
                .environment(&i.environment)
                .map_or("", |e| e.base_url)
                .to_owned()
        });
        let mut api = Api::new(sb.http(), &base);
        api.timeout = sb.timeouts().total;
        let client = SquarePayments::new(api, &token, &version);
        let started = time::now_ms();
        let watermark: i64 = {
            let id = i.id.clone();
            sb.blocking(move |sb| {
                sb.db().read(|c| {
                    Ok(c.query_row(
                        "SELECT value FROM sync_state WHERE integration_id = ?1 AND key = 'square_watermark'",
                        [&id],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?)
                })
            })
            .await
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            // The first poll looks back a day.
            .unwrap_or(started - 24 * 3_600_000)
        };
        let since = time::to_rfc3339(watermark - OVERLAP_MS);
        let location = Some(location.as_str()).filter(|l| !l.is_empty());
        let mut events = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = match calls.keep(
                client
                    .list_payments(location, Some(&since), cursor.as_deref())
                    .await,
            ) {
                Ok(p) => p,
                Err(f) => return failed(&f),
            };
            events.extend(page.items.iter().filter_map(payment_event));
            cursor = page.cursor;
            if cursor.is_none() {
                break;
            }
        }
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = match calls.keep(
                client
                    .list_refunds(location, Some(&since), cursor.as_deref())
                    .await,
            ) {
                Ok(p) => p,
                Err(f) => return failed(&f),
            };
            events.extend(page.items.iter().filter_map(refund_event));
            cursor = page.cursor;
            if cursor.is_none() {
                break;
            }
        }
        let mut prepared = Vec::with_capacity(events.len());
        for e in &events {
            match prepare(e) {
                Ok(p) => prepared.push(p),
                Err(err) => {
                    tracing::warn!(error = %err, "a Square payment could not become an event")
                }
            }
        }
        calls.provider_state = Some(match prepared.len() {
            0 => "Nothing new".to_owned(),
            1 => "1 payment or refund read".to_owned(),
            n => format!("{n} payments and refunds read"),
        });
        calls.findings.push(Finding::Events(prepared));
        calls.findings.push(Finding::State {
            key: "square_watermark",
            value: started.to_string(),
        });
        JobOutcome::Poll {
            after: Duration::from_secs(every * 60),
        }
        .into()
    }
}
