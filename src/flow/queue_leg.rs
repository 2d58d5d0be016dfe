//! A call's side of the tenant queue (peak overflow): the call's Durable Object carries out the
//! queue's commands for this call — answer, hold audio, offer by redirect / add / transfer,
//! cancel, messages — and reports back what its callbacks say (answered, an offer's outcome,
//! a message played, the call over) as [`Output::Queue`] inputs for the queue's object.
//!
//! Offers carry their id in the operation context (`queue-offer-<id>`), so the outcome events
//! name the offer they conclude.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::outbox::Purpose;
use super::session::{json_push, CallSession, Ctx, Output};
use crate::call::{Action, ParticipantStatus};
use crate::events::{Event, EventData};
use crate::overflow::{offer_operation, Command, Input, OfferOutcome, OfferVia};
use crate::{CommunicationIdentifier, RawId};

const HOLD: &str = "queue-hold";
const MESSAGE: &str = "queue-message";
const OFFER: &str = "queue-offer-";

/// What the call knows of its place in the queue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueLeg {
    /// Offers made on this call: (offer id, target raw id, via).
    pub offers: Vec<(u64, String, OfferVia)>,
    /// Offers whose outcome was reported.
    pub concluded: Vec<u64>,
    /// Offers reported joined (by their AddParticipantSucceeded or by the roster): the other of
    /// the two does not report it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joined: Vec<u64>,
    /// `Answered` was reported.
    pub answered: bool,
    /// The message playing ends the call when it ends.
    pub end_after_message: bool,
    /// Who took the call (joined by add), raw id.
    pub taken_by: Option<String>,
    /// The call is being ended by the queue (after the taker or the caller left).
    pub ending: bool,
    /// `CallEnded` was reported.
    pub ended: bool,
}

fn offer_context(id: u64) -> String {
    format!("{OFFER}{id}")
}

fn offer_of(context: Option<&str>) -> Option<u64> {
    context?.strip_prefix(OFFER)?.parse().ok()
}

impl CallSession {
    /// Joins the tenant queue (routing action `queue`): the queue is told the call arrived.
    pub(super) fn enter_queue(&mut self, caller: Option<String>) -> Vec<Output> {
        self.queue = Some(QueueLeg::default());
        vec![Output::Queue(Input::Arrived { call_id: self.call_id.clone(), caller })]
    }

    /// Whether this call is a queue call.
    pub fn is_queued(&self) -> bool {
        self.queue.is_some()
    }

