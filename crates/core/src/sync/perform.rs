//! Performing one job at its provider: the rules' provider side. Each kind reads its event's
//! `data`, the integration's settings and secrets, asks the provider, and classifies the answer
//! as a [`JobOutcome`] for the domain's state machine.

use std::sync::Arc;

use switchboard_domain::job::{JobKind, JobOutcome};

use super::worker::{ClaimedJob, Performed};
use crate::Switchboard;

pub(super) async fn perform(sb: Arc<Switchboard>, job: ClaimedJob) -> Performed {
    let _ = &sb;
    match job.kind {
        JobKind::TextConfirmation
        | JobKind::TextReminder
        | JobKind::TextCancellation
        | JobKind::QboInvoice
        | JobKind::QboPayment
        | JobKind::SquarePoll => Performed::without_request(
            JobOutcome::Retry { retry_after: None },
            "This build cannot perform this job yet.",
        ),
    }
}
