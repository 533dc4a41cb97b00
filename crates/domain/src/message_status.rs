//! A Twilio message's status (sync-apis.md §1.2): the 13 names of the API, which are final, and
//! their order, so a status read late never moves a message backwards.

use serde::{Deserialize, Serialize};

use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Accepted,
    Scheduled,
    Queued,
    Sending,
    Sent,
    Delivered,
    Undelivered,
    Failed,
    Canceled,
    Receiving,
    Received,
    Read,
    PartiallyDelivered,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 13] = [
        MessageStatus::Accepted,
        MessageStatus::Scheduled,
        MessageStatus::Queued,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Undelivered,
        MessageStatus::Failed,
        MessageStatus::Canceled,
        MessageStatus::Receiving,
        MessageStatus::Received,
        MessageStatus::Read,
        MessageStatus::PartiallyDelivered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Accepted => "accepted",
            MessageStatus::Scheduled => "scheduled",
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Undelivered => "undelivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Canceled => "canceled",
            MessageStatus::Receiving => "receiving",
            MessageStatus::Received => "received",
            MessageStatus::Read => "read",
            MessageStatus::PartiallyDelivered => "partially_delivered",
        }
    }

    pub fn parse(field: &str, name: &str) -> Result<MessageStatus, Invalid> {
        MessageStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
            .ok_or_else(|| Invalid::new(field, format!("unknown message status {name:?}")))
    }

    /// Nothing more will happen to the message. `sent` is not final even though it may stay so
    /// forever when no delivery receipt comes.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MessageStatus::Delivered
                | MessageStatus::Undelivered
                | MessageStatus::Failed
                | MessageStatus::Canceled
                | MessageStatus::Received
                | MessageStatus::Read
        )
    }

    /// How far along the outbound flow a status is; a later poll may only move forward.
    pub fn rank(self) -> u8 {
        match self {
            MessageStatus::Scheduled => 0,
            MessageStatus::Accepted => 1,
            MessageStatus::Queued => 2,
            MessageStatus::Sending | MessageStatus::Receiving => 3,
            MessageStatus::Sent => 4,
            MessageStatus::PartiallyDelivered => 5,
            MessageStatus::Delivered
            | MessageStatus::Undelivered
            | MessageStatus::Failed
            | MessageStatus::Canceled
            | MessageStatus::Received => 6,
            MessageStatus::Read => 7,
        }
    }

    /// The status to keep when `seen` is read after `current`.
    pub fn advance(current: MessageStatus, seen: MessageStatus) -> MessageStatus {
        if seen.rank() >= current.rank() && !current.is_final() || seen.rank() > current.rank() {
            seen
        } else {
            current
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        for status in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse("status", status.as_str()), Ok(status));
        }
        assert_eq!(
            MessageStatus::parse("status", "lost").unwrap_err().field,
            "status"
        );
    }

    #[test]
    fn final_statuses() {
        let finals: Vec<_> = MessageStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(
            finals,
            [Delivered, Undelivered, Failed, Canceled, Received, Read]
        );
    }

    #[test]
    fn a_late_read_never_moves_a_status_backwards() {
        assert_eq!(MessageStatus::advance(Queued, Sent), Sent);
        assert_eq!(MessageStatus::advance(Sent, Queued), Sent);
        assert_eq!(MessageStatus::advance(Delivered, Sent), Delivered);
        assert_eq!(MessageStatus::advance(Sent, Undelivered), Undelivered);
        // Two finals of the same rank: the first one stays.
        assert_eq!(MessageStatus::advance(Delivered, Failed), Delivered);
        assert_eq!(MessageStatus::advance(Delivered, Read), Read);
    }
}