    /// One of the queue's commands for this call.
    pub fn queue_command(&mut self, cmd: &Command, ctx: Ctx<'_>) -> Vec<Output> {
        self.updated_at = ctx.now;
        if self.queue.is_none() {
            self.queue = Some(QueueLeg::default());
        }
        let mut out = vec![self.log(ctx.now, "queue", json!({"command": cmd}))];
        match cmd {
            Command::Answer { .. } => {
                if let Some((op, params)) = self.answer_params() {
                    out.extend(self.decide(op, params, Some("answer".into()), ctx, 20));
                }
            }
            Command::Hold { url, .. } => out.extend(self.play_to_all(url, true, HOLD, ctx)),
            Command::Redirect { offer_id, target, .. } => {
                let id = CommunicationIdentifier::from_raw_id(target);
                match self.offer_params("redirectCall", json!({"target": id})) {
                    Some((op, params)) => {
                        self.leg().offers.push((*offer_id, target.clone(), OfferVia::Redirect));
                        self.leg().concluded.push(*offer_id);
                        out.extend(self.decide(op, params, None, ctx, 21));
                    }
                    None => out.push(self.outcome(*offer_id, OfferOutcome::Failed { code: 409 })),
                }
            }
            Command::Offer { offer_id, target, via, invitation_timeout_seconds, .. } => {
                let who = CommunicationIdentifier::from_raw_id(target);
                let op = match offer_operation(&self.state, *via, &who) {
                    Ok(op) => op,
                    Err(r) => {
                        out.push(json_push("notice", json!({"message": format!("The queue's offer cannot be made: {}", r.reason), "rule": r.rule})));
                        out.push(self.outcome(*offer_id, OfferOutcome::Failed { code: 409 }));
                        return out;
                    }
                };
                let Ok(mut params) = self.on_call() else {
                    out.push(self.outcome(*offer_id, OfferOutcome::CallerLeft));
                    return out;
                };
                let context = offer_context(*offer_id);
                // A transfer the rules turned into an add is an add.
                let via = match (op, *via) {
                    ("addParticipant", OfferVia::AddThenLeave) => OfferVia::AddThenLeave,
                    ("addParticipant", _) => OfferVia::Add,
                    (_, v) => v,
                };
                match via {
                    OfferVia::Transfer => {
                        params.insert("targetParticipant".into(), json!(who));
                    }
                    _ => {
                        params.insert("participantToAdd".into(), json!(who));
                        params.insert("invitationTimeoutInSeconds".into(), json!(invitation_timeout_seconds));
                        if let Some(n) = &self.policy.source_display_name {
                            params.insert("sourceDisplayName".into(), json!(n));
                        }
                    }
                }
                params.insert("operationContext".into(), json!(context));
                self.leg().offers.push((*offer_id, target.clone(), via));
                out.extend(self.decide(op, params, Some(context), ctx, 22));
            }
            Command::Cancel { offer_id, .. } => {
                let target = self.leg().offers.iter().find(|o| o.0 == *offer_id).map(|o| (o.1.clone(), o.2));
                let invitation = target
                    .as_ref()
                    .filter(|(_, via)| matches!(via, OfferVia::Add | OfferVia::AddThenLeave))
                    .and_then(|(raw, _)| {
                        let raw = RawId::new(raw.clone()).ok()?;
                        let p = self.state.participant(&raw)?;
                        p.invitation.as_ref().filter(|i| i.status == ParticipantStatus::Ringing)?.invitation_id.clone()
                    });
                // Nothing ringing any more: the outcome is whatever ACS says (or said).
                if let (Some(inv), Ok(mut p)) = (invitation, self.on_call()) {
                    p.insert("invitationId".into(), json!(inv));
                    p.insert("operationContext".into(), json!(offer_context(*offer_id)));
                    out.extend(self.decide("cancelAddParticipant", p, Some(offer_context(*offer_id)), ctx, 23));
                }
            }
            Command::Message { url, then_end, .. } => {
                self.leg().end_after_message = *then_end;
                if let Ok(p) = self.on_call() {
                    // A looped hold never ends: a play queued behind it would never start.
                    out.extend(self.decide("cancelAllMediaOperations", p, None, ctx, 24));
                }
                out.extend(self.play_to_all(url, false, MESSAGE, ctx));
            }
            Command::ReadPresence { .. } => {}
        }
        out
    }

