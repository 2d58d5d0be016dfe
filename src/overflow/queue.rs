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

use super::messages::{Command, Input};
use super::policy::{OverflowPolicy, Then};
use super::queued::{CallOutcome, Offer, OfferOutcome, OfferVia, QueuedCall, Stage, Taker};
use super::seats::{AgentSeat, Busy, WorkerSeat};

mod dispatch;

/// Extra time after an offer's invitation timeout before the queue stops waiting for its
/// outcome (a lost callback): the offer counts as unanswered and the seat is free again.
pub const OFFER_GRACE_MS: i64 = 30_000;

/// How often a presence read that got no answer is asked again.
pub const PRESENCE_RETRY_MS: i64 = 5_000;

/// After a transfer, the taker is busy until a presence read this long after it says otherwise.
pub const TRANSFER_SETTLE_MS: i64 = 10_000;

/// The availability of a knowledge worker a presence read left out (never offered).
pub const NOT_RETURNED: &str = "NotReturnedByGraph";

/// Ended calls kept for the queue view.
pub const KEEP_ENDED: usize = 50;

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
    /// The last presence read failed: offers go by what is known rather than wait for it.
    #[serde(default)]
    presence_failing: bool,
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
                        // Keep waiting: a new round, in which everyone may be offered the call
                        // again (presence has moved on since), and the fallback's time anew.
                        c.stage = Stage::Waiting;
                        c.round_from = c.offers.len();
                        c.round_at = Some(now);
                        c.fallback_at = None;
                        out.push(Command::Hold { call_id, url: policy.hold_audio_url.clone() });
                    }
                }
            }
            Input::CallEnded { call_id, by_app } => self.call_ended(policy, &call_id, by_app, now),
            Input::Presence { presences } => {
                self.presence_failing = false;
                // Everyone asked about has been read: one Graph left out is "not returned" now
                // (never offered: nobody saw their presence), not "not read yet", which makes
                // offers wait for a read.
                for w in self.workers.iter_mut().filter(|w| w.presence_at.is_none()) {
                    if !presences.iter().any(|(id, _)| w.object_id.eq_ignore_ascii_case(id)) {
                        w.availability = NOT_RETURNED.into();
                        w.presence_at = Some(now);
                    }
                }
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
                // Asked again after PRESENCE_RETRY_MS (the asked time stays); meanwhile offers
                // go by what is known.
                self.presence_failing = true;
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
            Input::AgentInCall { call_id, raw_id, on } => {
                // A queue call's taker is known from its offer; only other calls count here.
                if self.call(&call_id).is_none() {
                    let seat = policy.agents.iter().position(|a| a.raw_id.as_str().eq_ignore_ascii_case(&raw_id));
                    if let Some(a) = seat.and_then(|i| self.agents.get_mut(i)) {
                        a.elsewhere.retain(|c| c != &call_id);
                        if on {
                            a.elsewhere.push(call_id);
                        }
                    }
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
        let waiting = self.calls.iter().filter(|c| c.waiting()).count() as u32;
        for c in self.calls.iter().filter(|c| c.outcome.is_none()) {
            for o in c.live_offers() {
                at(o.at + timeout + OFFER_GRACE_MS);
            }
            if c.waiting() {
                if c.fallback_at.is_none() {
                    at(c.round_start() + i64::from(policy.fallback.after_seconds) * 1000);
                }
                if c.live_offers().next().is_none() {
                    // Not offered to anyone: the next chances are the trigger's time (never a
                    // past one again: an edge arms a past wake at once, an alarm loop until the
                    // fallback) and fresher presence — a knowledge worker back from a meeting,
                    // or off a transferred call the queue cannot see end. A free agent or a
                    // call ending is an input of its own.
                    if let Some(t) = policy.trigger.waited_seconds.map(|s| c.arrived_at + i64::from(s) * 1000) {
                        if t > self.last_step {
                            at(t);
                        }
                    }
                    if self.trigger_fires(policy, c, self.last_step, waiting) {
                        if let Some(r) = self.presence_expiry(policy) {
                            at(r);
                        }
                        // A taker by transfer may be free once their call has settled.
                        for w in &self.workers {
                            if let Busy::Transferred { settle_at, .. } = w.busy {
                                if settle_at > self.last_step {
                                    at(settle_at);
                                }
                            }
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

    /// Signs out every agent whose console has no ready socket open (`open`: the agents that
    /// have one). A restart closes the sockets without telling anyone; an agent is in the pool
    /// only while their console is.
    pub fn signed_in_only(&mut self, open: &[String]) {
        for a in self.agents.iter_mut().filter(|a| a.signed_in) {
            if !open.contains(&a.id) {
                a.signed_in = false;
            }
        }
    }

    /// Whether the last presence read failed (Graph did not answer 200).
    pub fn presence_failing(&self) -> bool {
        self.presence_failing
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
                    None => AgentSeat { id: p.id.clone(), signed_in: false, busy: Busy::Free, elsewhere: Vec::new() },
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
            round_from: 0,
            round_at: None,
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
        // A join heard after the queue gave the offer up as lost is the truth of it: the
        // taker is in the call (its event was lost; the call's roster told). The call is theirs
        // unless someone took it meanwhile, and they are on it either way.
        let ended = matches!(self.calls[ci].stage, Stage::Ended | Stage::Redirected);
        let late_join = outcome == OfferOutcome::Joined && !ended;
        let open = |o: &&Offer| o.outcome.is_none() || (late_join && o.outcome == Some(OfferOutcome::Lost));
        let Some(oi) = self.calls[ci].offers.iter().position(|o| o.id == offer_id && open(&o)) else {
            return; // unknown or already concluded (a repeated outcome)
        };
        if self.calls[ci].offers[oi].outcome == Some(OfferOutcome::Lost) {
            self.stats.timed_out = self.stats.timed_out.saturating_sub(1);
            // They may have been offered another call since: withdrawn, they are on this one.
            if let Some((other_call, other_offer)) = self.seat_offer(&self.calls[ci].offers[oi].to) {
                out.push(Command::Cancel { call_id: other_call, offer_id: other_offer });
            }
        }
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
        } else if taken || self.seat_offer(&to) == Some((call_id.to_owned(), offer_id)) {
            // An offer that did not take the call frees only a seat it still holds: one that
            // joined another call meanwhile (a late join, above) stays on it.
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

    fn call_ended(&mut self, policy: &OverflowPolicy, call_id: &str, by_app: bool, now: i64) {
        let Some(ci) = self.calls.iter().position(|c| c.call_id == call_id) else { return };
        // A redirected call left the queue when ACS took the redirect (its end here follows).
        if matches!(self.calls[ci].stage, Stage::Ended | Stage::Redirected) {
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
            } else if by_app {
                // An agent ended it (a nuisance call, a caller who called back): not abandoned.
                CallOutcome::EndedByAgent { waited_ms: now - c.arrived_at }
            } else {
                self.stats.abandoned += 1;
                CallOutcome::Abandoned { waited_ms: now - c.arrived_at }
            });
        }
        c.stage = Stage::Ended;
        c.ended_at = Some(now);
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

    /// The offer `who`'s seat is held for, if it is.
    fn seat_offer(&self, who: &Taker) -> Option<(String, u64)> {
        let busy = match who {
            Taker::Agent { id } => self.agents.iter().find(|a| &a.id == id).map(|a| &a.busy),
            Taker::KnowledgeWorker { object_id } => {
                self.workers.iter().find(|w| &w.object_id == object_id).map(|w| &w.busy)
            }
        };
        match busy? {
            Busy::Offered { call_id, offer_id } => Some((call_id.clone(), *offer_id)),
            _ => None,
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
            crate::small_sort::sort_by(&mut ended, Ord::cmp);
            let gone: Vec<String> = ended.drain(..ended.len() - KEEP_ENDED).map(|(_, id)| id).collect();
            self.calls.retain(|c| !(done(c) && gone.contains(&c.call_id)));
        }
    }
}
