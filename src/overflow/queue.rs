//! A tenant's queue as a sans-IO state machine: `(queue, input, now) -> commands`.
//!
//! Inputs come from the calls (one arrived, was answered, an offer ended, the call ended), from
//! Graph (presence), from agents' consoles (signed in or out) and from the clock (`Tick`). The
//! queue answers with commands for the calls: answer, play hold audio, offer to a candidate,
//! cancel an offer, play the fallback or after-hours message, and asks for presence.
//!
//! Invariants, held by construction and checked by [`Queue::audit`]: a seat (agent or
//! knowledge worker) has at most one live offer or call; a call has at most one live offer
//! unless the policy rings a group; a Teams user refused for licence or consent is never
//! offered again.

use serde::{Deserialize, Serialize};

use super::policy::{Handoff, Order, OverflowPolicy, Then};

/// Extra time after an offer's invitation timeout before the queue stops waiting for its
/// outcome (a lost callback): the offer counts as unanswered and the seat is free again.
pub const OFFER_GRACE_MS: i64 = 30_000;

/// How often a presence read that got no answer is asked again.
pub const PRESENCE_RETRY_MS: i64 = 5_000;

/// After a transfer, the taker is busy until a presence read this long after it says otherwise.
pub const TRANSFER_SETTLE_MS: i64 = 10_000;

/// Ended calls kept for the queue view.
pub const KEEP_ENDED: usize = 50;

/// Who takes (or is offered) a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

    fn words(&self) -> String {
        match self {
            Self::Joined => "answered".into(),
            Self::Declined => "declined".into(),
            Self::NoAnswer => "did not answer".into(),
            Self::Unavailable => "was unreachable".into(),
            Self::Refused { code, sub_code } => format!("cannot take Teams calls from ACS ({code}/{sub_code})"),
            Self::Failed { code } => format!("could not be offered the call ({code})"),
            Self::Cancelled => "was withdrawn (someone else answered)".into(),
            Self::CallerLeft => "rang until the caller hung up".into(),
            Self::Lost => "gave no answer the queue heard".into(),
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
}

impl QueuedCall {
    fn live_offers(&self) -> impl Iterator<Item = &Offer> {
        self.offers.iter().filter(|o| o.outcome.is_none())
    }

    fn tried(&self, who: &Taker) -> bool {
        self.offers.iter().any(|o| &o.to == who)
    }

    fn worker_offers(&self) -> usize {
        self.offers.iter().filter(|o| matches!(o.to, Taker::KnowledgeWorker { .. })).count()
    }

    fn waiting(&self) -> bool {
        self.stage == Stage::Waiting && self.outcome.is_none()
    }
}

/// What a seat is doing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Totals since the queue began.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Calls announced.
    pub arrived: u64,
    /// Answered by an agent.
    pub answered_by_agents: u64,
    /// Answered by a knowledge worker.
    pub answered_by_knowledge_workers: u64,
    /// Caller hung up while waiting.
    pub abandoned: u64,
    /// Offers made.
    pub offers: u64,
    /// Offers declined.
    pub declined: u64,
    /// Offers not answered in time (or lost).
    pub timed_out: u64,
    /// Offers refused for licence or consent.
    pub refused: u64,
    /// Fallback messages played.
    pub fallbacks: u64,
    /// Calls ended after hours.
    pub after_hours: u64,
}

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
    /// Graph presence (object id, availability); ids not listed keep what they had.
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

/// A tenant's queue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    /// Live calls, then the last [`KEEP_ENDED`] ended ones.
    pub calls: Vec<QueuedCall>,
    /// Knowledge workers, in policy order.
    pub workers: Vec<WorkerSeat>,
    /// Agents of the pool.
    pub agents: Vec<AgentSeat>,
    /// Totals.
    pub stats: Stats,
    /// Per group: the member index offered last (round robin).
    round_robin: Vec<usize>,
    next_offer: u64,
    presence_asked_at: Option<i64>,
    /// When the last input was folded: a wake at or before it has been served.
    #[serde(default)]
    last_step: i64,
}

