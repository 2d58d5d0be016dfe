//! Calls, their legs and invitations, and the call-connection operations: create, answer,
//! redirect, reject, get, hang up, terminate, transfer, participants (list, get, add, remove,
//! cancel add, mute, unmute, hold, unhold).

use serde_json::{json, Map, Value};

use super::events::info;
use super::teams::{self, Outcome};
use super::{Emulator, Job, Response};
use crate::events::CallEvent;
use crate::model::ResultInformation;
use crate::model::{CallConnectionState, CallParticipant, PhoneNumberModel};
use crate::ops::{
    add_participant, answer_call, cancel_add_participant, create_call, hold, mute_participants, properties,
    redirect_call, reject_call, remove_participant, transfer_to_participant,
};
use crate::{CommunicationIdentifier, IdentifierKind};

/// An inbound call waiting to be answered, redirected or rejected.
#[derive(Clone, Debug)]
pub(crate) struct Offer {
    pub server_call_id: String,
    pub correlation_id: String,
    pub from: CommunicationIdentifier,
    pub to: CommunicationIdentifier,
    pub used: bool,
}

/// Someone in the call (the Call Automation app itself is not listed).
#[derive(Clone, Debug)]
pub(crate) struct Leg {
    pub id: CommunicationIdentifier,
    pub muted: bool,
    pub on_hold: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Purpose {
    Add,
    Create,
    Transfer { transferee: Option<CommunicationIdentifier> },
}

/// A ringing invitation.
#[derive(Clone, Debug)]
pub(crate) struct Invite {
    pub id: String,
    pub target: CommunicationIdentifier,
    pub operation_context: Option<String>,
    pub callback: String,
    pub purpose: Purpose,
    pub leave_after_ms: Option<i64>,
}

/// What to ring, and on whose behalf.
pub(crate) struct Ring<'a> {
    pub target: CommunicationIdentifier,
    pub operation_context: Option<String>,
    pub callback: String,
    pub purpose: Purpose,
    pub timeout_s: Option<i32>,
    pub display_name: Option<&'a str>,
}

/// One call connection.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub id: String,
    pub server_call_id: String,
    pub correlation_id: String,
    pub callback_uri: String,
    pub state: CallConnectionState,
    pub connect_context: Option<String>,
    pub source: CommunicationIdentifier,
    pub source_display_name: Option<String>,
    pub source_caller_id_number: Option<PhoneNumberModel>,
    pub answered_for: Option<PhoneNumberModel>,
    pub media_streaming_subscription: Option<Value>,
    pub transcription_subscription: Option<Value>,
    pub targets: Vec<CommunicationIdentifier>,
    pub legs: Vec<Leg>,
    pub invites: Vec<Invite>,
    pub seq: i64,
    /// The media operation in progress (its started event may still be on its way).
    pub media: Option<super::media::MediaOp>,
    /// Media operations waiting behind it, in the order they were asked for (ACS queues a
    /// play or recognize unless it sets `interruptCallMediaOperation`).
    pub media_queue: Vec<super::media::MediaOp>,
    pub recording: Option<String>,
    /// The recording a Teams user in the call runs from their client, while it runs.
    pub teams_recording: Option<String>,
    pub teams_joined: bool,
    pub ended: bool,
    pub last_event_at: i64,
}

impl Call {
    /// A leg by raw id (phone `+` drift folded).
    pub fn leg(&self, id: &CommunicationIdentifier) -> Option<usize> {
        self.legs.iter().position(|l| l.id.raw_id().same_participant(id.raw_id()))
    }

    fn properties(&self) -> properties::CallConnectionProperties {
        properties::CallConnectionProperties {
            call_connection_id: self.id.clone(),
            server_call_id: Some(self.server_call_id.clone()),
            targets: Some(self.targets.clone()),
            call_connection_state: Some(self.state.clone()),
            callback_uri: Some(self.callback_uri.clone()),
            source: Some(self.source.clone()),
            source_display_name: self.source_display_name.clone(),
            source_caller_id_number: self.source_caller_id_number.clone(),
            correlation_id: Some(self.correlation_id.clone()),
            answered_for: self.answered_for.clone(),
            media_streaming_subscription: self.media_streaming_subscription.clone(),
            transcription_subscription: self.transcription_subscription.clone(),
            ..Default::default()
        }
    }
}

fn ok_json<T: serde::Serialize>(status: u16, body: &T) -> Response {
    Response::typed(status, body)
}

/// `404 8522` for a call that does not exist or has ended.
pub(super) fn not_found() -> Response {
    Response::error(404, "8522", "Call not found or already ended.")
}

