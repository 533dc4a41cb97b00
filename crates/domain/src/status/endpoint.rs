//! An endpoint's status: the webhook rows of design.md's status table.

use super::Level;

/// The counts the rules look at.
#[derive(Debug, Clone, Default)]
pub struct EndpointFacts {
    pub enabled: bool,
    /// Set when the system (410, five failing days) disabled it; a user's switch leaves it empty.
    pub disabled_reason: Option<String>,
    pub attempts_24h: u32,
    pub succeeded_24h: u32,
    pub pending: u32,
    pub retrying: u32,
    pub dead: u32,
}

pub fn compute(f: &EndpointFacts) -> (Level, String, String, Option<f64>) {
    let rate = (f.attempts_24h > 0)
        .then(|| 100.0 * f64::from(f.succeeded_24h) / f64::from(f.attempts_24h));
    let s = |t: &str| t.to_owned();
    if !f.enabled {
        return match &f.disabled_reason {
            Some(reason) => (
                Level::Red,
                format!("Disabled by Switchboard: {reason}"),
                s("Fix the receiver, then enable the endpoint again on the Webhooks page and resend what failed."),
                rate,
            ),
            None => (Level::Off, s("Turned off by a user."), s("Enable it on the Webhooks page to deliver again."), rate),
        };
    }
    if f.dead > 0 {
        return (
            Level::Red,
            format!(
                "{} gave up after every retry.",
                plural(f.dead, "delivery", "deliveries")
            ),
            s("Open the Delivery log, fix the receiver and resend them, or acknowledge them."),
            rate,
        );
    }
    if f.retrying > 0 {
        return (
            Level::Yellow,
            format!(
                "{} failed and will be retried.",
                plural(f.retrying, "delivery", "deliveries")
            ),
            s("Check the receiver; Switchboard retries automatically."),
            rate,
        );
    }
    if let Some(r) = rate.filter(|r| *r < 95.0) {
        return (
            Level::Yellow,
            format!("Only {r:.0}% of deliveries succeeded in the last 24 hours."),
            s("Check the receiver's recent errors in the Delivery log."),
            rate,
        );
    }
    let reason = match rate {
        Some(r) => format!("{r:.0}% delivered in the last 24 hours."),
        None => s("No deliveries in the last 24 hours."),
    };
    (Level::Green, reason, s("Nothing to do."), rate)
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> EndpointFacts {
        EndpointFacts {
            enabled: true,
            ..Default::default()
        }
    }

    #[test]
    fn green_when_delivering_well() {
        let f = EndpointFacts {
            attempts_24h: 100,
            succeeded_24h: 99,
            ..facts()
        };
        let (level, reason, _, rate) = compute(&f);
        assert_eq!(level, Level::Green);
        assert_eq!(rate, Some(99.0));
        assert!(reason.contains("99%"));
        assert_eq!(compute(&facts()).0, Level::Green, "quiet is fine");
    }

    #[test]
    fn yellow_for_retries_or_under_95_percent() {
        assert_eq!(
            compute(&EndpointFacts {
                retrying: 1,
                ..facts()
            })
            .0,
            Level::Yellow
        );
        assert_eq!(
            compute(&EndpointFacts {
                attempts_24h: 100,
                succeeded_24h: 94,
                ..facts()
            })
            .0,
            Level::Yellow
        );
        assert_eq!(
            compute(&EndpointFacts {
                attempts_24h: 100,
                succeeded_24h: 95,
                ..facts()
            })
            .0,
            Level::Green
        );
    }

    #[test]
    fn red_for_dead_deliveries_or_a_system_disable_and_off_for_a_user_disable() {
        assert_eq!(compute(&EndpointFacts { dead: 2, ..facts() }).0, Level::Red);
        let gone = EndpointFacts {
            enabled: false,
            disabled_reason: Some("410 Gone".into()),
            ..facts()
        };
        assert_eq!(compute(&gone).0, Level::Red);
        assert_eq!(
            compute(&EndpointFacts {
                enabled: false,
                ..facts()
            })
            .0,
            Level::Off
        );
    }
}