impl Queue {
    /// An empty queue.
    pub fn new() -> Self {
        Self { next_offer: 1, ..Self::default() }
    }

    /// Folds one input at `now` and returns what to do.
    pub fn step(&mut self, policy: &OverflowPolicy, input: Input, now: i64) -> Vec<Command> {
        self.last_step = now;
        self.seat(policy, now);
        let mut out = Vec::new();
        match input {
            Input::Arrived { call_id, caller } => self.arrived(policy, call_id, caller, now, &mut out),
            Input::Answered { call_id } => {
                if let Some(c) = self.call_mut(&call_id).filter(|c| c.stage == Stage::Answering) {
                    c.answered_at = Some(now);
                    if c.after_hours {
                        c.stage = Stage::Message;
                        if let Some(url) = &policy.after_hours_message_url {
                            out.push(Command::Message { call_id, url: url.clone(), then_end: true });
                        }
                    } else {
                        c.stage = Stage::Waiting;
                        out.push(Command::Hold { call_id, url: policy.hold_audio_url.clone() });
                    }
                }
            }
            Input::OfferEnded { call_id, offer_id, outcome } => {
                self.offer_ended(&call_id, offer_id, outcome, now, &mut out)
            }
            Input::MessagePlayed { call_id } => {
                let then = policy.fallback.then;
                if let Some(c) = self.call_mut(&call_id).filter(|c| c.stage == Stage::Message && !c.after_hours) {
                    if then == Then::Wait {
                        c.stage = Stage::Waiting;
                        out.push(Command::Hold { call_id, url: policy.hold_audio_url.clone() });
                    }
                }
            }
            Input::CallEnded { call_id } => self.call_ended(policy, &call_id, now),
            Input::Presence { presences } => {
                for (id, availability) in presences {
                    if let Some(w) = self.workers.iter_mut().find(|w| w.object_id.eq_ignore_ascii_case(&id)) {
                        w.availability = availability;
                        w.presence_at = Some(now);
                        if let Busy::Transferred { settle_at, .. } = w.busy {
                            if now >= settle_at && !matches!(w.availability.as_str(), "Busy" | "BusyIdle") {
                                w.busy = Busy::Free;
                                w.idle_since = now;
                            }
                        }
                    }
                }
                self.presence_asked_at = None;
            }
            Input::PresenceFailed => {
                // Asked again after PRESENCE_RETRY_MS (the asked time stays).
            }
            Input::AgentSignedIn { agent_id } => {
                if let Some(a) = self.agents.iter_mut().find(|a| a.id == agent_id) {
                    a.signed_in = true;
                }
            }
            Input::AgentSignedOut { agent_id } => {
                if let Some(a) = self.agents.iter_mut().find(|a| a.id == agent_id) {
                    a.signed_in = false;
                }
            }
            Input::Tick => {}
        }
        self.expire(policy, now, &mut out);
        self.dispatch(policy, now, &mut out);
        self.trim();
        out
    }

    /// When the queue next needs a `Tick` (Unix ms).
    pub fn next_wake(&self, policy: &OverflowPolicy) -> Option<i64> {
        let mut due: Option<i64> = None;
        let mut at = |t: i64| due = Some(due.map_or(t, |d: i64| d.min(t)));
        let timeout = i64::from(policy.invitation_timeout_seconds) * 1000;
        for c in self.calls.iter().filter(|c| c.outcome.is_none()) {
            for o in c.live_offers() {
                at(o.at + timeout + OFFER_GRACE_MS);
            }
            if c.waiting() {
                if c.fallback_at.is_none() {
                    at(c.arrived_at + i64::from(policy.fallback.after_seconds) * 1000);
                }
                if let Some(s) = policy.trigger.waited_seconds {
                    let t = c.arrived_at + i64::from(s) * 1000;
                    if c.live_offers().next().is_none() {
                        // Once the trigger has fired with nobody to offer, the next chance is
                        // fresher presence, not the past trigger time again (an edge arms a
                        // past wake at once: an alarm loop until the fallback).
                        if t > self.last_step {
                            at(t);
                        } else if let Some(r) = self.presence_expiry(policy) {
                            at(r);
                        }
                    }
                }
            }
        }
        if let Some(asked) = self.presence_asked_at {
            // Only while a read is still wanted, and never in the past (an alarm loop).
            let retry = asked + PRESENCE_RETRY_MS;
            if self.calls.iter().any(QueuedCall::waiting) && retry > self.last_step {
                at(retry);
            }
        }
        due
    }

