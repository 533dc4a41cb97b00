//! Quiet hours and reminder times, in the clinic's own time zone. Quiet hours are wall-clock
//! hours (21:00–08:00 by default): a window that starts after it ends crosses midnight, and on a
//! DST day the night is an hour shorter or longer, as the clinic's clocks say.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use crate::Invalid;

/// Reminders go this many hours before the appointment unless the rule says otherwise.
pub const DEFAULT_REMINDER_HOURS: u32 = 24;

/// The clinic's time zone by its IANA name (`"America/New_York"`). Names resolve from the
/// system's tzdb where there is one, else from the copy bundled with jiff, so a name valid on
/// one machine is valid on every machine.
pub fn time_zone(field: &str, name: &str) -> Result<TimeZone, Invalid> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Invalid::new(
            field,
            "Choose the clinic's time zone, e.g. America/New_York.",
        ));
    }
    jiff::tz::db().get(name).map_err(|_| {
        Invalid::new(
            field,
            format!("“{name}” is not a time zone name. Use an IANA name such as America/New_York or Europe/London."),
        )
    })
}

/// When texts may not be sent: from `start` until `end` on the clinic's wall clock. `start ==
/// end` means no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: Time,
    pub end: Time,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            start: Time::constant(21, 0, 0, 0),
            end: Time::constant(8, 0, 0, 0),
        }
    }
}

impl QuietHours {
    /// From two `HH:MM` settings, each error naming its field.
    pub fn parse(
        start_field: &str,
        start: &str,
        end_field: &str,
        end: &str,
    ) -> Result<QuietHours, Invalid> {
        let time = |field: &str, s: &str| {
            let s = s.trim();
            let ok = s.len() == 5 && s.as_bytes()[2] == b':';
            ok.then(|| s.parse::<Time>().ok())
                .flatten()
                .ok_or_else(|| Invalid::new(field, "Use a 24-hour time like 21:00."))
        };
        Ok(QuietHours {
            start: time(start_field, start)?,
            end: time(end_field, end)?,
        })
    }

    /// The quiet window containing `at`, as instants `[start, end)`, or `None` when `at` is
    /// not in quiet hours.
    pub fn window_containing(
        &self,
        at: Timestamp,
        tz: &TimeZone,
    ) -> Option<(Timestamp, Timestamp)> {
        if self.start == self.end {
            return None;
        }
        let local = tz.to_datetime(at);
        let (t, day) = (local.time(), local.date());
        let (start_day, end_day) = if self.start < self.end {
            if t >= self.start && t < self.end {
                (day, day)
            } else {
                return None;
            }
        } else if t >= self.start {
            (day, day.tomorrow().ok()?)
        } else if t < self.end {
            (day.yesterday().ok()?, day)
        } else {
            return None;
        };
        let start = first_instant_at(tz, start_day.to_datetime(self.start), None)?;
        let end = first_instant_at(tz, end_day.to_datetime(self.end), Some(at))?;
        Some((start.min(at), end.max(at)))
    }

    pub fn is_quiet(&self, at: Timestamp, tz: &TimeZone) -> bool {
        self.window_containing(at, tz).is_some()
    }

    /// The earliest instant at or after `at` when a text may be sent: `at` itself outside
    /// quiet hours, else the moment the window ends.
    pub fn earliest_allowed(&self, at: Timestamp, tz: &TimeZone) -> Timestamp {
        match self.window_containing(at, tz) {
            Some((_, end)) => end,
            None => at,
        }
    }
}

/// The first instant, not before `not_before` when given, at which the clinic's clock shows
/// `dt`. When the clock skips `dt` (spring forward), the instant the clock jumps past it; when
/// it shows `dt` twice (fall back), the first time unless that is before `not_before`.
fn first_instant_at(
    tz: &TimeZone,
    dt: DateTime,
    not_before: Option<Timestamp>,
) -> Option<Timestamp> {
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok(),
        AmbiguousOffset::Gap { after, .. } => {
            // `dt` read with the later offset lies just before the jump; the jump is the next
            // transition.
            let before_jump = after.to_timestamp(dt).ok()?;
            tz.following(before_jump).next().map(|t| t.timestamp())
        }
        AmbiguousOffset::Fold { before, after } => {
            let first = before.to_timestamp(dt).ok()?;
            let second = after.to_timestamp(dt).ok()?;
            match not_before {
                Some(floor) if first < floor => Some(second),
                _ => Some(first),
            }
        }
    }
}

