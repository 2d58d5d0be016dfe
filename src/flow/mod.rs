//! Workflows as sans-IO state machines: the per-call session a Durable Object runs (routing of
//! incoming calls, agent commands through the capability rules, the outbox, the expert
//! consultation and the hang-up policy).

pub mod consult;
pub mod outbox;
mod plan;
pub mod queue_leg;
pub mod session;
#[cfg(test)]
mod soak;
#[cfg(test)]
mod tests;

pub use consult::{Consultation, Phase};
pub use outbox::{retry_after_ms, OutboxEntry, Purpose, RetryPolicy};
pub use queue_leg::QueueLeg;
pub use session::{CallSession, CallSummary, Ctx, Direction, LogRecord, Output, Sent};