    /// Broken invariants (empty when all hold): a seat with two live offers or calls, a call
    /// offered to two people at once outside a ring group, an excluded user offered.
    pub fn audit(&self, policy: &OverflowPolicy) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seats: Vec<(&Taker, &str)> = Vec::new();
        for c in self.calls.iter().filter(|c| c.outcome.is_none() || c.stage == Stage::Connected) {
            let live: Vec<&Offer> = c.live_offers().collect();
            if live.len() > 1 && !policy.ring_group {
                problems.push(format!("call {} is offered to {} people at once", c.call_id, live.len()));
            }
            for o in live {
                if let Some((_, other)) = seats.iter().find(|(t, _)| *t == &o.to) {
                    problems.push(format!("{:?} is offered {} and {} at once", o.to, other, c.call_id));
                }
                seats.push((&o.to, &c.call_id));
            }
        }
        for w in &self.workers {
            if w.excluded.is_some() && matches!(w.busy, Busy::Offered { .. }) {
                problems.push(format!("{} is excluded but offered a call", w.object_id));
            }
        }
        problems
    }

    /// The call with this id.
    pub fn call(&self, call_id: &str) -> Option<&QueuedCall> {
        self.calls.iter().find(|c| c.call_id == call_id)
    }

    /// Calls waiting for a taker now.
    pub fn waiting(&self) -> usize {
        self.calls.iter().filter(|c| c.waiting()).count()
    }

    // ---- internals ---------------------------------------------------------------------

    fn call_mut(&mut self, call_id: &str) -> Option<&mut QueuedCall> {
        self.calls.iter_mut().find(|c| c.call_id == call_id)
    }

    /// Brings the seats in line with the policy (a new configuration adds or drops people).
    pub(super) fn seat(&mut self, policy: &OverflowPolicy, now: i64) {
        let workers: Vec<String> = policy.members().map(|(_, m)| m.object_id.as_str().to_ascii_lowercase()).collect();
        if self.workers.len() != workers.len() || self.workers.iter().zip(&workers).any(|(w, id)| &w.object_id != id) {
            let mut old = std::mem::take(&mut self.workers);
            self.workers = workers
                .into_iter()
                .map(|id| match old.iter().position(|w| w.object_id == id) {
                    Some(i) => old.swap_remove(i),
                    None => WorkerSeat {
                        object_id: id,
                        availability: "PresenceUnknown".into(),
                        presence_at: None,
                        excluded: None,
                        busy: Busy::Free,
                        idle_since: now,
                    },
                })
                .collect();
        }
        if self.agents.len() != policy.agents.len() || self.agents.iter().zip(&policy.agents).any(|(a, p)| a.id != p.id)
        {
            let mut old = std::mem::take(&mut self.agents);
            self.agents = policy
                .agents
                .iter()
                .map(|p| match old.iter().position(|a| a.id == p.id) {
                    Some(i) => old.swap_remove(i),
                    None => AgentSeat { id: p.id.clone(), signed_in: false, busy: Busy::Free },
                })
                .collect();
        }
        self.round_robin.resize(policy.groups.len(), usize::MAX);
        if self.next_offer == 0 {
            self.next_offer = 1;
        }
    }

    fn arrived(
        &mut self,
        policy: &OverflowPolicy,
        call_id: String,
        caller: Option<String>,
        now: i64,
        out: &mut Vec<Command>,
    ) {
        if self.call(&call_id).is_some() {
            return; // a redelivered IncomingCall
        }
        self.stats.arrived += 1;
        let after_hours = policy.business_hours.as_ref().is_some_and(|h| !h.is_open(now));
        let mut call = QueuedCall {
            call_id: call_id.clone(),
            caller,
            arrived_at: now,
            answered_at: None,
            stage: Stage::Answering,
            offers: Vec::new(),
            fallback_at: None,
            after_hours,
            outcome: None,
            ended_at: None,
        };
        // Redirect before answer: only when no agent is free and the trigger fires at once.
        if policy.redirect_unanswered && !after_hours && self.free_agent().is_none() {
            let fires = self.trigger_fires(policy, &call, now, self.waiting() as u32 + 1);
            if let Some(w) = fires.then(|| self.candidates(policy, &call, now).into_iter().next()).flatten() {
                let to = Taker::KnowledgeWorker { object_id: self.workers[w].object_id.clone() };
                let offer_id = self.new_offer();
                call.offers.push(Offer {
                    id: offer_id,
                    to: to.clone(),
                    at: now,
                    via: OfferVia::Redirect,
                    outcome: Some(OfferOutcome::Joined),
                    ended_at: Some(now),
                });
                call.stage = Stage::Redirected;
                call.outcome = Some(CallOutcome::Redirected { to });
                call.ended_at = Some(now);
                self.stats.offers += 1;
                self.workers[w].busy =
                    Busy::Transferred { call_id: call_id.clone(), settle_at: now + TRANSFER_SETTLE_MS };
                self.calls.push(call);
                out.push(Command::Redirect { call_id, offer_id, target: self.worker_raw_id(w) });
                return;
            }
        }
        if after_hours {
            self.stats.after_hours += 1;
        }
        self.calls.push(call);
        out.push(Command::Answer { call_id });
    }

    fn offer_ended(&mut self, call_id: &str, offer_id: u64, outcome: OfferOutcome, now: i64, out: &mut Vec<Command>) {
        let Some(ci) = self.calls.iter().position(|c| c.call_id == call_id) else { return };
        let Some(oi) = self.calls[ci].offers.iter().position(|o| o.id == offer_id && o.outcome.is_none()) else {
            return; // unknown or already concluded (a repeated outcome)
        };
        let offer = &mut self.calls[ci].offers[oi];
        offer.outcome = Some(outcome.clone());
        offer.ended_at = Some(now);
        let (to, via) = (offer.to.clone(), offer.via);
        match &outcome {
            OfferOutcome::Declined => self.stats.declined += 1,
            OfferOutcome::NoAnswer | OfferOutcome::Lost => self.stats.timed_out += 1,
            OfferOutcome::Refused { .. } => self.stats.refused += 1,
            _ => {}
        }
        let taken = outcome == OfferOutcome::Joined && self.calls[ci].outcome.is_none();
        let busy = if taken {
            if matches!(via, OfferVia::Transfer | OfferVia::AddThenLeave) {
                Busy::Transferred { call_id: call_id.to_owned(), settle_at: now + TRANSFER_SETTLE_MS }
            } else {
                Busy::OnCall { call_id: call_id.to_owned() }
            }
        } else {
            Busy::Free
        };
        if outcome == OfferOutcome::Joined && !taken {
            // Joined a call someone else already took (ring group race): they are on it now.
            self.set_busy(&to, Busy::OnCall { call_id: call_id.to_owned() }, now);
        } else {
            self.set_busy(&to, busy, now);
        }
        if let (OfferOutcome::Refused { code, sub_code }, Taker::KnowledgeWorker { object_id }) = (&outcome, &to) {
            if let Some(w) = self.workers.iter_mut().find(|w| &w.object_id == object_id) {
                w.excluded = Some(format!("ACS refused the invitation ({code}/{sub_code}): no Teams Phone licence, no tenant consent or an unsupported identity"));
            }
        }
        if taken {
            let c = &mut self.calls[ci];
            c.stage = Stage::Connected;
            c.outcome = Some(CallOutcome::Answered { by: to.clone(), waited_ms: now - c.arrived_at });
            match to {
                Taker::Agent { .. } => self.stats.answered_by_agents += 1,
                Taker::KnowledgeWorker { .. } => self.stats.answered_by_knowledge_workers += 1,
            }
            let others: Vec<u64> = self.calls[ci].live_offers().map(|o| o.id).collect();
            for id in others {
                out.push(Command::Cancel { call_id: call_id.to_owned(), offer_id: id });
            }
        }
    }

    fn call_ended(&mut self, policy: &OverflowPolicy, call_id: &str, now: i64) {
        let Some(ci) = self.calls.iter().position(|c| c.call_id == call_id) else { return };
        if self.calls[ci].stage == Stage::Ended {
            return;
        }
        let live: Vec<Taker> = self.calls[ci].live_offers().map(|o| o.to.clone()).collect();
        for o in self.calls[ci].offers.iter_mut().filter(|o| o.outcome.is_none()) {
            o.outcome = Some(OfferOutcome::CallerLeft);
            o.ended_at = Some(now);
        }
        for who in live {
            self.set_busy(&who, Busy::Free, now);
        }
        // Whoever had the call (added, not transferred) is free again.
        let on_call: Vec<Taker> = self
            .agents
            .iter()
            .filter(|a| matches!(&a.busy, Busy::OnCall { call_id: c } if c == call_id))
            .map(|a| Taker::Agent { id: a.id.clone() })
            .chain(
                self.workers
                    .iter()
                    .filter(|w| matches!(&w.busy, Busy::OnCall { call_id: c } if c == call_id))
                    .map(|w| Taker::KnowledgeWorker { object_id: w.object_id.clone() }),
            )
            .collect();
        for who in on_call {
            self.set_busy(&who, Busy::Free, now);
        }
        let c = &mut self.calls[ci];
        if c.outcome.is_none() {
            c.outcome = Some(if c.after_hours {
                CallOutcome::AfterHours
            } else if c.fallback_at.is_some() && c.stage == Stage::Message && policy.fallback.then == Then::End {
                CallOutcome::FallbackEnded
            } else {
                self.stats.abandoned += 1;
                CallOutcome::Abandoned { waited_ms: now - c.arrived_at }
            });
        }
        c.stage = Stage::Ended;
        c.ended_at = Some(now);
    }

    /// Offers whose outcome never came, and the fallback.
    fn expire(&mut self, policy: &OverflowPolicy, now: i64, out: &mut Vec<Command>) {
        let timeout = i64::from(policy.invitation_timeout_seconds) * 1000;
        let lost: Vec<(String, u64)> = self
            .calls
            .iter()
            .flat_map(|c| {
                c.live_offers().filter(|o| o.at + timeout + OFFER_GRACE_MS <= now).map(|o| (c.call_id.clone(), o.id))
            })
            .collect();
        for (call_id, offer_id) in lost {
            self.offer_ended(&call_id, offer_id, OfferOutcome::Lost, now, out);
            out.push(Command::Cancel { call_id, offer_id });
        }
        let max_offers = policy.max_offers as usize;
        for c in self.calls.iter_mut().filter(|c| c.waiting() && c.fallback_at.is_none()) {
            let used_up = c.worker_offers() >= max_offers && c.live_offers().next().is_none();
            let waited = now - c.arrived_at >= i64::from(policy.fallback.after_seconds) * 1000;
            if used_up || waited {
                c.fallback_at = Some(now);
                c.stage = Stage::Message;
                self.stats.fallbacks += 1;
                // Ringing offers are withdrawn: the message is played to a caller, not a taker.
                for o in c.offers.iter().filter(|o| o.outcome.is_none()) {
                    out.push(Command::Cancel { call_id: c.call_id.clone(), offer_id: o.id });
                }
                out.push(Command::Message {
                    call_id: c.call_id.clone(),
                    url: policy.fallback.message_url.clone(),
                    then_end: policy.fallback.then == Then::End,
                });
            }
        }
    }

    /// Offers waiting calls, oldest first: to a free agent, else (when the trigger fires) to
    /// the best knowledge worker.
    fn dispatch(&mut self, policy: &OverflowPolicy, now: i64, out: &mut Vec<Command>) {
        let mut need_presence = false;
        let order: Vec<usize> = {
            let mut v: Vec<usize> = (0..self.calls.len()).filter(|&i| self.calls[i].waiting()).collect();
            v.sort_by_key(|&i| self.calls[i].arrived_at);
            v
        };
        let waiting = order.len() as u32;
        for ci in order {
            if self.calls[ci].live_offers().next().is_some() {
                continue;
            }
            let via = match policy.handoff {
                Handoff::Add => OfferVia::Add,
                Handoff::AddThenLeave => OfferVia::AddThenLeave,
                Handoff::Transfer => OfferVia::Transfer,
            };
            if let Some(a) = self.free_agent() {
                let call_id = self.calls[ci].call_id.clone();
                let offer_id = self.offer(ci, Taker::Agent { id: self.agents[a].id.clone() }, OfferVia::Add, now);
                out.push(Command::Offer {
                    call_id,
                    offer_id,
                    target: policy.agents[a].raw_id.as_str().to_owned(),
                    via: OfferVia::Add,
                    invitation_timeout_seconds: policy.invitation_timeout_seconds,
                });
                continue;
            }
            let call = &self.calls[ci];
            if !self.trigger_fires(policy, call, now, waiting) || call.worker_offers() >= policy.max_offers as usize {
                continue;
            }
            if self.presence_stale(policy, now) {
                need_presence = true;
                if self.workers.iter().all(|w| w.presence_at.is_none()) {
                    continue; // nothing known yet: wait for the first read
                }
            }
            let mut picks = self.candidates(policy, &self.calls[ci], now);
            let room = policy.max_offers as usize - self.calls[ci].worker_offers();
            picks.truncate(if policy.ring_group { room } else { 1 });
            for w in picks {
                let call_id = self.calls[ci].call_id.clone();
                let to = Taker::KnowledgeWorker { object_id: self.workers[w].object_id.clone() };
                let offer_id = self.offer(ci, to, via, now);
                out.push(Command::Offer {
                    call_id,
                    offer_id,
                    target: self.worker_raw_id(w),
                    via,
                    invitation_timeout_seconds: policy.invitation_timeout_seconds,
                });
                if let Some((g, i)) = self.member_position(policy, w) {
                    self.round_robin[g] = i;
                }
            }
        }
        if need_presence && self.presence_asked_at.is_none_or(|t| now - t >= PRESENCE_RETRY_MS) {
            self.presence_asked_at = Some(now);
            out.push(Command::ReadPresence { object_ids: self.workers.iter().map(|w| w.object_id.clone()).collect() });
        }
    }

    /// The first time after the last step at which someone's presence is too old to trust.
    fn presence_expiry(&self, policy: &OverflowPolicy) -> Option<i64> {
        let max_age = i64::from(policy.presence_max_age_seconds) * 1000;
        self.workers
            .iter()
            .filter(|w| w.excluded.is_none())
            .filter_map(|w| w.presence_at.map(|t| t + max_age + 1))
            .filter(|&t| t > self.last_step)
            .min()
    }

    fn presence_stale(&self, policy: &OverflowPolicy, now: i64) -> bool {
        let max_age = i64::from(policy.presence_max_age_seconds) * 1000;
        self.workers.iter().any(|w| w.excluded.is_none() && w.presence_at.is_none_or(|t| now - t > max_age))
    }

    fn trigger_fires(&self, policy: &OverflowPolicy, call: &QueuedCall, now: i64, waiting: u32) -> bool {
        let t = &policy.trigger;
        (t.no_free_agent && self.free_agent().is_none())
            || t.waited_seconds.is_some_and(|s| now - call.arrived_at >= i64::from(s) * 1000)
            || t.queue_length.is_some_and(|m| waiting > m)
    }

    fn free_agent(&self) -> Option<usize> {
        self.agents.iter().position(|a| a.signed_in && a.busy == Busy::Free)
    }

    /// Knowledge workers who may be offered `call`, best first: Available ones before Away /
    /// BeRightBack / unknown ones; groups in policy order; each group in its own order. Never
    /// Busy, DoNotDisturb or Offline, never excluded, never busy for the queue, never someone
    /// this call was already offered to.
    fn candidates(&self, policy: &OverflowPolicy, call: &QueuedCall, now: i64) -> Vec<usize> {
        let _ = now;
        let mut picks: Vec<(u8, usize, usize, usize)> = Vec::new(); // (tier, group, rank, seat)
        let mut seat = 0;
        for (g, group) in policy.groups.iter().enumerate() {
            let n = group.members.len();
            for i in 0..n {
                let w = &self.workers[seat + i];
                let tier = match w.availability.as_str() {
                    "Available" | "AvailableIdle" => 0,
                    "Away" | "BeRightBack" | "PresenceUnknown" => 1,
                    _ => continue, // Busy, BusyIdle, DoNotDisturb, Offline, anything unknown
                };
                let who = Taker::KnowledgeWorker { object_id: w.object_id.clone() };
                if w.excluded.is_some() || w.busy != Busy::Free || call.tried(&who) || w.presence_at.is_none() {
                    continue;
                }
                let rank = match group.order {
                    Order::Priority => i,
                    Order::RoundRobin => {
                        let last = self.round_robin.get(g).copied().unwrap_or(usize::MAX);
                        if last == usize::MAX {
                            i
                        } else {
                            (i + n - (last + 1) % n) % n
                        }
                    }
                    Order::LongestIdle => 0,
                };
                picks.push((tier, g, rank, seat + i));
            }
            seat += n;
        }
        picks.sort_by(|a, b| {
            (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| {
                // longestIdle: the earliest idle_since first, then list order.
                self.workers[a.3].idle_since.cmp(&self.workers[b.3].idle_since).then(a.3.cmp(&b.3))
            })
        });
        picks.into_iter().map(|p| p.3).collect()
    }

    fn member_position(&self, policy: &OverflowPolicy, seat: usize) -> Option<(usize, usize)> {
        let mut start = 0;
        for (g, group) in policy.groups.iter().enumerate() {
            if seat < start + group.members.len() {
                return Some((g, seat - start));
            }
            start += group.members.len();
        }
        None
    }

    fn offer(&mut self, ci: usize, to: Taker, via: OfferVia, now: i64) -> u64 {
        let id = self.new_offer();
        let call_id = self.calls[ci].call_id.clone();
        self.set_busy(&to, Busy::Offered { call_id, offer_id: id }, now);
        self.calls[ci].offers.push(Offer { id, to, at: now, via, outcome: None, ended_at: None });
        self.stats.offers += 1;
        id
    }

    fn new_offer(&mut self) -> u64 {
        let id = self.next_offer.max(1);
        self.next_offer = id + 1;
        id
    }

    fn set_busy(&mut self, who: &Taker, busy: Busy, now: i64) {
        let free = busy == Busy::Free;
        match who {
            Taker::Agent { id } => {
                if let Some(a) = self.agents.iter_mut().find(|a| &a.id == id) {
                    a.busy = busy;
                }
            }
            Taker::KnowledgeWorker { object_id } => {
                if let Some(w) = self.workers.iter_mut().find(|w| &w.object_id == object_id) {
                    // Idle time counts from the end of a call, not from a decline. The last
                    // presence read showed our own call (Busy): read it again before the
                    // next offer rather than wait for it to age.
                    if free && matches!(w.busy, Busy::OnCall { .. }) {
                        w.idle_since = now;
                        w.presence_at = None;
                    }
                    w.busy = busy;
                }
            }
        }
    }

    fn worker_raw_id(&self, seat: usize) -> String {
        format!("8:orgid:{}", self.workers[seat].object_id)
    }

    /// Keeps live calls and the last [`KEEP_ENDED`] ended ones.
    fn trim(&mut self) {
        let done = |c: &QueuedCall| c.stage == Stage::Ended || c.stage == Stage::Redirected;
        let mut ended: Vec<(i64, String)> = self
            .calls
            .iter()
            .filter(|c| done(c))
            .map(|c| (c.ended_at.unwrap_or(c.arrived_at), c.call_id.clone()))
            .collect();
        if ended.len() > KEEP_ENDED {
            // The calls that ended first go first (not those that arrived first: a long wait
            // that just ended stays in view).
            ended.sort();
            let gone: Vec<String> = ended.drain(..ended.len() - KEEP_ENDED).map(|(_, id)| id).collect();
            self.calls.retain(|c| !(done(c) && gone.contains(&c.call_id)));
        }
    }
}

