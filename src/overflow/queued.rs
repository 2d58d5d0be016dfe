//! A call in the queue and its offers: who is offered (a [`Taker`]), how ([`OfferVia`]), how it
//! ended ([`OfferOutcome`]), and how the call left the queue ([`CallOutcome`]).

use serde::{Deserialize, Serialize};

/// Who takes (or is offered) a call.
/// Read by `overflow::wire` (a hand-written reader of the same form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Taker {
    /// An agent of the pool (by agent id).
    Agent {
        /// Agent id.
        id: String,
    },
    /// A knowledge worker (by Entra object id).
    KnowledgeWorker {
        /// Entra object id.
        object_id: String,
    },
}

/// How an offer ended.
/// Read by `overflow::wire` (a hand-written reader of the same form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum OfferOutcome {
    /// The candidate took the call (joined, or accepted the transfer).
    Joined,
    /// Declined (603).
    Declined,
    /// Did not answer before the invitation timed out (408).
    NoAnswer,
    /// Offline or unreachable (480).
    Unavailable,
    /// Refused before ringing for a lasting reason: no Teams Phone licence, no tenant consent,
    /// an unsupported identity (403). The candidate is never offered again.
    Refused {
        /// ACS result code.
        code: i32,
        /// ACS result subcode.
        sub_code: i32,
    },
    /// Any other failure (the request itself, ACS errors).
    Failed {
        /// ACS or HTTP status.
        code: i32,
    },
    /// Cancelled by the queue (ring group: someone else answered).
    Cancelled,
    /// The caller hung up while it rang.
    CallerLeft,
    /// No outcome arrived in time (invitation timeout + grace).
    Lost,
}

impl OfferOutcome {
    /// The outcome an `AddParticipantFailed` / `CallTransferFailed` result code means.
    pub fn from_result(code: i32, sub_code: i32) -> Self {
        match code {
            603 | 486 => Self::Declined,
            408 => Self::NoAnswer,
            480 | 404 => Self::Unavailable,
            403 => Self::Refused { code, sub_code },
            c => Self::Failed { code: c },
        }
    }
}

/// How an offer is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OfferVia {
    /// `redirectCall` before the call is answered.
    Redirect,
    /// `addParticipant` into the answered call.
    Add,
    /// `addParticipant`, then the queue's leg leaves the call.
    AddThenLeave,
    /// `transferToParticipant` of the answered 1:1 call.
    Transfer,
}

/// One offer of a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    /// Unique in the queue.
    pub id: u64,
    /// To whom.
    pub to: Taker,
    /// When (Unix ms).
    pub at: i64,
    /// How.
    pub via: OfferVia,
    /// How it ended (`None`: ringing).
    pub outcome: Option<OfferOutcome>,
    /// When it ended.
    pub ended_at: Option<i64>,
}

/// Where a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    /// Announced, being answered.
    Answering,
    /// Answered, on hold, waiting for a taker.
    Waiting,
    /// A message (fallback or after hours) is playing.
    Message,
    /// Taken: someone answered.
    Connected,
    /// Redirected before answer (out of the queue's hands).
    Redirected,
    /// Over.
    Ended,
}

/// How a call left the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum CallOutcome {
    /// Someone took it after waiting `waited_ms`.
    Answered {
        /// Who.
        by: Taker,
        /// Wait from arrival to the taker joining.
        waited_ms: i64,
    },
    /// The caller hung up while waiting.
    Abandoned {
        /// How long they waited.
        waited_ms: i64,
    },
    /// Ended by the fallback (callback-request message).
    FallbackEnded,
    /// An agent ended it before anyone took it (not counted as abandoned).
    EndedByAgent {
        /// How long it had waited.
        waited_ms: i64,
    },
    /// Ended outside business hours.
    AfterHours,
    /// Redirected before answer; what happened next is not the queue's to know.
    Redirected {
        /// To whom.
        to: Taker,
    },
}

/// A call in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedCall {
    /// The call's id (its Durable Object).
    pub call_id: String,
    /// The caller (raw id), for the view.
    pub caller: Option<String>,
    /// Arrival (Unix ms).
    pub arrived_at: i64,
    /// When it was answered into the queue.
    pub answered_at: Option<i64>,
    /// Where it is.
    pub stage: Stage,
    /// Offers, oldest first.
    pub offers: Vec<Offer>,
    /// When the fallback message started.
    pub fallback_at: Option<i64>,
    /// Announced outside business hours.
    pub after_hours: bool,
    /// How it left.
    pub outcome: Option<CallOutcome>,
    /// When it ended.
    pub ended_at: Option<i64>,
    /// Where the current round of offers begins in `offers`: after the fallback message of a
    /// policy that keeps the caller waiting, a new round may offer everyone again.
    #[serde(default)]
    pub round_from: usize,
    /// When the current round began (`None`: at arrival): the fallback's time counts from it.
    #[serde(default)]
    pub round_at: Option<i64>,
}

impl QueuedCall {
    pub(super) fn live_offers(&self) -> impl Iterator<Item = &Offer> {
        self.offers.iter().filter(|o| o.outcome.is_none())
    }

    /// The offers of the current round.
    fn round(&self) -> &[Offer] {
        self.offers.get(self.round_from..).unwrap_or_default()
    }

    /// Whether `who` was offered this call in the current round (an agent or knowledge worker
    /// who let it ring out, or declined, is not offered it again in that round).
    pub(super) fn tried(&self, who: &Taker) -> bool {
        self.round().iter().any(|o| &o.to == who)
    }

    /// Knowledge-worker offers of the current round (bounded by the policy's `maxOffers`).
    pub(super) fn worker_offers(&self) -> usize {
        self.round().iter().filter(|o| matches!(o.to, Taker::KnowledgeWorker { .. })).count()
    }

    /// When the current round began.
    pub(super) fn round_start(&self) -> i64 {
        self.round_at.unwrap_or(self.arrived_at)
    }

    pub(super) fn waiting(&self) -> bool {
        self.stage == Stage::Waiting && self.outcome.is_none()
    }
}