    /// After callbacks: what the queue must hear, and the queue leg's own steps (stop the hold
    /// audio when the taker joins, end the call after the closing message or when the caller
    /// or the taker has left).
    pub(super) fn queue_react(&mut self, events: &[&Event], ctx: Ctx<'_>) -> Vec<Output> {
        let mut out = Vec::new();
        if self.queue.is_none() {
            return out;
        }
        for e in events {
            let Some(data) = e.data.call_event() else { continue };
            let context = data.operation_context.as_deref();
            let result = data.result_information.as_ref().map(|r| (r.code, r.sub_code)).unwrap_or((0, 0));
            match &e.data {
                EventData::AddParticipantSucceeded(_) | EventData::CallTransferAccepted(_) => {
                    // (Not again for an offer the roster already showed taken, below.)
                    if let Some(id) = offer_of(context).filter(|id| !self.leg().joined.contains(id)) {
                        let transfer = matches!(e.data, EventData::CallTransferAccepted(_));
                        out.extend(self.offer_joined(id, transfer, ctx));
                    }
                }
                EventData::AddParticipantFailed(_) | EventData::CallTransferFailed(_) => {
                    if let Some(id) = offer_of(context) {
                        out.push(self.outcome(id, OfferOutcome::from_result(result.0, result.1)));
                    }
                }
                EventData::CancelAddParticipantSucceeded(_) => {
                    if let Some(id) = offer_of(context) {
                        out.push(self.outcome(id, OfferOutcome::Cancelled));
                    }
                }
                EventData::PlayCompleted(_) | EventData::PlayFailed(_) | EventData::PlayCanceled(_)
                    if context == Some(MESSAGE) =>
                {
                    out.push(Output::Queue(Input::MessagePlayed { call_id: self.call_id.clone() }));
                    if self.leg().end_after_message {
                        out.extend(self.end_queue_call(ctx, "message played"));
                    }
                }
                _ => {}
            }
        }
        // A taker the roster shows in the call has taken it, whether or not its
        // AddParticipantSucceeded arrived: that callback can be lost (a restart, a dropped
        // delivery), and the roster comes again, from ACS or from a reconciliation read.
        // Otherwise the offer would run out, the next taker would join too, and the hold audio
        // would play on under the conversation.
        let in_call = |raw: &str| {
            RawId::new(raw.to_owned())
                .ok()
                .and_then(|r| self.state.participant(&r))
                .is_some_and(|p| p.status == ParticipantStatus::Connected)
        };
        let open: Vec<u64> = self.queue.as_ref().map_or_else(Vec::new, |leg| {
            leg.offers
                .iter()
                .filter(|(id, raw, via)| {
                    matches!(via, OfferVia::Add | OfferVia::AddThenLeave) && !leg.concluded.contains(id) && in_call(raw)
                })
                .map(|o| o.0)
                .collect()
        });
        for id in open {
            out.push(self.log(ctx.now, "workflow", json!({"queue": "taker in the roster", "offer": id})));
            out.extend(self.offer_joined(id, false, ctx));
        }
        // Answered into the queue once connected and the roster is known: a transfer offered
        // before the first ParticipantsUpdated would be refused as not 1:1.
        let connected = self.state.connection_state.as_ref().is_some_and(|s| s.to_string() == "connected");
        if connected && !self.leg().answered && self.state.others_in_call().next().is_some() {
            self.leg().answered = true;
            out.push(Output::Queue(Input::Answered { call_id: self.call_id.clone() }));
        }
        // After the handoff: when the caller or the taker is gone, the queue leg ends the call
        // (the other is alone with a silent bot otherwise) and the taker is free again.
        if let (Some(taker), false) = (self.leg().taken_by.clone(), self.leg().ending) {
            let taker = RawId::new(taker).ok();
            let connected = |r: Option<&RawId>| {
                r.and_then(|r| self.state.participant(r)).is_some_and(|p| p.status == ParticipantStatus::Connected)
            };
            let caller = self.state.incoming.as_ref().map(|o| o.from.raw_id().clone());
            let taker_joined = taker.as_ref().and_then(|r| self.state.participant(r)).is_some();
            if taker_joined && (!connected(taker.as_ref()) || !connected(caller.as_ref())) {
                out.extend(self.end_queue_call(ctx, "the caller or the taker left"));
            }
        }
        if self.state.is_ended() && !self.leg().ended {
            self.leg().ended = true;
            for (id, _, _) in self.leg().offers.clone() {
                if !self.leg().concluded.contains(&id) {
                    self.leg().concluded.push(id);
                }
            }
            let by_app = self.state.ending.is_some();
            out.push(Output::Queue(Input::CallEnded { call_id: self.call_id.clone(), by_app }));
        }
        out
    }

    /// The queue's view of an ACS answer to one of its requests: a refused offer request (4xx
    /// from ACS, no event will follow) is an outcome now.
    pub(super) fn queue_sent(&mut self, operation: &str, context: Option<&str>, status: u16) -> Vec<Output> {
        if self.queue.is_none() || (200..300).contains(&status) {
            return Vec::new();
        }
        match (operation, offer_of(context)) {
            ("addParticipant" | "transferToParticipant", Some(id)) => {
                vec![self.outcome(id, OfferOutcome::Failed { code: i32::from(status) })]
            }
            // The queue's answer still failing after KEEP_TRYING_MS: the queue lets the call go
            // (it stays offered to the agents, its context unspent).
            ("redirectCall" | "answerCall", _)
                if self.state.is_ended() || status == 404 || operation == "answerCall" =>
            {
                self.leg().ended = true;
                vec![Output::Queue(Input::CallEnded { call_id: self.call_id.clone(), by_app: false })]
            }
            _ => Vec::new(),
        }
    }

