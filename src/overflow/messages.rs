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
        /// Ended by this app — an agent's hang-up or end — rather than by the caller.
        #[serde(default)]
        by_app: bool,
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

/// What the edge must do. It travels between Durable Objects as one flat object (`op` and the
/// members of that operation), read by `overflow::wire` from a `serde_json::Value`: serde's
/// derived reader of an enum of struct variants is two visitors per variant, 13 KB of the
/// Worker's wasm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "Wire")]
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

/// A [`Command`]'s operation, on the wire.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum Op {
    Answer,
    Hold,
    Redirect,
    Offer,
    Cancel,
    Message,
    ReadPresence,
}

/// A [`Command`] on the wire: `op` and the members it has (the others absent).
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    op: Op,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offer_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<OfferVia>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invitation_timeout_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    then_end: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object_ids: Option<Vec<String>>,
}

impl From<Command> for Wire {
    fn from(c: Command) -> Self {
        let mut w = Wire {
            op: Op::Answer,
            call_id: None,
            offer_id: None,
            url: None,
            target: None,
            via: None,
            invitation_timeout_seconds: None,
            then_end: None,
            object_ids: None,
        };
        match c {
            Command::Answer { call_id } => w.call_id = Some(call_id),
            Command::Hold { call_id, url } => (w.op, w.call_id, w.url) = (Op::Hold, Some(call_id), Some(url)),
            Command::Redirect { call_id, offer_id, target } => {
                (w.op, w.call_id, w.offer_id, w.target) = (Op::Redirect, Some(call_id), Some(offer_id), Some(target));
            }
            Command::Offer { call_id, offer_id, target, via, invitation_timeout_seconds } => {
                (w.op, w.call_id, w.offer_id, w.target) = (Op::Offer, Some(call_id), Some(offer_id), Some(target));
                (w.via, w.invitation_timeout_seconds) = (Some(via), Some(invitation_timeout_seconds));
            }
            Command::Cancel { call_id, offer_id } => {
                (w.op, w.call_id, w.offer_id) = (Op::Cancel, Some(call_id), Some(offer_id))
            }
            Command::Message { call_id, url, then_end } => {
                (w.op, w.call_id, w.url, w.then_end) = (Op::Message, Some(call_id), Some(url), Some(then_end));
            }
            Command::ReadPresence { object_ids } => (w.op, w.object_ids) = (Op::ReadPresence, Some(object_ids)),
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_travel_flat_and_come_back_the_same() {
        let all = [
            Command::Answer { call_id: "c1".into() },
            Command::Hold { call_id: "c1".into(), url: "https://x/h.wav".into() },
            Command::Redirect { call_id: "c1".into(), offer_id: 3, target: "8:orgid:a".into() },
            Command::Offer {
                call_id: "c1".into(),
                offer_id: 4,
                target: "8:acs:b".into(),
                via: OfferVia::AddThenLeave,
                invitation_timeout_seconds: 20,
            },
            Command::Cancel { call_id: "c1".into(), offer_id: 4 },
            Command::Message { call_id: "c1".into(), url: "https://x/m.wav".into(), then_end: true },
            Command::ReadPresence { object_ids: vec!["a".into(), "b".into()] },
        ];
        for c in all {
            let text = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<Command>(&text).unwrap(), c, "{text}");
        }
        let offer = serde_json::to_value(Command::Cancel { call_id: "c1".into(), offer_id: 4 }).unwrap();
        assert_eq!(offer, serde_json::json!({"op": "cancel", "callId": "c1", "offerId": 4}));
        let e =
            serde_json::from_str::<Command>(r#"{"op":"offer","callId":"c1","offerId":1,"target":"t"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `via`"), "{e}");
        assert!(serde_json::from_str::<Command>(r#"{"op":"dance","callId":"c1"}"#).is_err());
    }
}