impl Emulator {
    /// The next event time for a call: after `at`, and after the call's previous event.
    pub(super) fn event_at(&mut self, call_id: &str, at: i64) -> i64 {
        let t = match self.calls.get_mut(call_id) {
            Some(c) => {
                c.last_event_at = (c.last_event_at + 1).max(at);
                c.last_event_at
            }
            None => at,
        };
        t
    }

    pub(super) fn emit_call(&mut self, call_id: &str, url: &str, name: &str, at: i64, event: CallEvent) {
        let at = self.event_at(call_id, at);
        self.emit(call_id, url, name, at, event);
    }

    /// Emits ParticipantsUpdated with the current roster (sequence numbers have gaps, SPEC §9).
    pub(super) fn roster(&mut self, call_id: &str, at: i64) {
        let step = self.rng.between(1, 2);
        let Some(call) = self.calls.get_mut(call_id) else { return };
        call.seq += step;
        let participants: Vec<CallParticipant> = call
            .legs
            .iter()
            .map(|l| CallParticipant { identifier: l.id.clone(), is_muted: l.muted, is_on_hold: Some(l.on_hold) })
            .collect();
        let (seq, url) = (call.seq, call.callback_uri.clone());
        self.emit_call(
            call_id,
            &url,
            "ParticipantsUpdated",
            at,
            CallEvent {
                sequence_number: Some(seq),
                participants: Some(participants),
                result_information: Some(info(200, 0, "")),
                ..CallEvent::default()
            },
        );
    }

    fn new_call(&mut self, callback_uri: String, source: CommunicationIdentifier) -> String {
        let id = self.rng.uuid();
        let server_call_id = server_call_id(&self.rng.uuid());
        let correlation_id = self.rng.uuid();
        self.calls.insert(
            id.clone(),
            Call {
                id: id.clone(),
                server_call_id,
                correlation_id,
                callback_uri,
                state: CallConnectionState::Connecting,
                connect_context: None,
                source,
                source_display_name: None,
                source_caller_id_number: None,
                answered_for: None,
                media_streaming_subscription: None,
                transcription_subscription: None,
                targets: Vec::new(),
                legs: Vec::new(),
                invites: Vec::new(),
                seq: 0,
                media: None,
                media_queue: Vec::new(),
                recording: None,
                teams_recording: None,
                teams_joined: false,
                ended: false,
                last_event_at: self.now,
            },
        );
        id
    }

    /// Rings `target` for `call`: records what a Teams client shows, schedules the outcome.
    fn invite(&mut self, call_id: &str, ring: Ring<'_>) -> String {
        let Ring { target, operation_context, callback, purpose, timeout_s, display_name } = ring;
        let invitation = self.rng.uuid();
        let timeout_ms =
            i64::from(timeout_s.map_or(self.world.timing.default_invitation_timeout_s as i32, |t| t)) * 1000;
        let caller = self.calls.get(call_id).map(|c| caller_shown(&c.source, &self.world)).unwrap_or_default();
        let outcome = teams::decide(&self.world, &target, timeout_ms.max(1));
        let rings = outcome.rings();
        if let Some(s) = teams::sighting(&self.world, &target, display_name, &caller, self.now).filter(|_| rings) {
            self.push_log(super::LogEntry {
                kind: "sighting",
                body: super::log::value(&s),
                call_connection_id: Some(call_id.to_owned()),
                ..Default::default()
            });
            self.sightings.push(s);
        }
        let leave_after_ms = match &outcome {
            Outcome::Answers { leave_after_ms, .. } => *leave_after_ms,
            Outcome::Fails { .. } => None,
        };
        if let Some(c) = self.calls.get_mut(call_id) {
            c.invites.push(Invite {
                id: invitation.clone(),
                target,
                operation_context,
                callback,
                purpose,
                leave_after_ms,
            });
        }
        let call = call_id.to_owned();
        match outcome {
            Outcome::Answers { after_ms, .. } => {
                self.schedule(self.now + after_ms, Job::Answer { call, invitation: invitation.clone() })
            }
            Outcome::Fails { after_ms, code, sub_code, message } => self.schedule(
                self.now + after_ms,
                Job::InviteFails { call, invitation: invitation.clone(), code, sub_code, message },
            ),
        }
        invitation
    }
}

/// What a callee sees as the caller when no custom name applies: the number or identity.
fn caller_shown(source: &CommunicationIdentifier, world: &super::WorldConfig) -> String {
    match source.kind() {
        IdentifierKind::PhoneNumber(p) => p.value.clone(),
        _ => world.resource.phone_numbers.first().cloned().unwrap_or_else(|| source.raw_id().to_string()),
    }
}

/// A server call id shaped like the service's (Base64 of a conversation URL).
fn server_call_id(seed: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("https://api.flightproxy.skype.com/api/v2/cp/conv-emulator.conv.skype.com/conv/{seed}"))
}

