//! The queue's interface: the [`Input`]s it folds and the [`Command`]s it returns.

use serde::{Deserialize, Serialize};

use super::queued::{OfferOutcome, OfferVia};

/// Something that happened, for the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Input {
    /// An incoming call was routed to the queue (not yet answered).
    Arrived {
        /// Call id.
        call_id: String,
        /// Caller raw id.
        caller: Option<String>,
    },
    /// The call is connected into the queue.
    Answered {
        /// Call id.
        call_id: String,
    },
    /// An offer ended.
    OfferEnded {
        /// Call id.
        call_id: String,
        /// Offer id.
        offer_id: u64,
        /// How.
        outcome: OfferOutcome,
    },
    /// The message (fallback or after hours) finished playing.
    MessagePlayed {
        /// Call id.
        call_id: String,
    },
    /// The call is over for the queue (the caller hung up, or the taker's call ended).
    CallEnded {
        /// Call id.
        call_id: String,
    },
    /// Graph presence (object id, availability); ids not listed keep what they had (one never
    /// read before is marked as not returned, and never offered).
    Presence {
        /// `(objectId, availability)` pairs.
        presences: Vec<(String, String)>,
    },
    /// Graph could not be read.
    PresenceFailed,
    /// An agent's console signed in to the queue (ready for calls).
    AgentSignedIn {
        /// Agent id.
        agent_id: String,
    },
    /// An agent's console signed out (or went away).
    AgentSignedOut {
        /// Agent id.
        agent_id: String,
    },
    /// An agent of the pool (by ACS raw id) joined (`on`) or left another call, not the
    /// queue's: while on one they are not free for queue calls.
    AgentInCall {
        /// The other call's id.
        call_id: String,
        /// The agent's ACS raw id.
        raw_id: String,
        /// In the call (true) or out of it.
        on: bool,
    },
    /// Time passed.
    Tick,
}

/// What the edge must do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Command {
    /// Answer the call into the queue.
    Answer {
        /// Call id.
        call_id: String,
    },
    /// Play the hold audio to the caller, looped.
    Hold {
        /// Call id.
        call_id: String,
        /// Audio file.
        url: String,
    },
    /// Redirect the unanswered call.
    Redirect {
        /// Call id.
        call_id: String,
        /// Offer id.
        offer_id: u64,
        /// Target raw id.
        target: String,
    },
    /// Offer the answered call: invite (`via` add) or transfer to the target.
    Offer {
        /// Call id.
        call_id: String,
        /// Offer id (the operation context names it).
        offer_id: u64,
        /// Target raw id (`8:orgid:` Teams user or `8:acs:` agent).
        target: String,
        /// How.
        via: OfferVia,
        /// Ring time.
        invitation_timeout_seconds: u32,
    },
    /// Withdraw a ringing offer (cancel the invitation).
    Cancel {
        /// Call id.
        call_id: String,
        /// Offer id.
        offer_id: u64,
    },
    /// Play a message to the caller; end the call after it when `then_end`.
    Message {
        /// Call id.
        call_id: String,
        /// Audio file.
        url: String,
        /// End the call after it.
        then_end: bool,
    },
    /// Read these knowledge workers' presence from Graph (answer with `Input::Presence`).
    ReadPresence {
        /// Entra object ids.
        object_ids: Vec<String>,
    },
}

impl Command {
    /// The call the command is for (`None`: a presence read, for the queue's own edge).
    pub fn call_id(&self) -> Option<&str> {
        match self {
            Self::Answer { call_id }
            | Self::Hold { call_id, .. }
            | Self::Redirect { call_id, .. }
            | Self::Offer { call_id, .. }
            | Self::Cancel { call_id, .. }
            | Self::Message { call_id, .. } => Some(call_id),
            Self::ReadPresence { .. } => None,
        }
    }
}