    /// Why the app may not leave this queue call now: while the one who took it is on it, the
    /// queue leg is how the queue learns the call ended and frees them for the next call (an
    /// agent has no presence to tell it otherwise). Ending the call for everyone stays allowed.
    pub(super) fn queue_leg_needed(&self) -> Option<crate::api::ApiError> {
        let leg = self.queue.as_ref().filter(|l| !l.ending)?;
        let taker = RawId::new(leg.taken_by.clone()?).ok()?;
        let on_call = self.state.participant(&taker).is_some_and(|p| p.status == ParticipantStatus::Connected);
        on_call.then(|| {
            crate::api::ApiError::new(
                409,
                "refused_by_rule",
                "Switchboard stays, silent, in a queue call until it ends, to know when its taker is free \
                 again: end the call for everyone, or let the caller or the taker hang up",
            )
            .detail(json!({"rule": "queue_leg_stays", "operation": "hangupCall"}))
        })
    }

    fn leg(&mut self) -> &mut QueueLeg {
        self.queue.get_or_insert_with(QueueLeg::default)
    }

    /// The taker of offer `id` joined (or took the transfer): the hold audio stops, the queue's
    /// leg stays silent in the call (or leaves it, `addThenLeave`), and the queue hears it.
    fn offer_joined(&mut self, id: u64, transfer: bool, ctx: Ctx<'_>) -> Vec<Output> {
        let mut out = Vec::new();
        let offer = self.leg().offers.iter().find(|o| o.0 == id).cloned();
        if !transfer {
            if let Ok(p) = self.on_call() {
                out.extend(self.decide("cancelAllMediaOperations", p, None, ctx, 25));
            }
            match offer {
                // The caller and the taker carry on without the queue's leg.
                Some((_, _, OfferVia::AddThenLeave)) => {
                    self.leg().ending = true;
                    if let Ok(p) = self.on_call() {
                        out.extend(self.decide("hangupCall", p, None, ctx, 28));
                    }
                }
                Some((_, raw, _)) => self.leg().taken_by = Some(raw),
                None => {}
            }
        }
        self.leg().joined.push(id);
        out.push(self.outcome(id, OfferOutcome::Joined));
        out
    }

    fn outcome(&mut self, offer_id: u64, outcome: OfferOutcome) -> Output {
        let leg = self.leg();
        if !leg.concluded.contains(&offer_id) {
            leg.concluded.push(offer_id);
        }
        Output::Queue(Input::OfferEnded { call_id: self.call_id.clone(), offer_id, outcome })
    }

    fn end_queue_call(&mut self, ctx: Ctx<'_>, why: &str) -> Vec<Output> {
        self.leg().ending = true;
        let Ok(p) = self.on_call() else { return Vec::new() };
        let mut out = vec![self.log(ctx.now, "workflow", json!({"queue": "end call", "why": why}))];
        out.extend(self.decide("terminateCall", p, Some("queue-end".into()), ctx, 26));
        out
    }

    fn play_to_all(&mut self, url: &str, looped: bool, context: &str, ctx: Ctx<'_>) -> Vec<Output> {
        let Ok(mut p) = self.on_call() else { return Vec::new() };
        p.insert("playSources".into(), json!([{"kind": "file", "file": {"uri": url}}]));
        if looped {
            p.insert("playOptions".into(), json!({"loop": true}));
        }
        p.insert("operationContext".into(), json!(context));
        self.decide("play", p, Some(context.to_owned()), ctx, 27)
    }

    /// Records and enqueues one workflow request when the rules allow it.
    fn decide(
        &mut self,
        op: &'static str,
        params: Map<String, Value>,
        context: Option<String>,
        ctx: Ctx<'_>,
        salt: u8,
    ) -> Vec<Output> {
        let action = Action::from_members(op, &params).unwrap_or_default();
        if let Err(r) = self.state.can(&action) {
            let log = self.log(
                ctx.now,
                "workflow",
                json!({"queue": "refused", "operation": op, "rule": r.rule, "reason": r.reason}),
            );
            return vec![log];
        }
        self.state.record_command(&action, context.as_deref(), Some(ctx.now), Some("queue"));
        self.enqueue(op, params, context, Purpose::Workflow, ctx, salt)
    }
}
