//! Outgoing webhooks: endpoints, signed events, a durable outbox and the delivery worker.
//!
//! An event and one delivery per subscribed endpoint are written in one transaction; the worker
//! claims due deliveries with a lease, sends them signed, and records every attempt. A crash
//! leaves leases that expire and are claimed again, so nothing is lost (at least once).

pub mod endpoints;
pub mod events;
pub mod health;
pub mod log;
pub mod signing;
pub mod worker;

pub use switchboard_domain::{delivery, retry};

pub use endpoints::{CreatedEndpoint, Endpoint, EndpointDraft, EndpointPatch};
pub use events::{EmitRequest, Emitted};
pub use signing::Scheme;

/// The event catalogue (types, `data` schemas, examples, typed views for the sync rules).
pub use switchboard_domain::events as catalogue;
pub use switchboard_domain::events::{is_known_event_type, EVENT_TYPES};
