//! Twilio "Send a test text": a real SMS to a number the manager types, from the configured
//! sender, then its status read back on request (a desktop app cannot receive Twilio's status
//! callbacks). Each send is audited with the number masked to its last four digits. With test
//! credentials Twilio validates the magic numbers and sends nothing, and refuses every status read
//! (403, 20008), which is explained rather than shown as a failure.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, Record};
use crate::error::{Error, Result};
use crate::integrations::{self, secret_account};
use crate::providers::call::{Api, CallFailure, Called};
use crate::providers::twilio_messages::{Message, Sender, TwilioAuth, TwilioMessages};
use crate::providers::Provider;
use crate::secrets::Secret;
use crate::Switchboard;
pub use switchboard_domain::message_status::MessageStatus;
use switchboard_domain::phone;
use switchboard_domain::provider_errors::VerdictKind;

/// The text sent.
pub const TEST_TEXT_BODY: &str = "Switchboard test text: your Twilio connection can send messages.";

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TestTextRequest {
    /// The number to text, as typed (spaces and dashes are fine).
    pub to: String,
}

/// Where a test text stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TestText {
    pub integration_id: String,
    /// Twilio's message SID; `None` when Twilio refused the text.
    pub sid: Option<String>,
    /// The number, masked to its last four digits.
    pub to: String,
    pub status: Option<MessageStatus>,
    /// Nothing more will happen: delivered, undelivered, failed, refused, or unreadable.
    pub is_final: bool,
    /// Twilio's error code (a refusal's, or an undelivered or failed message's).
    pub error_code: Option<String>,
    /// What happened, in a sentence a clinic worker can act on.
    pub summary: String,
    /// Sent with test credentials: nothing was delivered, and the status cannot be read.
    pub test_credentials: bool,
}

/// A Twilio integration ready to send: its base URL, account and credential (also the sync
/// engine's appointment texts).
pub(crate) struct Twilio {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) test_credentials: bool,
    pub(crate) base_url: String,
    pub(crate) account_sid: String,
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) sender: String,
}

impl Switchboard {
    /// Sends a test text from a Twilio integration (by id or name) to `request.to`.
    /// Twilio's refusals and network failures are answers (`TestText` with a summary), not errors.
    pub async fn send_test_text(
        self: &Arc<Self>,
        actor: &Actor,
        id_or_name: &str,
        request: &TestTextRequest,
    ) -> Result<TestText> {
        self.authorized(actor, Operation::IntegrationTestText, id_or_name)
            .await?;
        let to = phone::e164("to", &request.to)?;
        let twilio = self.twilio(id_or_name).await?;
        let sender = if twilio.sender.starts_with("MG") {
            Sender::MessagingService(&twilio.sender)
        } else {
            Sender::From(&twilio.sender)
        };
        let api = self.api(&twilio.base_url);
        let called = TwilioMessages::new(api, twilio.auth())
            .send_message(sender, &to, TEST_TEXT_BODY, Some(600))
            .await;
        let text = sent(&twilio, &to, &called);
        let detail = match (&text.sid, &text.error_code) {
            (Some(sid), _) => format!("to {} · {sid} · {}", text.to, status_name(&text)),
            (None, Some(code)) => format!("to {} · refused ({code})", text.to),
            (None, None) => format!("to {} · not sent: {}", text.to, text.summary),
        };
        let outcome = if text.sid.is_some() {
            AuditResult::Ok
        } else {
            AuditResult::Failed
        };
        self.blocking({
            let actor = actor.clone();
            let (id, name) = (twilio.id.clone(), twilio.name.clone());
            move |sb| {
                sb.db().write(|tx| {
                    audit::append(
                        tx,
                        &Record {
                            actor: &actor,
                            action: Operation::IntegrationTestText.action(),
                            object_type: "integration",
                            object_id: Some(&id),
                            object_label: Some(&name),
                            changes: Vec::new(),
                            outcome,
                            detail: Some(detail),
                        },
                    )
                })
            }
        })
        .await?;
        Ok(text)
    }

    /// Reads a test text's status from Twilio.
    pub async fn test_text_status(
        self: &Arc<Self>,
        actor: &Actor,
        id_or_name: &str,
        sid: &str,
    ) -> Result<TestText> {
        self.authorized(actor, Operation::IntegrationTestTextStatus, id_or_name)
            .await?;
        let valid_sid = sid.len() == 34
            && (sid.starts_with("SM") || sid.starts_with("MM"))
            && sid[2..].chars().all(|c| c.is_ascii_hexdigit());
        if !valid_sid {
            return Err(Error::validation(
                "sid",
                "A message SID is SM followed by 32 hexadecimal characters.",
            ));
        }
        let twilio = self.twilio(id_or_name).await?;
        let api = self.api(&twilio.base_url);
        let called = TwilioMessages::new(api, twilio.auth())
            .fetch_message(sid)
            .await;
        Ok(polled(&twilio, sid, &called))
    }

    async fn authorized(self: &Arc<Self>, actor: &Actor, op: Operation, key: &str) -> Result<()> {
        let actor = actor.clone();
        let key = key.to_owned();
        self.blocking(move |sb| sb.authorize(&actor, op, Some(&key)))
            .await
    }

    pub(crate) fn api<'a>(self: &'a Arc<Self>, base_url: &'a str) -> Api<'a> {
        let mut api = Api::new(self.http(), base_url);
        api.timeout = self.timeouts().total;
        api
    }