/// When an appointment's reminder goes out: `hours_before` hours before `start_at`, moved out
/// of quiet hours; `None` when that moment has passed (`now` or earlier), so no reminder is
/// scheduled.
///
/// A reminder due in quiet hours is moved LATER, to the end of the quiet window, when that still
/// leaves at least half the lead time before the appointment (24 h before a 07:30 visit is
/// 07:30 the day before, quiet until 08:00: it goes at 08:00, 23.5 h ahead). When the
/// appointment is too close for that — a 2-hour reminder for an 08:30 visit would go at 08:00,
/// only 30 minutes ahead — it moves EARLIER instead, to the last minute before that quiet window
/// began (20:59 the evening before). Why: a reminder's use is giving the owner time to plan, so
/// it keeps most of its lead; and it is never sent inside quiet hours nor after the visit.
pub fn reminder_due(
    start_at: Timestamp,
    hours_before: u32,
    now: Timestamp,
    tz: &TimeZone,
    quiet: &QuietHours,
) -> Option<Timestamp> {
    let lead = SignedDuration::from_hours(i64::from(hours_before));
    let due = start_at.checked_sub(lead).ok()?;
    let due = match quiet.window_containing(due, tz) {
        None => due,
        Some((window_start, window_end)) => {
            let later_leaves = start_at.duration_since(window_end);
            let earlier = window_start
                .checked_sub(SignedDuration::from_mins(1))
                .ok()?;
            if later_leaves >= lead / 2 || quiet.is_quiet(earlier, tz) {
                window_end
            } else {
                earlier
            }
        }
    };
    (due > now && due <= start_at).then_some(due)
}