/// The media streaming and transcription subscriptions a new call asked for, shaped as the
/// examples' responses (`{id, state, subscribedContentTypes}`, `{id, state, subscribedResultTypes}`).
/// The options come in the schema's members or, as the 2025-05-15 examples send them, under
/// `transportOptions.config.websocketTransportOptions` (SPEC §7.1).
fn subscribe(
    emu: &mut Emulator,
    call_id: &str,
    media: Option<&Value>,
    transcription: Option<&Value>,
    extra: &Map<String, Value>,
) {
    let transport = extra.get("transportOptions").and_then(|t| t.pointer("/config/websocketTransportOptions"));
    let media = media.or_else(|| transport.and_then(|t| t.get("mediaStreamingOptions")));
    let transcription = transcription.or_else(|| transport.and_then(|t| t.get("transcriptionOptions")));
    let state = |o: &Value, start: &str| if o[start] == true { "active" } else { "inactive" };
    let media = media.map(|o| {
        let content = o.get("contentType").and_then(Value::as_str).unwrap_or("audio");
        json!({"id": emu.rng.uuid(), "state": state(o, "startMediaStreaming"), "subscribedContentTypes": [content]})
    });
    let transcription = transcription.map(|o| {
        let mut v =
            json!({"id": emu.rng.uuid(), "state": state(o, "startTranscription"), "subscribedResultTypes": ["final"]});
        if let Some(locale) = o.get("locale").filter(|l| l.is_string()) {
            v["locale"] = locale.clone();
        }
        v
    });
    if let Some(c) = emu.calls.get_mut(call_id) {
        c.media_streaming_subscription = media;
        c.transcription_subscription = transcription;
    }
}

// ---- pre-connection operations ---------------------------------------------------------------

pub(super) fn create(emu: &mut Emulator, body: create_call::CreateCallRequest) -> Response {
    if let Some(n) = &body.source_caller_id_number {
        let owned = emu.world.resource.phone_numbers.iter().any(|p| {
            crate::ids::canonical_raw_id(&format!("4:{p}")) == crate::ids::canonical_raw_id(&format!("4:{}", n.value))
        });
        if !owned {
            return Response::error(
                403,
                "7507",
                "Call source identity invalid: the caller id number is not owned by this resource.",
            );
        }
    }
    let source = CommunicationIdentifier::communication_user(&emu.world.resource.bot_id);
    let id = emu.new_call(body.callback_uri.clone(), source);
    if let Some(c) = emu.calls.get_mut(&id) {
        c.targets = body.targets.clone();
        c.connect_context = body.operation_context.clone();
        c.source_display_name = body.source_display_name.clone();
        c.source_caller_id_number = body.source_caller_id_number.clone();
    }
    subscribe(emu, &id, body.media_streaming_options.as_ref(), body.transcription_options.as_ref(), &body.extra);
    for t in &body.targets {
        emu.invite(
            &id,
            Ring {
                target: t.clone(),
                operation_context: body.operation_context.clone(),
                callback: body.callback_uri.clone(),
                purpose: Purpose::Create,
                timeout_s: None,
                display_name: body.source_display_name.as_deref(),
            },
        );
    }
    ok_json(201, &emu.calls[&id].properties())
}

pub(super) fn answer(emu: &mut Emulator, body: answer_call::AnswerCallRequest) -> Response {
    let offer = match emu.offers.get_mut(&body.incoming_call_context) {
        Some(o) if !o.used => {
            o.used = true;
            o.clone()
        }
        _ => return Response::error(400, "8523", "The incoming call context is invalid, expired or already used."),
    };
    let source = CommunicationIdentifier::communication_user(&emu.world.resource.bot_id);
    let id = emu.new_call(body.callback_uri.clone(), source);
    if let Some(c) = emu.calls.get_mut(&id) {
        c.server_call_id = offer.server_call_id.clone();
        c.correlation_id = offer.correlation_id.clone();
        c.connect_context = body.operation_context.clone();
        c.legs.push(Leg { id: offer.from.clone(), muted: false, on_hold: false });
        if let IdentifierKind::PhoneNumber(p) = offer.to.kind() {
            c.answered_for = Some(PhoneNumberModel::new(p.value.clone()));
        }
        c.targets = vec![offer.to.clone()];
        // SPEC §9: the answer response says "unknown" until CallConnected.
        c.state = CallConnectionState::Unknown;
    }
    subscribe(emu, &id, body.media_streaming_options.as_ref(), body.transcription_options.as_ref(), &body.extra);
    let at = emu.now + emu.world.timing.connect_delay_ms;
    emu.schedule(at, Job::Connect { call: id.clone() });
    let res = ok_json(200, &emu.calls[&id].properties());
    if let Some(c) = emu.calls.get_mut(&id) {
        c.state = CallConnectionState::Connecting;
    }
    res
}