    /// The Twilio integration `id_or_name` with its credential from the keychain.
    pub(crate) async fn twilio(self: &Arc<Self>, id_or_name: &str) -> Result<Twilio> {
        let key = id_or_name.to_owned();
        self.blocking(move |sb| {
            let stored = sb.db().read(|c| integrations::find(c, &key))?;
            if stored.provider != Provider::Twilio {
                return Err(Error::validation(
                    "integration",
                    format!("{} is not a Twilio integration.", stored.name),
                ));
            }
            let setting = |name: &str| stored.settings.get(name).cloned().unwrap_or_default();
            let api_key = setting("auth_method") == "api_key";
            let secret_field = if api_key {
                "api_key_secret"
            } else {
                "auth_token"
            };
            let Some(password) = sb
                .keychain()
                .get(&secret_account(&stored.id, secret_field))?
            else {
                return Err(Error::validation(
                    secret_field,
                    "This secret is not in this computer's keychain: enter it again on the integration's form.",
                ));
            };
            let sender = setting("sender");
            if sender.is_empty() {
                return Err(Error::validation(
                    "sender",
                    "Set the number or Messaging Service to send from first.",
                ));
            }
            let spec = crate::providers::spec(Provider::Twilio);
            let default_base = spec
                .environment(&stored.environment)
                .map_or("", |e| e.base_url)
                .to_owned();
            Ok(Twilio {
                test_credentials: stored.environment == "test",
                base_url: stored.base_url.clone().unwrap_or(default_base),
                username: if api_key {
                    setting("api_key_sid")
                } else {
                    setting("account_sid")
                },
                account_sid: setting("account_sid"),
                password,
                sender,
                id: stored.id,
                name: stored.name,
            })
        })
        .await
    }
}

impl Twilio {
    pub(crate) fn auth(&self) -> TwilioAuth<'_> {
        TwilioAuth {
            account_sid: &self.account_sid,
            username: &self.username,
            password: &self.password,
        }
    }
}

fn status_name(text: &TestText) -> &'static str {
    text.status.map_or("unknown", MessageStatus::as_str)
}

/// The answer to a send.
fn sent(twilio: &Twilio, to: &str, called: &Called<Message>) -> TestText {
    match &called.result {
        Ok(message) => {
            let mut text = from_message(twilio, message);
            if twilio.test_credentials && !text.is_final {
                text.is_final = true;
                text.summary = "Twilio accepted the text with test credentials: nothing is sent \
                                or billed, and test credentials cannot read message status."
                    .into();
            }
            text
        }
        Err(failure) => refused(twilio, phone::mask(to), failure),
    }
}

/// The answer to a status read.
fn polled(twilio: &Twilio, sid: &str, called: &Called<Message>) -> TestText {
    match &called.result {
        Ok(message) => from_message(twilio, message),
        Err(failure) if failure.code.as_deref() == Some("20008") => TestText {
            integration_id: twilio.id.clone(),
            sid: Some(sid.to_owned()),
            to: String::new(),
            status: None,
            is_final: true,
            error_code: None,
            summary: "Twilio accepted the text, but test credentials cannot read message status \
                      (Twilio answers 403 to every status read made with them)."
                .into(),
            test_credentials: true,
        },
        Err(failure) => {
            let mut text = refused(twilio, String::new(), failure);
            text.sid = Some(sid.to_owned());
            // A passing failure: the caller may read again.
            text.is_final = !matches!(
                failure.verdict,
                VerdictKind::Retry | VerdictKind::RateLimited
            );
            text.summary = format!("Could not read the text's status: {}", failure.reason);
            text
        }
    }
}

fn from_message(twilio: &Twilio, message: &Message) -> TestText {
    let code = message.error_code.map(|c| c.to_string());
    let meaning = message.error_meaning.clone();
    let summary = match (message.status, &code) {
        (MessageStatus::Delivered, _) => "Delivered: the phone received the test text.".to_owned(),
        (MessageStatus::Undelivered | MessageStatus::Failed, Some(code)) => format!(
            "{}: {} ({code}).",
            if message.status == MessageStatus::Failed {
                "Failed"
            } else {
                "Not delivered"
            },
            meaning.as_deref().unwrap_or("Twilio gave no reason")
        ),
        (MessageStatus::Undelivered, None) => "Not delivered: the carrier gave no reason.".into(),
        (MessageStatus::Failed, None) => "Failed: Twilio could not send it.".into(),
        (MessageStatus::Sent, _) => {
            "Sent: the carrier has it; waiting for the delivery receipt.".into()
        }
        (status, _) => format!("Twilio has the text: {}.", status.as_str()),
    };
    TestText {
        integration_id: twilio.id.clone(),
        sid: Some(message.sid.clone()),
        to: phone::mask(&message.to),
        status: Some(message.status),
        is_final: message.status.is_final(),
        error_code: code,
        summary,
        test_credentials: twilio.test_credentials,
    }
}

fn refused(twilio: &Twilio, to: String, failure: &CallFailure) -> TestText {
    let summary = match failure.verdict {
        VerdictKind::Reconnect => format!(
            "{} Check the Account SID and the token or API key on the integration's form.",
            failure.reason
        ),
        VerdictKind::RateLimited => format!("{} Try again in a minute.", failure.reason),
        _ => failure.reason.clone(),
    };
    TestText {
        integration_id: twilio.id.clone(),
        sid: None,
        to,
        status: None,
        is_final: true,
        error_code: failure.code.clone(),
        summary,
        test_credentials: twilio.test_credentials,
    }
}
