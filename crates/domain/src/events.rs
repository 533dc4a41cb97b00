//! The event catalogue: the event types clinics send and subscribe to (from the seeds), and
//! `test.ping`.

pub const EVENT_TYPES: &[&str] = &[
    "appointment.created",
    "appointment.updated",
    "appointment.cancelled",
    "appointment.completed",
    "patient.created",
    "patient.updated",
    "record.finalized",
    "invoice.created",
    "invoice.paid",
    "payment.completed",
    "payment.failed",
    "call.completed",
    "emergency.detected",
    "test.ping",
];

pub fn is_known_event_type(t: &str) -> bool {
    EVENT_TYPES.contains(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types() {
        assert!(is_known_event_type("invoice.paid"));
        assert!(!is_known_event_type("invoice.*"));
        let mut sorted = EVENT_TYPES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), EVENT_TYPES.len(), "no repeats");
    }
}