/// What a call's line in the queue view says, in plain words.
pub fn describe(call: &QueuedCall, policy: &OverflowPolicy, now: i64) -> String {
    let name = |t: &Taker| taker_name(t, policy);
    let waited = |ms: i64| mmss(ms);
    match (&call.outcome, call.stage) {
        (Some(CallOutcome::Answered { by, waited_ms }), _) => {
            format!("Answered by {} after {}", name(by), waited(*waited_ms))
        }
        (Some(CallOutcome::Abandoned { waited_ms }), _) => format!("Caller hung up after {}", waited(*waited_ms)),
        (Some(CallOutcome::FallbackEnded), _) => {
            "Nobody was free: the callback message played and the call ended".into()
        }
        (Some(CallOutcome::AfterHours), _) => "Called outside business hours: the closed message played".into(),
        (Some(CallOutcome::Redirected { to }), _) => format!("Redirected to {} before answer", name(to)),
        (None, Stage::Answering) => "Answering".into(),
        (None, Stage::Message) if call.after_hours => "Playing the after-hours message".into(),
        (None, Stage::Message) => {
            format!("Waiting {}: nobody free, playing the fallback message", waited(now - call.arrived_at))
        }
        (None, _) => {
            let live: Vec<String> = call.live_offers().map(|o| name(&o.to)).collect();
            let last = call.offers.iter().rev().find(|o| o.outcome.is_some());
            let mut s = format!("Waiting {}", waited(now - call.arrived_at));
            if !live.is_empty() {
                s.push_str(&format!(": ringing {}", live.join(", ")));
            } else {
                s.push_str(": on hold");
            }
            if let Some(o) = last {
                s.push_str(&format!(
                    " ({} {})",
                    name(&o.to),
                    o.outcome.as_ref().map(OfferOutcome::words).unwrap_or_default()
                ));
            }
            s
        }
    }
}

/// A taker's display name.
pub fn taker_name(t: &Taker, policy: &OverflowPolicy) -> String {
    match t {
        Taker::Agent { id } => {
            policy.agents.iter().find(|a| &a.id == id).map_or_else(|| id.clone(), |a| a.name.clone())
        }
        Taker::KnowledgeWorker { object_id } => policy
            .members()
            .find(|(_, m)| m.object_id.as_str().eq_ignore_ascii_case(object_id))
            .map_or_else(|| object_id.clone(), |(_, m)| m.display_name.clone()),
    }
}

fn mmss(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Words for an offer's outcome (the queue view).
pub fn outcome_words(o: &OfferOutcome) -> String {
    o.words()
}
