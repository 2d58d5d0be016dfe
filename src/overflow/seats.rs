//! Seats: what an agent or a knowledge worker is doing for the queue.

use serde::{Deserialize, Serialize};

/// What a seat is doing.
/// Read by `overflow::wire` (a hand-written reader of the same form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Busy {
    /// Nothing of the queue's.
    Free,
    /// Being offered a call.
    Offered {
        /// Call id.
        call_id: String,
        /// Offer id.
        offer_id: u64,
    },
    /// On a queue call.
    OnCall {
        /// Call id.
        call_id: String,
    },
    /// Took a call by transfer: busy until presence read after `settle_at` says otherwise.
    Transferred {
        /// Call id.
        call_id: String,
        /// From when a presence read counts.
        settle_at: i64,
    },
}

/// A knowledge worker's seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerSeat {
    /// Entra object id (lower case).
    pub object_id: String,
    /// Graph availability (`Available`, `Busy`, ... or `PresenceUnknown`).
    pub availability: String,
    /// When presence was read.
    pub presence_at: Option<i64>,
    /// Why they are never offered (licence, consent), once ACS said so.
    pub excluded: Option<String>,
    /// What they do for the queue.
    pub busy: Busy,
    /// Idle since (for `longestIdle`).
    pub idle_since: i64,
}

/// An agent's seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSeat {
    /// Agent id.
    pub id: String,
    /// Console signed in to the queue.
    pub signed_in: bool,
    /// What they do for the queue.
    pub busy: Busy,
    /// Other calls (not the queue's) they are in: not free while any.
    #[serde(default)]
    pub elsewhere: Vec<String>,
}

impl AgentSeat {
    /// Signed in, on nothing of the queue's and on no other call.
    pub fn free(&self) -> bool {
        self.signed_in && self.busy == Busy::Free && self.elsewhere.is_empty()
    }
}
