//! The pure rules of appointment texts: templates and their placeholders, how many segments a
//! text costs (GSM-7 / UCS-2), quiet hours in the clinic's time zone and when a reminder is due.
//! The sync engine (core) does the sending; these decide what and when.

pub mod quiet;
pub mod segments;
pub mod template;

pub use quiet::{reminder_due, time_zone, QuietHours, DEFAULT_REMINDER_HOURS};
pub use segments::{count as count_segments, Encoding, SegmentCount, MAX_CHARACTERS};
pub use template::{Placeholder, Template, Values};