/// Connect: take control of an existing call by locator. A server call id of a call the
/// emulator knows joins that call (its participants are in the new connection's roster); a group
/// or room id starts an empty call others may join.
pub(super) fn connect_call(emu: &mut Emulator, body: crate::ops::connect::ConnectRequest) -> Response {
    let source = CommunicationIdentifier::communication_user(&emu.world.resource.bot_id);
    let existing = body
        .call_locator
        .server_call_id
        .as_ref()
        .and_then(|s| emu.calls.values().find(|c| &c.server_call_id == s).cloned());
    if body.call_locator.server_call_id.is_some() && existing.is_none() {
        return Response::error(404, "8522", "No call with this server call id.");
    }
    let id = emu.new_call(body.callback_uri.clone(), source);
    if let Some(c) = emu.calls.get_mut(&id) {
        c.connect_context = body.operation_context.clone();
        if let Some(e) = &existing {
            c.server_call_id = e.server_call_id.clone();
            c.correlation_id = e.correlation_id.clone();
            c.legs = e.legs.clone();
        }
    }
    subscribe(emu, &id, body.media_streaming_options.as_ref(), body.transcription_options.as_ref(), &body.extra);
    let at = emu.now + emu.world.timing.connect_delay_ms;
    emu.schedule(at, Job::Connect { call: id.clone() });
    ok_json(200, &emu.calls[&id].properties())
}

pub(super) fn redirect(emu: &mut Emulator, body: redirect_call::RedirectCallRequest) -> Response {
    match emu.offers.get_mut(&body.incoming_call_context) {
        Some(o) if !o.used => {
            o.used = true;
            let offer = o.clone();
            emu.schedule(
                emu.now + emu.world.timing.event_delay_ms,
                Job::RedirectRings { offer: Box::new(offer), target: Box::new(body.target) },
            );
            Response::empty(204)
        }
        _ => Response::error(400, "8523", "The incoming call context is invalid, expired or already used."),
    }
}

pub(super) fn reject(emu: &mut Emulator, body: reject_call::RejectCallRequest) -> Response {
    match emu.offers.get_mut(&body.incoming_call_context) {
        Some(o) if !o.used => {
            o.used = true;
            Response::empty(204)
        }
        _ => Response::error(400, "8523", "The incoming call context is invalid, expired or already used."),
    }
}

/// The redirected call rings its new target (no call connection: nothing is called back).
pub(super) fn redirect_rings(emu: &mut Emulator, offer: Offer, target: CommunicationIdentifier, at: i64) {
    let caller = caller_shown(&offer.from, &emu.world);
    let outcome = teams::decide(&emu.world, &target, emu.world.timing.default_invitation_timeout_s * 1000);
    if let Some(s) = teams::sighting(&emu.world, &target, None, &caller, at).filter(|_| outcome.rings()) {
        emu.push_log(super::LogEntry {
            kind: "sighting",
            body: super::log::value(&s),
            note: Some("redirected call".into()),
            ..Default::default()
        });
        emu.sightings.push(s);
    }
    let note = match outcome {
        Outcome::Answers { .. } => format!("redirected call answered by {}", target.raw_id()),
        Outcome::Fails { code, sub_code, .. } => {
            format!("redirected call to {} failed {code}/{sub_code}", target.raw_id())
        }
    };
    emu.push_log(super::LogEntry { kind: "control", note: Some(note), ..Default::default() });
}

pub(super) fn expire_offer(emu: &mut Emulator, context: &str, _at: i64) {
    if let Some(o) = emu.offers.remove(context) {
        if !o.used {
            emu.push_log(super::LogEntry {
                kind: "control",
                note: Some(format!("inbound call {} abandoned: nobody answered", o.server_call_id)),
                ..Default::default()
            });
        }
    }
}

// ---- connection lifecycle ----------------------------------------------------------------------

/// CallConnected + first roster for an answered call.
pub(super) fn connect(emu: &mut Emulator, call_id: &str, at: i64) {
    let Some(c) = emu.calls.get_mut(call_id) else { return };
    if c.ended || c.state == CallConnectionState::Connected {
        return;
    }
    c.state = CallConnectionState::Connected;
    emit_connected(emu, call_id, at);
    emu.roster(call_id, at);
}

/// CallConnected to the call's callback URI, with the context its create or answer gave.
fn emit_connected(emu: &mut Emulator, call_id: &str, at: i64) {
    let Some(c) = emu.calls.get(call_id) else { return };
    let (url, context) = (c.callback_uri.clone(), c.connect_context.clone());
    let event =
        CallEvent { operation_context: context, result_information: Some(info(200, 0, "")), ..CallEvent::default() };
    emu.emit_call(call_id, &url, "CallConnected", at, event);
}

