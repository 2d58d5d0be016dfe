//! Peak overflow: customer calls queued per tenant and, when agents cannot keep up, offered to
//! available Microsoft Teams knowledge workers (the seed's "extend the customer service
//! workforce with knowledge workers"). Sans-IO: the policy is checked at load, the queue is a
//! pure state machine, and [`offer_operation`] says which ACS operation an offer uses at the
//! call's stage, by the same capability rules as every agent command.

pub mod messages;
pub mod policy;
pub mod queue;
pub mod queued;
pub mod seats;
#[cfg(test)]
mod soak;
#[cfg(test)]
mod tests;
pub mod view;
mod wire;
pub mod words;

pub use messages::{Command, Input};
pub use policy::{BusinessHours, Fallback, Group, Handoff, Member, Order, OverflowPolicy, PoolAgent, Then, Trigger};
pub use queue::{Queue, Stats};
pub use queued::{CallOutcome, Offer, OfferOutcome, OfferVia, QueuedCall, Stage, Taker};
pub use seats::{AgentSeat, Busy, WorkerSeat};
pub use wire::command as read_command;

use crate::call::{Action, CallState, Refusal};

/// The ACS operation for an offer at the call's stage, or why it is not allowed: `redirectCall`
/// only before answer (`before_answer_only`); `transferToParticipant` only in a 1:1 call
/// (`blind_transfer_one_to_one` — with anyone else in the call the offer is an
/// `addParticipant` instead, which is always allowed in a connected call).
pub fn offer_operation(
    state: &CallState,
    via: OfferVia,
    target: &crate::CommunicationIdentifier,
) -> Result<&'static str, Refusal> {
    let params = |key: &str| {
        let mut m = serde_json::Map::new();
        m.insert(key.into(), serde_json::to_value(target).unwrap_or_default());
        m
    };
    let (op, key) = match via {
        OfferVia::Redirect => ("redirectCall", "target"),
        OfferVia::Transfer => ("transferToParticipant", "targetParticipant"),
        OfferVia::Add | OfferVia::AddThenLeave => ("addParticipant", "participantToAdd"),
    };
    let action = Action::from_members(op, &params(key)).unwrap_or_default();
    match (state.can(&action), via) {
        (Ok(()), _) => Ok(op),
        (Err(r), OfferVia::Transfer) if r.rule == crate::call::rules::BLIND_TRANSFER_ONE_TO_ONE.name => {
            let add = Action::from_members("addParticipant", &params("participantToAdd")).unwrap_or_default();
            state.can(&add).map(|()| "addParticipant")
        }
        (Err(r), _) => Err(r),
    }
}
