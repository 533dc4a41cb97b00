//! What the fake remembers between requests: scenarios, recorded requests, QuickBooks tokens.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{FakeProvider, RecordedRequest, Scenario};

#[derive(Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
}

#[derive(Default)]
pub(crate) struct State {
    twilio: Scenario,
    square: Scenario,
    quickbooks: Scenario,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) quickbooks_tokens: QuickbooksTokens,
    pub(crate) twilio_messages: crate::twilio_messages::TwilioMessages,
    pub(crate) quickbooks_api: crate::quickbooks_api::QuickbooksApi,
    pub(crate) square_payments: crate::square_payments::SquarePayments,
    /// The authorization servers' codes and tokens (`oauth.rs`).
    pub(crate) oauth: crate::oauth::OAuthState,
}

/// The token endpoint's memory: which refresh token it accepts and which access token the API does.
#[derive(Default)]
pub(crate) struct QuickbooksTokens {
    /// `None`: accept the first refresh token presented. `Some`: only this one.
    pub(crate) accepted_refresh_token: Option<String>,
    pub(crate) access_token: Option<String>,
    pub(crate) issued: u64,
}

impl State {
    pub(crate) fn scenario(&self, provider: FakeProvider) -> Scenario {
        match provider {
            FakeProvider::Twilio => self.twilio,
            FakeProvider::Square => self.square,
            FakeProvider::Quickbooks => self.quickbooks,
        }
    }

    pub(crate) fn set_scenario(&mut self, provider: FakeProvider, scenario: Scenario) {
        let slot = match provider {
            FakeProvider::Twilio => &mut self.twilio,
            FakeProvider::Square => &mut self.square,
            FakeProvider::Quickbooks => &mut self.quickbooks,
        };
        *slot = scenario;
    }
}

impl Shared {
    /// A poisoned lock only means a test panicked mid-update; the data is still usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