pub(super) fn answer_invitation(emu: &mut Emulator, call_id: &str, invitation: &str, at: i64) {
    let Some(c) = emu.calls.get_mut(call_id) else { return };
    let Some(pos) = c.invites.iter().position(|i| i.id == invitation) else { return };
    if c.ended {
        return;
    }
    let inv = c.invites.remove(pos);
    match inv.purpose.clone() {
        Purpose::Transfer { transferee } => {
            let url = inv.callback.clone();
            emu.emit_call(
                call_id,
                &url,
                "CallTransferAccepted",
                at,
                CallEvent {
                    operation_context: inv.operation_context.clone(),
                    transfer_target: Some(inv.target.clone()),
                    transferee: transferee.clone(),
                    result_information: Some(info(202, 0, "The transfer operation completed successfully.")),
                    ..CallEvent::default()
                },
            );
            // The call goes on between the transferee and the target, without this app: Graph
            // shows the target in a call until their behaviour ends it.
            if let Some(c) = emu.calls.get_mut(call_id) {
                let kept = transferee.as_ref().and_then(|t| c.leg(t)).or((!c.legs.is_empty()).then_some(0));
                let target = Leg { id: inv.target.clone(), muted: false, on_hold: false };
                c.legs = kept.map(|i| c.legs[i].clone()).into_iter().chain([target]).collect();
            }
            end_connection(emu, call_id, at, 200, 7015, "The call was transferred.", false);
            if let Some(after) = inv.leave_after_ms {
                emu.schedule(
                    at + after,
                    Job::Leave { call: call_id.to_owned(), raw_id: inv.target.raw_id().to_string() },
                );
            }
        }
        purpose => {
            let was_connecting = c.state != CallConnectionState::Connected;
            if c.leg(&inv.target).is_none() {
                c.legs.push(Leg { id: inv.target.clone(), muted: false, on_hold: false });
            }
            if inv.target.is_teams_user() {
                c.teams_joined = true;
            }
            if purpose == Purpose::Create && was_connecting {
                c.state = CallConnectionState::Connected;
                emit_connected(emu, call_id, at);
            } else if purpose == Purpose::Add {
                let url = inv.callback.clone();
                emu.emit_call(
                    call_id,
                    &url,
                    "AddParticipantSucceeded",
                    at,
                    CallEvent {
                        operation_context: inv.operation_context.clone(),
                        participant: Some(inv.target.clone()),
                        result_information: Some(info(200, 0, "Action completed successfully.")),
                        ..CallEvent::default()
                    },
                );
            }
            emu.roster(call_id, at);
            if let Some(after) = inv.leave_after_ms {
                emu.schedule(
                    at + after,
                    Job::Leave { call: call_id.to_owned(), raw_id: inv.target.raw_id().to_string() },
                );
            }
        }
    }
}

pub(super) fn fail_invitation(
    emu: &mut Emulator,
    call_id: &str,
    invitation: &str,
    code: i32,
    sub_code: i32,
    message: &str,
    at: i64,
) {
    let Some(c) = emu.calls.get_mut(call_id) else { return };
    let Some(pos) = c.invites.iter().position(|i| i.id == invitation) else { return };
    let inv = c.invites.remove(pos);
    if c.ended {
        return;
    }
    let failure = info(code, sub_code, message);
    match inv.purpose {
        Purpose::Add => {
            emu.emit_call(
                call_id,
                &inv.callback,
                "AddParticipantFailed",
                at,
                CallEvent {
                    operation_context: inv.operation_context.clone(),
                    participant: Some(inv.target.clone()),
                    result_information: Some(failure.clone()),
                    ..CallEvent::default()
                },
            );
        }
        Purpose::Transfer { .. } => {
            c.state = CallConnectionState::Connected;
            emu.emit_call(
                call_id,
                &inv.callback,
                "CallTransferFailed",
                at,
                CallEvent {
                    operation_context: inv.operation_context.clone(),
                    result_information: Some(failure.clone()),
                    ..CallEvent::default()
                },
            );
        }
        Purpose::Create => {
            let others_ringing = c.invites.iter().any(|i| i.purpose == Purpose::Create);
            if c.legs.is_empty() && !others_ringing {
                c.ended = true;
                c.state = CallConnectionState::Disconnected;
                emu.emit_call(
                    call_id,
                    &inv.callback,
                    "CreateCallFailed",
                    at,
                    CallEvent {
                        operation_context: inv.operation_context.clone(),
                        result_information: Some(failure.clone()),
                        ..CallEvent::default()
                    },
                );
            }
        }
    }
}

