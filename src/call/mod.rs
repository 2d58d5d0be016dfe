//! One call's truth and what may be done next: the [`CallState`] reducer and the capability
//! [`rules`] (the seed's Teams-interop table as code).

mod action;
mod commands;
mod observe;
mod participant;
mod presence;
mod recording;
pub mod rules;
mod snapshot;
mod state;

pub use action::Action;
pub use commands::CommandResponse;
pub use observe::{Observation, ObservedParticipant};
pub use participant::{Invitation, Participant, ParticipantStatus, Stay};
pub use recording::{Recording, RecordingStatus};
pub use rules::{check, Refusal, Rule, RULES};
pub use snapshot::{OfferView, RecordingView, Snapshot};
pub use state::{
    Applied, CallError, CallState, Change, IncomingOffer, PendingOperation, DEFAULT_INVITATION_TIMEOUT_S,
    OFFER_EXPIRES_MS, OUTCOME_GRACE_MS,
};

/// How far ACS's clock (event times) may be behind ours (the times commands were sent) for an
/// event to still count as following a command: an `inactive` as the stop's, a join as the
/// invitation's answer.
pub const CLOCK_SKEW_MS: i64 = 2_000;

impl CallState {
    /// Whether `action` is allowed now (see [`rules::check`]).
    pub fn can(&self, action: &Action) -> Result<(), Refusal> {
        rules::check(self, action)
    }
}

#[cfg(test)]
mod tests;