/// A date and time on the clinic's clock as an instant (the earlier reading on a fall-back
/// hour, the later on a spring-forward gap), for tests and previews.
pub fn clinic_instant(tz: &TimeZone, date: Date, time: Time) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(date.to_datetime(time))
        .compatible()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn ny() -> TimeZone {
        time_zone("time_zone", "America/New_York").unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn time_zone_names_are_checked() {
        assert!(time_zone("tz", "Europe/Istanbul").is_ok());
        assert_eq!(time_zone("tz", "Mars/Olympus").unwrap_err().field, "tz");
        assert_eq!(time_zone("clinic_tz", " ").unwrap_err().field, "clinic_tz");
    }

    #[test]
    fn quiet_hours_parse_names_the_field() {
        let q = QuietHours::parse("quiet_start", "22:30", "quiet_end", "07:00").unwrap();
        assert_eq!(q.start, time(22, 30, 0, 0));
        assert_eq!(
            QuietHours::parse("quiet_start", "9pm", "quiet_end", "08:00")
                .unwrap_err()
                .field,
            "quiet_start"
        );
        assert_eq!(
            QuietHours::parse("quiet_start", "21:00", "quiet_end", "24:00")
                .unwrap_err()
                .field,
            "quiet_end"
        );
    }

    #[test]
    fn a_window_crossing_midnight() {
        let tz = ny();
        let q = QuietHours::default();
        // 20:59 EST is allowed; 21:00 is quiet until 08:00 the next morning.
        assert_eq!(
            q.earliest_allowed(ts("2026-12-01T20:59:00-05:00"), &tz),
            ts("2026-12-01T20:59:00-05:00")
        );
        assert_eq!(
            q.earliest_allowed(ts("2026-12-01T21:00:00-05:00"), &tz),
            ts("2026-12-02T08:00:00-05:00")
        );
        assert_eq!(
            q.earliest_allowed(ts("2026-12-02T03:00:00-05:00"), &tz),
            ts("2026-12-02T08:00:00-05:00")
        );
        assert_eq!(
            q.earliest_allowed(ts("2026-12-02T08:00:00-05:00"), &tz),
            ts("2026-12-02T08:00:00-05:00")
        );
        // The instant is read on the clinic's clock, whatever offset it was written with.
        assert_eq!(
            q.earliest_allowed(ts("2026-12-02T02:30:00Z"), &tz),
            ts("2026-12-02T08:00:00-05:00")
        );
    }

    #[test]
    fn a_window_within_a_day_and_none() {
        let tz = time_zone("tz", "Europe/London").unwrap();
        let lunch = QuietHours {
            start: time(12, 0, 0, 0),
            end: time(13, 0, 0, 0),
        };
        // 10:30Z is 11:30 BST: allowed; 11:30Z is 12:30 BST: quiet until 13:00 BST.
        assert_eq!(
            lunch.earliest_allowed(ts("2026-07-01T10:30:00Z"), &tz),
            ts("2026-07-01T10:30:00Z")
        );
        assert_eq!(
            lunch.earliest_allowed(ts("2026-07-01T11:30:00Z"), &tz),
            ts("2026-07-01T13:00:00+01:00")
        );
        assert_eq!(
            lunch.earliest_allowed(ts("2026-07-01T12:30:00+01:00"), &tz),
            ts("2026-07-01T13:00:00+01:00")
        );
        let none = QuietHours {
            start: time(9, 0, 0, 0),
            end: time(9, 0, 0, 0),
        };
        assert!(!none.is_quiet(ts("2026-07-01T08:00:00Z"), &tz));
    }

    #[test]
    fn spring_forward_night_is_an_hour_shorter() {
        let tz = ny();
        let q = QuietHours::default();
        // 2026-03-08 02:00 EST → 03:00 EDT. Quiet from 21:00 EST to 08:00 EDT: 10 hours.
        let (start, end) = q
            .window_containing(ts("2026-03-07T23:00:00-05:00"), &tz)
            .unwrap();
        assert_eq!(start, ts("2026-03-07T21:00:00-05:00"));
        assert_eq!(end, ts("2026-03-08T08:00:00-04:00"));
        assert_eq!(end.duration_since(start), SignedDuration::from_hours(10));
    }

    #[test]
    fn fall_back_night_is_an_hour_longer() {
        let tz = ny();
        let q = QuietHours::default();
        // 2026-11-01 02:00 EDT → 01:00 EST.
        let (start, end) = q
            .window_containing(ts("2026-11-01T01:30:00-05:00"), &tz)
            .unwrap();
        assert_eq!(start, ts("2026-10-31T21:00:00-04:00"));
        assert_eq!(end, ts("2026-11-01T08:00:00-05:00"));
        assert_eq!(end.duration_since(start), SignedDuration::from_hours(12));
    }

    #[test]
    fn a_window_ending_in_the_skipped_hour_ends_at_the_jump() {
        let tz = ny();
        let q = QuietHours {
            start: time(22, 0, 0, 0),
            end: time(2, 30, 0, 0),
        };
        // 02:30 never happens on 2026-03-08: the clock jumps from 01:59:59 EST to 03:00 EDT.
        assert_eq!(
            q.earliest_allowed(ts("2026-03-08T01:00:00-05:00"), &tz),
            ts("2026-03-08T03:00:00-04:00")
        );
    }

    #[test]
    fn a_window_ending_in_the_repeated_hour_ends_at_its_next_reading() {
        let tz = ny();
        let q = QuietHours {
            start: time(22, 0, 0, 0),
            end: time(1, 30, 0, 0),
        };
        // 01:30 happens twice on 2026-11-01. Before the first: quiet until the first.
        assert_eq!(
            q.earliest_allowed(ts("2026-11-01T01:00:00-04:00"), &tz),
            ts("2026-11-01T01:30:00-04:00")
        );
        // At 01:15 the second time round the clock is back inside quiet hours, until 01:30 EST.
        assert_eq!(
            q.earliest_allowed(ts("2026-11-01T01:15:00-05:00"), &tz),
            ts("2026-11-01T01:30:00-05:00")
        );
    }

    #[test]
    fn reminder_is_the_lead_before_the_start() {
        let tz = ny();
        let q = QuietHours::default();
        let start = ts("2026-12-02T15:30:00-05:00");
        let now = ts("2026-11-20T09:00:00-05:00");
        assert_eq!(
            reminder_due(start, 24, now, &tz, &q),
            Some(ts("2026-12-01T15:30:00-05:00"))
        );
        assert_eq!(
            reminder_due(start, 48, now, &tz, &q),
            Some(ts("2026-11-30T15:30:00-05:00"))
        );
    }

    #[test]
    fn reminder_in_quiet_hours_moves_later_when_that_keeps_half_the_lead() {
        let tz = ny();
        let q = QuietHours::default();
        let now = ts("2026-11-20T09:00:00-05:00");
        // A 07:30 visit: 24 h before is 07:30, quiet; 08:00 still leaves 23.5 h.
        let start = ts("2026-12-02T07:30:00-05:00");
        assert_eq!(
            reminder_due(start, 24, now, &tz, &q),
            Some(ts("2026-12-01T08:00:00-05:00"))
        );
    }

    #[test]
    fn reminder_too_close_to_the_visit_moves_to_the_evening_before() {
        let tz = ny();
        let q = QuietHours::default();
        let now = ts("2026-11-20T09:00:00-05:00");
        // A 2 h reminder for an 08:30 visit would be 06:30 (quiet); 08:00 leaves only 30 min.
        let start = ts("2026-12-02T08:30:00-05:00");
        assert_eq!(
            reminder_due(start, 2, now, &tz, &q),
            Some(ts("2026-12-01T20:59:00-05:00"))
        );
    }

    #[test]
    fn reminder_across_the_dst_change_keeps_elapsed_hours() {
        let tz = ny();
        let q = QuietHours::default();
        let now = ts("2026-03-01T09:00:00-05:00");
        // 24 elapsed hours before 10:00 EDT on 03-08 is 09:00 EST on 03-07 (clock hour differs).
        let start = ts("2026-03-08T10:00:00-04:00");
        assert_eq!(
            reminder_due(start, 24, now, &tz, &q),
            Some(ts("2026-03-07T09:00:00-05:00"))
        );
        // 24 h before an 08:30 EDT visit is 07:30 EST the day before: quiet, moved to 08:00 EST.
        let start = ts("2026-03-08T08:30:00-04:00");
        assert_eq!(
            reminder_due(start, 24, now, &tz, &q),
            Some(ts("2026-03-07T08:00:00-05:00"))
        );
        // Across the night of the change: a 10 h reminder for 08:30 EDT is 21:30 EST, quiet; the
        // window ends 08:00 EDT (30 min ahead), so it goes at 20:59 EST.
        assert_eq!(
            reminder_due(start, 10, now, &tz, &q),
            Some(ts("2026-03-07T20:59:00-05:00"))
        );
    }

    #[test]
    fn no_reminder_in_the_past() {
        let tz = ny();
        let q = QuietHours::default();
        let start = ts("2026-12-02T15:30:00-05:00");
        assert_eq!(
            reminder_due(start, 24, ts("2026-12-01T16:00:00-05:00"), &tz, &q),
            None
        );
        assert_eq!(
            reminder_due(start, 24, ts("2026-12-01T15:30:00-05:00"), &tz, &q),
            None,
            "due now is past"
        );
        // Booked at 22:00 for 15:30 tomorrow: 24 h before has passed; none.
        assert_eq!(
            reminder_due(start, 24, ts("2026-12-01T22:00:00-05:00"), &tz, &q),
            None
        );
    }

    #[test]
    fn clinic_instant_reads_the_clinic_clock() {
        let tz = ny();
        assert_eq!(
            clinic_instant(&tz, date(2026, 12, 1), time(8, 0, 0, 0)),
            Some(ts("2026-12-01T13:00:00Z"))
        );
    }
}