/// A participant hangs up.
pub(super) fn leave(emu: &mut Emulator, call_id: &str, raw_id: &str, at: i64) {
    let Some(c) = emu.calls.get_mut(call_id) else { return };
    let id = CommunicationIdentifier::from_raw_id(raw_id);
    let Some(pos) = c.leg(&id) else { return };
    c.legs.remove(pos);
    if c.ended {
        // This app's connection is gone but the others were still talking (after a hang-up
        // or a transfer): the call is over for everyone once one of them is left alone.
        if c.legs.len() < 2 {
            c.legs.clear();
        }
        return;
    }
    emu.roster(call_id, at);
    if emu.calls.get(call_id).is_some_and(|c| c.legs.is_empty()) {
        end_connection(emu, call_id, at, 200, 5010, "The last participant left the call.", true);
    }
}

/// Ends this app's connection (and the call, when `for_everyone` or nobody else remains).
pub(super) fn end_connection(
    emu: &mut Emulator,
    call_id: &str,
    at: i64,
    code: i32,
    sub_code: i32,
    message: &str,
    for_everyone: bool,
) {
    let Some(c) = emu.calls.get_mut(call_id) else { return };
    if c.ended {
        return;
    }
    c.ended = true;
    c.state = CallConnectionState::Disconnected;
    c.invites.clear();
    c.media = None;
    c.media_queue.clear();
    if for_everyone || c.legs.len() < 2 {
        c.legs.clear();
    }
    let url = c.callback_uri.clone();
    let recording = c.recording.take();
    // The recording stops first: CallDisconnected is the connection's last event (SPEC §3.3).
    if let Some(r) = recording {
        super::recording::call_ended(emu, &r, at);
    }
    emu.emit_call(
        call_id,
        &url,
        "CallDisconnected",
        at,
        CallEvent { result_information: Some(info(code, sub_code, message)), ..CallEvent::default() },
    );
}

// ---- mid-call operations -------------------------------------------------------------------

/// The live call, or 404.
pub(super) fn live<'a>(emu: &'a mut Emulator, call_id: &str) -> Result<&'a mut Call, Response> {
    match emu.calls.get_mut(call_id) {
        Some(c) if !c.ended => Ok(c),
        _ => Err(not_found()),
    }
}

fn connected<'a>(emu: &'a mut Emulator, call_id: &str) -> Result<&'a mut Call, Response> {
    let c = live(emu, call_id)?;
    if c.state != CallConnectionState::Connected {
        return Err(Response::error(400, "8501", "Action is not valid: the call is not established yet."));
    }
    Ok(c)
}

pub(super) fn get(emu: &mut Emulator, call_id: &str) -> Response {
    match live(emu, call_id) {
        Ok(c) => ok_json(200, &c.properties()),
        Err(r) => r,
    }
}

pub(super) fn hangup(emu: &mut Emulator, call_id: &str) -> Response {
    if let Err(r) = live(emu, call_id) {
        return r;
    }
    let at = emu.now + emu.world.timing.event_delay_ms;
    end_connection(emu, call_id, at, 200, 7000, "Call Automation left the call.", false);
    Response::empty(204)
}

pub(super) fn terminate(emu: &mut Emulator, call_id: &str) -> Response {
    if let Err(r) = live(emu, call_id) {
        return r;
    }
    let at = emu.now + emu.world.timing.event_delay_ms;
    end_connection(emu, call_id, at, 200, 7000, "The conversation has ended. DiagCode: 0#7000.@", true);
    Response::empty(204)
}

pub(super) fn transfer(
    emu: &mut Emulator,
    call_id: &str,
    body: transfer_to_participant::TransferToParticipantRequest,
) -> Response {
    let c = match connected(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let teams_in_call = c.legs.iter().any(|l| l.id.is_teams_user()) || body.target_participant.is_teams_user();
    if c.legs.len() > 1 && (body.transferee.is_none() || teams_in_call) {
        let why = if teams_in_call {
            "Blind transfer in a call with Microsoft Teams users is only supported for 1:1 calls."
        } else {
            "transferee is required to transfer a group call."
        };
        return Response::error(400, "8523", why);
    }
    c.state = CallConnectionState::Transferring;
    let callback = body.operation_callback_uri.clone().unwrap_or_else(|| c.callback_uri.clone());
    let transferee = body.transferee.clone().or_else(|| c.legs.first().map(|l| l.id.clone()));
    let context = body.operation_context.clone();
    emu.invite(
        call_id,
        Ring {
            target: body.target_participant,
            operation_context: context.clone(),
            callback,
            purpose: Purpose::Transfer { transferee },
            timeout_s: None,
            display_name: None,
        },
    );
    ok_json(202, &properties::OperationContextResponse { operation_context: context, ..Default::default() })
}

/// Page size of GetParticipants.
const PAGE: usize = 100;

pub(super) fn participants(emu: &mut Emulator, call_id: &str, skip: usize, api_version: &str) -> Response {
    let origin = emu.origin.clone();
    let c = match live(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let value: Vec<CallParticipant> = c
        .legs
        .iter()
        .skip(skip)
        .take(PAGE)
        .map(|l| CallParticipant { identifier: l.id.clone(), is_muted: l.muted, is_on_hold: Some(l.on_hold) })
        .collect();
    let next = (skip + PAGE < c.legs.len()).then(|| {
        format!(
            "{origin}/calling/callConnections/{call_id}/participants?skip={}&api-version={api_version}",
            skip + PAGE
        )
    });
    ok_json(200, &crate::ops::get_participants::GetParticipantsResponse { value, next_link: next })
}

pub(super) fn participant(emu: &mut Emulator, call_id: &str, raw_id: &str) -> Response {
    let c = match live(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = CommunicationIdentifier::from_raw_id(raw_id);
    match c.leg(&id) {
        Some(i) => {
            let l = &c.legs[i];
            ok_json(200, &CallParticipant { identifier: l.id.clone(), is_muted: l.muted, is_on_hold: Some(l.on_hold) })
        }
        None => Response::error(404, "8522", "Participant not found in the call."),
    }
}

pub(super) fn add(emu: &mut Emulator, call_id: &str, body: add_participant::AddParticipantRequest) -> Response {
    let c = match connected(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let target = body.participant_to_add.clone();
    if c.leg(&target).is_some() || c.invites.iter().any(|i| i.target.raw_id().same_participant(target.raw_id())) {
        return Response::error(400, "8523", "The participant is already in the call or being invited.");
    }
    let callback = body.operation_callback_uri.clone().unwrap_or_else(|| c.callback_uri.clone());
    let invitation = emu.invite(
        call_id,
        Ring {
            target: target.clone(),
            operation_context: body.operation_context.clone(),
            callback,
            purpose: Purpose::Add,
            timeout_s: body.invitation_timeout_in_seconds,
            display_name: body.source_display_name.as_deref(),
        },
    );
    ok_json(
        202,
        &add_participant::AddParticipantResponse {
            participant: Some(CallParticipant { identifier: target, is_muted: false, is_on_hold: None }),
            operation_context: body.operation_context,
            invitation_id: Some(invitation),
            ..Default::default()
        },
    )
}

pub(super) fn remove(
    emu: &mut Emulator,
    call_id: &str,
    body: remove_participant::RemoveParticipantRequest,
) -> Response {
    let delay = emu.world.timing.event_delay_ms;
    let c = match connected(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let callback = body.operation_callback_uri.clone().unwrap_or_else(|| c.callback_uri.clone());
    let target = body.participant_to_remove.clone();
    let at = emu.now + delay;
    let present = emu.calls.get(call_id).and_then(|c| c.leg(&target));
    let context = body.operation_context.clone();
    match present {
        Some(pos) => {
            if let Some(c) = emu.calls.get_mut(call_id) {
                c.legs.remove(pos);
            }
            emu.emit_call(
                call_id,
                &callback,
                "RemoveParticipantSucceeded",
                at,
                CallEvent {
                    operation_context: context.clone(),
                    participant: Some(target.clone()),
                    result_information: Some(info(200, 0, "Action completed successfully.")),
                    ..CallEvent::default()
                },
            );
            emu.roster(call_id, at);
            if emu.calls.get(call_id).is_some_and(|c| c.legs.is_empty()) {
                end_connection(emu, call_id, at, 200, 5010, "The last participant left the call.", true);
            }
        }
        None => emu.emit_call(
            call_id,
            &callback,
            "RemoveParticipantFailed",
            at,
            CallEvent {
                operation_context: context.clone(),
                participant: Some(target.clone()),
                result_information: Some(info(400, 8558, "The participant is not present in the call.")),
                ..CallEvent::default()
            },
        ),
    }
    ok_json(202, &properties::OperationContextResponse { operation_context: context, ..Default::default() })
}

pub(super) fn cancel_add(
    emu: &mut Emulator,
    call_id: &str,
    body: cancel_add_participant::CancelAddParticipantRequest,
) -> Response {
    let delay = emu.world.timing.event_delay_ms;
    let c = match live(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let callback = body.operation_callback_uri.clone().unwrap_or_else(|| c.callback_uri.clone());
    let pos = c.invites.iter().position(|i| i.id == body.invitation_id && i.purpose == Purpose::Add);
    let at = emu.now + delay;
    let m = |outcome: ResultInformation| CallEvent {
        operation_context: body.operation_context.clone(),
        invitation_id: Some(body.invitation_id.clone()),
        result_information: Some(outcome),
        ..CallEvent::default()
    };
    match pos {
        Some(p) => {
            if let Some(c) = emu.calls.get_mut(call_id) {
                c.invites.remove(p);
            }
            emu.emit_call(
                call_id,
                &callback,
                "CancelAddParticipantSucceeded",
                at,
                m(info(200, 0, "Action completed successfully.")),
            );
        }
        None => emu.emit_call(
            call_id,
            &callback,
            "CancelAddParticipantFailed",
            at,
            m(info(404, 8522, "No ringing invitation with this id.")),
        ),
    }
    ok_json(
        202,
        &cancel_add_participant::CancelAddParticipantResponse {
            invitation_id: Some(body.invitation_id.clone()),
            operation_context: body.operation_context.clone(),
            ..Default::default()
        },
    )
}

/// Mute (or, preview, unmute) ACS users.
pub(super) fn mute(
    emu: &mut Emulator,
    call_id: &str,
    body: mute_participants::MuteParticipantsRequest,
    muted: bool,
) -> Response {
    let c = match connected(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    for t in &body.target_participants {
        if !matches!(t.kind(), IdentifierKind::CommunicationUser(_)) {
            return Response::error(400, "8523", "Only Azure Communication Services users can be muted.");
        }
        if c.leg(t).is_none() {
            return Response::error(400, "8558", "The participant is not present in the call.");
        }
    }
    for t in &body.target_participants {
        if let Some(i) = c.leg(t) {
            c.legs[i].muted = muted;
        }
    }
    let at = emu.now + emu.world.timing.event_delay_ms;
    emu.roster(call_id, at);
    ok_json(
        200,
        &properties::OperationContextResponse { operation_context: body.operation_context, ..Default::default() },
    )
}

/// Hold or unhold one participant.
pub(super) fn hold(
    emu: &mut Emulator,
    call_id: &str,
    target: &CommunicationIdentifier,
    on_hold: bool,
    _body: Option<hold::HoldRequest>,
) -> Response {
    let c = match connected(emu, call_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(i) = c.leg(target) else {
        return Response::error(400, "8558", "The participant is not present in the call.");
    };
    c.legs[i].on_hold = on_hold;
    let at = emu.now + emu.world.timing.event_delay_ms;
    emu.roster(call_id, at);
    Response::empty(200)
}

/// Starts an inbound PSTN call (control API): announces IncomingCall through Event Grid.
pub(super) fn inbound(emu: &mut Emulator, from: &str, to: Option<&str>, caller_display_name: &str) -> Response {
    let to = to.map(str::to_owned).or_else(|| emu.world.resource.phone_numbers.first().cloned()).unwrap_or_default();
    let from_id = CommunicationIdentifier::phone_number(from);
    let to_id = CommunicationIdentifier::phone_number(&to);
    let server_call_id = server_call_id(&emu.rng.uuid());
    let correlation_id = emu.rng.uuid();
    // SPEC §3.4: real contexts are unsigned JWTs with a `cc` claim; opaque to clients anyway.
    let context = {
        use base64::Engine as _;
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b.encode(r#"{"alg":"none","typ":"JWT"}"#),
            b.encode(json!({"cc": emu.rng.uuid(), "sid": server_call_id}).to_string())
        )
    };
    emu.offers.insert(
        context.clone(),
        Offer {
            server_call_id: server_call_id.clone(),
            correlation_id: correlation_id.clone(),
            from: from_id.clone(),
            to: to_id.clone(),
            used: false,
        },
    );
    emu.schedule(emu.now + emu.world.timing.offer_timeout_ms, Job::OfferExpires { context: context.clone() });
    let data = crate::events::IncomingCallData {
        to: to_id.clone(),
        from: from_id.clone(),
        server_call_id: Some(server_call_id.clone()),
        caller_display_name: Some(caller_display_name.to_owned()),
        incoming_call_context: context,
        custom_context: Some(json!({"sipHeaders": {}, "voipHeaders": {}})),
        correlation_id: Some(correlation_id.clone()),
        on_behalf_of_callee: None,
    };
    let subject = format!("/caller/{}/recipient/{}", from_id.raw_id(), to_id.raw_id());
    let at = emu.now + emu.world.timing.event_delay_ms;
    emu.emit_incoming_call(&data, &subject, at);
    Response::json(
        202,
        &json!({"serverCallId": server_call_id, "correlationId": correlation_id, "from": from, "to": to, "eventGridConfigured": emu.world.event_grid.is_some()}),
    )
}
