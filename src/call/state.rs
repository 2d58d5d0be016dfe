//! `CallState`: one call's truth, folded from events (and the commands this app sent).
//!
//! Idempotent under duplicate deliveries (event id) and independent of delivery order for the
//! roster: every ParticipantsUpdated is kept and presence is recomputed from the timeline
//! ordered by `sequenceNumber` (see `presence`). Outcome events never undo a later fact.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::participant::{Participant, ParticipantStatus};
use super::presence::{self, Roster};
use super::recording::{Held, Mark, Recording, RecordingStatus};
use crate::events::{CallEvent, Event, EventData};
use crate::model::{CallConnectionState, RecordingKind, RecordingState, ResultInformation};
use crate::{CommunicationIdentifier, RawId};

/// How many event ids are remembered for deduplication: ACS redelivers within minutes, a long
/// call sees a few hundred events, and the ids are stored with the state after every callback
/// (1024 ids are about 40 KB of JSON).
const SEEN_CAPACITY: usize = 1024;

/// An incoming call offered by Event Grid and not yet handled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingOffer {
    /// The caller.
    pub from: CommunicationIdentifier,
    /// The called identity (our ACS user or number).
    pub to: CommunicationIdentifier,
    /// Caller display name (often empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_display_name: Option<String>,
    /// The single-use context for answer / redirect / reject. Kept out of snapshots.
    pub incoming_call_context: String,
    /// Already answered, redirected or rejected (the context is spent).
    pub handled: Option<String>,
    /// When it arrived (Unix ms).
    pub offered_at: Option<i64>,
}

/// An operation sent and not yet concluded, keyed by its operation context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingOperation {
    /// REST name (`addParticipant`).
    pub operation: String,
    /// Its operation context (the correlation key of its events).
    pub operation_context: String,
    /// When it was sent (Unix ms).
    pub sent_at: Option<i64>,
    /// The participant it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<RawId>,
    /// When its outcome event is due at the latest (Unix ms): the send time, or for an add the
    /// end of the invitation's ringing. A check of the call [`OUTCOME_GRACE_MS`] later concludes
    /// it from what ACS reports (its outcome event was lost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// How long an incoming call stays offered here without being answered, redirected or
/// rejected: by then ACS no longer offers it (its context has expired; ACS in a box's after 60 s)
/// and no event will say so. Generous: an agent may still be deciding.
pub const OFFER_EXPIRES_MS: i64 = 180_000;

/// How long after [`PendingOperation::expires_at`] an outcome event may still arrive; a check
/// of the call after that concludes the operation from ACS's answers instead.
pub const OUTCOME_GRACE_MS: i64 = 15_000;

/// ACS's invitation timeout when an add does not set one (seconds).
pub const DEFAULT_INVITATION_TIMEOUT_S: i64 = 30;

/// The latest failure seen on the call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallError {
    /// The event type that reported it (`AddParticipantFailed`) or the operation name for a
    /// synchronous refusal.
    pub source: String,
    /// Operation context, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Code, subCode and message.
    pub result: ResultInformation,
    /// When (Unix ms).
    pub at: Option<i64>,
}

/// What applying an event did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "outcome")]
pub enum Applied {
    /// Folded in; `changes` says what moved.
    Applied {
        /// What changed, in plain facts.
        changes: Vec<Change>,
    },
    /// Same event id seen before; nothing changed.
    Duplicate,
    /// A roster older than the newest one applied (lower `sequenceNumber`): it only filled in
    /// history, who is in the call now is unchanged.
    Stale,
    /// About another call; ignored.
    OtherCall,
}

/// One fact that changed, for pushing to consoles ("Dana joined", "recording paused").
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "change")]
pub enum Change {
    /// The connection state moved.
    Connection {
        /// New state.
        state: CallConnectionState,
    },
    /// An incoming call is offered.
    Offered,
    /// A participant's status moved (joined, left, removed, invitation failed or cancelled).
    Participant {
        /// Who.
        raw_id: RawId,
        /// New status.
        status: ParticipantStatus,
        /// ACS's result, when an invitation failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<ResultInformation>,
    },
    /// Mute or hold flags moved.
    Flags {
        /// Who.
        raw_id: RawId,
    },
    /// The recording state moved.
    Recording {
        /// New status.
        status: RecordingStatus,
    },
    /// The state of a recording a Teams client or policy runs moved.
    TeamsRecording {
        /// New status.
        status: RecordingStatus,
    },
    /// An operation concluded.
    Operation {
        /// Its context.
        operation_context: String,
        /// REST name if it was sent by this app.
        #[serde(skip_serializing_if = "Option::is_none")]
        operation: Option<String>,
        /// Success or failure.
        succeeded: bool,
        /// The event that concluded it.
        event: &'static str,
    },
}

/// What a recording state event says: active (`true`) or inactive (`false`); `None` for any
/// other state (ACS reports only those two).
fn activity(r: &CallEvent) -> Option<bool> {
    match r.state {
        Some(RecordingState::Active) => Some(true),
        Some(RecordingState::Inactive) => Some(false),
        _ => None,
    }
}

/// One call's state. Serialisable in full (a Durable Object stores it); [`CallState::snapshot`]
/// is the view for consoles.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallState {
    /// The call connection id, once known.
    pub call_connection_id: Option<String>,
    /// The server call id, once known.
    pub server_call_id: Option<String>,
    /// Correlation id, once known.
    pub correlation_id: Option<String>,
    /// Connection state (None until the first event says otherwise).
    pub connection_state: Option<CallConnectionState>,
    /// When the event that set `connection_state` happened (Unix ms), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_at: Option<i64>,
    /// When the call ended (`Some(None)`: ended, time unknown). Stored as absent (not ended),
    /// `null` (ended, time unknown) or the time, so a reloaded state stays ended.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "ended_at_serde")]
    pub ended_at: Option<Option<i64>>,
    /// The incoming offer, for calls that arrived through Event Grid.
    pub incoming: Option<IncomingOffer>,
    /// This app's own leg, excluded when counting "the others" (e.g. for 1:1 transfer).
    pub app_raw_id: Option<RawId>,
    /// Everyone seen, in order of first appearance.
    pub participants: Vec<Participant>,
    /// The recording, if one was started: the one this app controls (Call Automation's).
    pub recording: Option<Recording>,
    /// A recording a Teams client or a Teams compliance policy runs on the call (ACS's preview
    /// events TeamsRecordingStateChanged / TeamsComplianceRecordingStateChanged): kept apart
    /// from [`Self::recording`], which its states must not move, and which this app cannot pause,
    /// resume or stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams_recording: Option<Recording>,
    /// Operations awaiting their outcome.
    pub pending: Vec<PendingOperation>,
    /// `hangupCall` or `terminateCall` was sent and not refused: the call is being left or
    /// ended, and nothing more is sent on it (ACS would answer 404 once it is gone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ending: Option<String>,
    /// The latest failure.
    pub last_error: Option<CallError>,
    /// Latest event time seen (Unix ms).
    pub last_event_at: Option<i64>,
    /// Events folded in (duplicates excluded).
    pub events_applied: u64,
    pub(crate) rosters: Vec<Roster>,
    seen: VecDeque<String>,
    /// `seen`, sorted, for lookups (a sorted `Vec` rather than a `BTreeSet`: the same few
    /// lookups per event, and no B-tree routines of its own in the npm package's wasm).
    #[serde(skip)]
    seen_index: Vec<String>,
}

impl CallState {
    /// An empty state, bound to the first call it hears of.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty state for a known call connection.
    pub fn for_call(call_connection_id: impl Into<String>) -> Self {
        Self { call_connection_id: Some(call_connection_id.into()), ..Self::default() }
    }

    /// Rebuilds indexes after deserialisation (call once after loading from storage).
    pub fn restore_indexes(&mut self) {
        self.seen_index.clear();
        for id in &self.seen {
            if let Err(i) = self.seen_index.binary_search(id) {
                self.seen_index.insert(i, id.clone());
            }
        }
    }

    /// The participant with this raw id (folding the phone `+` drift).
    pub fn participant(&self, raw_id: &RawId) -> Option<&Participant> {
        self.participants.iter().find(|p| p.identifier.raw_id().same_participant(raw_id))
    }

    /// The participant for `id`, created when first seen.
    pub(crate) fn participant_mut(&mut self, id: &CommunicationIdentifier) -> &mut Participant {
        let pos = self.participants.iter().position(|p| p.identifier.raw_id().same_participant(id.raw_id()));
        let i = pos.unwrap_or_else(|| {
            self.participants.push(Participant::new(id.clone()));
            self.participants.len() - 1
        });
        &mut self.participants[i]
    }

    /// Participants in the call now, excluding this app's own leg.
    pub fn others_in_call(&self) -> impl Iterator<Item = &Participant> {
        self.participants.iter().filter(move |p| {
            p.status == ParticipantStatus::Connected
                && !self.app_raw_id.as_ref().is_some_and(|a| a.same_participant(p.identifier.raw_id()))
        })
    }

    /// Teams users in the call or ringing.
    pub fn teams_users_active(&self) -> impl Iterator<Item = &Participant> {
        self.participants.iter().filter(|p| p.identifier.is_teams_user() && p.status.is_active())
    }

    /// When a Teams user first joined the call (Unix ms).
    pub fn teams_first_joined_at(&self) -> Option<i64> {
        self.participants.iter().filter(|p| p.identifier.is_teams_user()).filter_map(Participant::first_joined_at).min()
    }

    /// When the incoming call's offer runs out here (Unix ms): while nobody has answered,
    /// redirected or rejected it (or ACS did not carry that out), [`OFFER_EXPIRES_MS`] after it
    /// arrived. `None` once it is handled, connected or over.
    pub fn offer_expires_at(&self) -> Option<i64> {
        let offer = self.incoming.as_ref().filter(|o| o.handled.is_none())?;
        if self.call_connection_id.is_some() || self.ended_at.is_some() {
            return None;
        }
        offer.offered_at.map(|t| t + OFFER_EXPIRES_MS)
    }

    /// Ends an offered call whose offer ran out by `at` ([`CallState::offer_expires_at`]):
    /// ACS no longer offers it and will say nothing more of it.
    pub fn expire_offer(&mut self, at: i64) -> Vec<Change> {
        let mut changes = Vec::new();
        if self.offer_expires_at().is_some_and(|t| t <= at) {
            self.end_call(Some(at), &mut changes);
        }
        changes
    }

    /// True after `CallDisconnected` (or a failed create / answer / connect).
    pub fn is_ended(&self) -> bool {
        self.ended_at.is_some()
    }

    fn remember(&mut self, id: &str) -> bool {
        if self.seen_index.len() != self.seen.len() {
            self.restore_indexes();
        }
        let Err(at) = self.seen_index.binary_search_by(|s| s.as_str().cmp(id)) else {
            return false;
        };
        self.seen_index.insert(at, id.to_owned());
        self.seen.push_back(id.to_owned());
        if self.seen.len() > SEEN_CAPACITY {
            if let Some(old) = self.seen.pop_front() {
                if let Ok(i) = self.seen_index.binary_search(&old) {
                    self.seen_index.remove(i);
                }
            }
        }
        true
    }

    fn belongs(&self, event: &Event) -> bool {
        if let (Some(theirs), Some(ours)) = (event.call_connection_id(), &self.call_connection_id) {
            return theirs == ours;
        }
        match (&event.data, &self.server_call_id, &self.incoming) {
            (EventData::IncomingCall(c), Some(ours), Some(_)) => c.server_call_id.as_deref().is_none_or(|s| s == ours),
            _ => true,
        }
    }

    /// Folds one event in. Time comes from the event (`time`), never from a clock.
    pub fn apply(&mut self, event: &Event) -> Applied {
        if !self.belongs(event) {
            return Applied::OtherCall;
        }
        if !self.remember(&event.id) {
            return Applied::Duplicate;
        }
        let at = event.time_millis().or(self.last_event_at);
        self.events_applied += 1;
        self.last_event_at = self.last_event_at.max(at);
        if let Some(c) = event.data.common() {
            if self.call_connection_id.is_none() && !c.call_connection_id.is_empty() {
                self.call_connection_id = Some(c.call_connection_id.to_owned());
            }
            if let Some(s) = c.server_call_id {
                self.server_call_id.get_or_insert_with(|| s.to_owned());
            }
            if let Some(s) = c.correlation_id {
                self.correlation_id.get_or_insert_with(|| s.to_owned());
            }
        }
        let before: Vec<ParticipantStatus> = self.participants.iter().map(|p| p.status).collect();
        let mut changes = Vec::new();
        let newest = self.fold(event, at, &mut changes);
        self.refresh_presence(&before, &mut changes);
        self.conclude_operation(event, &mut changes);
        if newest {
            Applied::Applied { changes }
        } else {
            Applied::Stale
        }
    }

    /// Recomputes presence and reports every participant whose status moved.
    pub(crate) fn refresh_presence(&mut self, before: &[ParticipantStatus], changes: &mut Vec<Change>) {
        presence::recompute(&mut self.participants, &self.rosters, self.ended_at);
        for (i, p) in self.participants.iter().enumerate() {
            if before.get(i) != Some(&p.status) && (i < before.len() || p.status != ParticipantStatus::Left) {
                let result = matches!(p.status, ParticipantStatus::Failed).then(|| p.last_result.clone()).flatten();
                changes.push(Change::Participant { raw_id: p.identifier.raw_id().clone(), status: p.status, result });
            }
        }
    }

    /// The call is over: ringing invitations are cancelled, the recording stops, nothing is
    /// pending any more.
    pub(crate) fn end_call(&mut self, at: Option<i64>, changes: &mut Vec<Change>) {
        self.set_connection(CallConnectionState::Disconnected, changes);
        if self.ended_at.is_none() {
            self.ended_at = Some(at);
        }
        // Whatever was not answered by then never will be (an earlier failure stays the end).
        for p in &mut self.participants {
            if let Some(inv) = &mut p.invitation {
                inv.end_unanswered(ParticipantStatus::Cancelled, at, &p.stays);
            }
        }
        if let Some(r) = &mut self.recording {
            if r.end(at) {
                changes.push(Change::Recording { status: r.status });
            }
        }
        if let Some(r) = &mut self.teams_recording {
            if r.end(at) {
                changes.push(Change::TeamsRecording { status: r.status });
            }
        }
        self.pending.clear();
    }

    pub(crate) fn set_connection(&mut self, state: CallConnectionState, changes: &mut Vec<Change>) {
        self.set_connection_at(state, None, changes);
    }

    /// [`Self::set_connection`] for a state reported at `at`: one older than the state it
    /// would replace is history (a late CallConnected after CallTransferAccepted).
    pub(crate) fn set_connection_at(&mut self, state: CallConnectionState, at: Option<i64>, changes: &mut Vec<Change>) {
        if self.is_ended() || self.connection_state.as_ref() == Some(&state) {
            return;
        }
        if at.zip(self.connection_at).is_some_and(|(a, known)| a < known) {
            return;
        }
        self.connection_at = at.or(self.connection_at);
        self.connection_state = Some(state.clone());
        changes.push(Change::Connection { state });
    }

    /// Someone's mute and hold flags as a roster (delivered or read, at `point`) lists them:
    /// taken when that roster is the newest, or the last that lists them even when it arrives
    /// late (a later one may not list them: they left).
    pub(crate) fn roster_flags(
        &mut self,
        who: &crate::CommunicationIdentifier,
        (is_muted, is_on_hold): (bool, bool),
        newest: bool,
        point: presence::Point,
        changes: &mut Vec<Change>,
    ) {
        let last = newest || presence::last_listing(&self.rosters, point, who.raw_id());
        let p = self.participant_mut(who);
        if last && (p.is_muted, p.is_on_hold) != (is_muted, is_on_hold) {
            p.is_muted = is_muted;
            p.is_on_hold = is_on_hold;
            changes.push(Change::Flags { raw_id: who.raw_id().clone() });
        }
    }

    /// Folds the event's own facts. Returns false for a roster older than the newest one, and
    /// for an earlier recording's state delivered late.
    fn fold(&mut self, event: &Event, at: Option<i64>, changes: &mut Vec<Change>) -> bool {
        use EventData as E;
        match &event.data {
            E::IncomingCall(c) if self.incoming.is_none() => {
                self.server_call_id = c.server_call_id.clone().or(self.server_call_id.take());
                self.correlation_id = c.correlation_id.clone().or(self.correlation_id.take());
                self.incoming = Some(IncomingOffer {
                    from: c.from.clone(),
                    to: c.to.clone(),
                    caller_display_name: c.caller_display_name.clone().filter(|n| !n.is_empty()),
                    incoming_call_context: c.incoming_call_context.clone(),
                    handled: None,
                    offered_at: at,
                });
                changes.push(Change::Offered);
            }
            E::CallConnected(_) => self.set_connection_at(CallConnectionState::Connected, at, changes),
            E::CallDisconnected(_) | E::CreateCallFailed(_) | E::AnswerFailed(_) | E::ConnectFailed(_) => {
                self.end_call(at, changes);
            }
            E::CallTransferAccepted(_) => self.set_connection_at(CallConnectionState::TransferAccepted, at, changes),
            E::ParticipantsUpdated(update) => {
                let roster = Roster {
                    seq: update.sequence_number,
                    at,
                    raw_ids: update.participants.iter().flatten().map(|p| p.identifier.raw_id().clone()).collect(),
                    last_seq: None,
                    last_at: None,
                    observed: false,
                };
                let point = presence::Point { seq: update.sequence_number, at, observed: false };
                let newest = presence::insert(&mut self.rosters, roster);
                for entry in update.participants.iter().flatten() {
                    let flags = (entry.is_muted, entry.is_on_hold.unwrap_or(false));
                    self.roster_flags(&entry.identifier, flags, newest, point, changes);
                }
                return newest;
            }
            E::AddParticipantSucceeded(d) => {
                if let Some(id) = &d.participant {
                    let p = self.participant_mut(id);
                    p.joined_hint = match (p.joined_hint, at) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
            E::AddParticipantFailed(d) => {
                if let Some(id) = &d.participant {
                    let p = self.participant_mut(id);
                    p.last_result = d.result_information.clone();
                    let inv = p.invitation.get_or_insert_with(|| {
                        super::participant::Invitation::ringing(d.operation_context.clone(), None)
                    });
                    inv.end_unanswered(ParticipantStatus::Failed, at, &p.stays);
                }
            }
            E::RemoveParticipantSucceeded(d) => {
                if let Some(id) = &d.participant {
                    let p = self.participant_mut(id);
                    p.removed_at = p.removed_at.max(at).or(at);
                }
            }
            E::CancelAddParticipantSucceeded(d) => {
                let (id, ctx) = (d.invitation_id.as_deref(), d.operation_context.as_deref());
                // The event names the invitation (or the cancel's context), not the participant.
                let named = |i: &super::participant::Invitation| {
                    (id.is_some() && i.invitation_id.as_deref() == id)
                        || (id.is_none() && ctx.is_some() && i.operation_context.as_deref() == ctx)
                };
                if let Some(p) = self.participants.iter_mut().find(|p| p.invitation.as_ref().is_some_and(named)) {
                    if let Some(inv) = &mut p.invitation {
                        inv.end_unanswered(ParticipantStatus::Cancelled, at, &p.stays);
                    }
                }
            }
            E::TeamsRecordingStateChanged(r) | E::TeamsComplianceRecordingStateChanged(r) => {
                let owner = match event.data {
                    E::TeamsRecordingStateChanged(_) => RecordingKind::Teams,
                    _ => RecordingKind::TeamsCompliance,
                };
                return self.fold_teams_recording(r, owner, at, changes);
            }
            E::RecordingStateChanged(r) => {
                // A state from before this app asked for the current recording is an earlier
                // recording's, delivered late: it says nothing of this one. Unless it names the
                // current recording (the start's answer gave its id): then it is this one's,
                // however far ACS's clock is from ours.
                let current = self.recording.as_ref();
                let named = current
                    .and_then(|rec| rec.recording_id.as_deref())
                    .is_some_and(|id| r.recording_id.as_deref() == Some(id));
                let earlier = current.and_then(|rec| rec.requested_at).zip(at);
                let started = r.start_date_time.as_deref().and_then(crate::time::parse_rfc3339_millis);
                if !named && earlier.is_some_and(|(asked, at)| at < asked - super::CLOCK_SKEW_MS) {
                    // Before the start's answer, a state naming a recording is held: the
                    // answer will say whether it is this one's.
                    let rec = self.recording.as_mut().filter(|rec| rec.recording_id.is_none());
                    if let (Some(rec), Some(id), Some(active)) = (rec, &r.recording_id, activity(r)) {
                        let mark = Mark { at, active, start: started.filter(|_| active) };
                        let kind = r.recording_kind.clone();
                        rec.held.push(Held { recording_id: id.clone(), mark, kind });
                    }
                    return false;
                }
                let rec = self.recording.get_or_insert_with(|| Recording::new(r.recording_id.clone()));
                if rec.recording_id.is_none() {
                    rec.recording_id = r.recording_id.clone();
                }
                if let Some(kind) = &r.recording_kind {
                    rec.kind = Some(kind.clone());
                }
                let before = rec.status;
                if let Some(active) = activity(r) {
                    rec.report(active, at, started);
                }
                if self.ended_at.is_some() {
                    // A state event that arrives after the call ended: the recording ended too.
                    rec.end(self.ended_at.flatten());
                }
                if rec.status != before {
                    changes.push(Change::Recording { status: rec.status });
                }
            }
            E::StartRecordingFailed(_) => {
                if let Some(rec) = self.recording.as_mut().filter(|r| r.status == RecordingStatus::Starting) {
                    rec.status = RecordingStatus::Failed;
                    changes.push(Change::Recording { status: rec.status });
                }
            }
            _ => {}
        }
        // Failures are remembered, whatever the event type.
        if let Some(c) = event.data.common() {
            if let Some(r) = c.result_information.filter(|r| r.code >= 400) {
                self.last_error = Some(CallError {
                    source: event.name().to_owned(),
                    operation_context: c.operation_context.map(str::to_owned),
                    result: r.clone(),
                    at,
                });
            }
        }
        true
    }

    /// A state of a recording a Teams client or policy runs, into [`Self::teams_recording`].
    /// Teams recordings do not pause: an `inactive` is the end (ACS says only active/inactive).
    /// A state naming another recording than the one kept starts it afresh when it is not older
    /// (someone recorded again); an older one is an earlier recording's, delivered late.
    fn fold_teams_recording(
        &mut self,
        r: &CallEvent,
        owner: RecordingKind,
        at: Option<i64>,
        changes: &mut Vec<Change>,
    ) -> bool {
        let Some(active) = activity(r) else { return true };
        if let Some(rec) = &self.teams_recording {
            let other = rec.recording_id.as_deref().zip(r.recording_id.as_deref()).is_some_and(|(kept, id)| kept != id);
            if other {
                let latest = rec.marks.iter().filter_map(|m| m.at).max();
                if at.zip(latest).is_some_and(|(at, latest)| at < latest) {
                    return false;
                }
                self.teams_recording = None;
            }
        }
        let rec = self.teams_recording.get_or_insert_with(|| {
            let mut rec = Recording::new(r.recording_id.clone());
            rec.request_stop(None);
            rec
        });
        if rec.recording_id.is_none() {
            rec.recording_id = r.recording_id.clone();
        }
        rec.kind = Some(r.recording_kind.clone().unwrap_or(owner));
        let before = rec.status;
        let started = r.start_date_time.as_deref().and_then(crate::time::parse_rfc3339_millis);
        rec.report(active, at, started);
        if self.ended_at.is_some() {
            rec.end(self.ended_at.flatten());
        }
        if rec.status != before {
            changes.push(Change::TeamsRecording { status: rec.status });
        }
        true
    }

    fn conclude_operation(&mut self, event: &Event, changes: &mut Vec<Change>) {
        let Some(c) = event.data.common() else { return };
        let Some(ctx) = c.operation_context else {
            return;
        };
        let name = event.name();
        let terminal = name.ends_with("Succeeded")
            || name.ends_with("Failed")
            || name.ends_with("Completed")
            || name.ends_with("Canceled")
            || matches!(name, "CallTransferAccepted" | "CallConnected" | "CallDisconnected");
        if !terminal {
            return;
        }
        let pending = self.pending.iter().position(|p| p.operation_context == ctx).map(|i| self.pending.remove(i));
        let succeeded = c.result_information.is_none_or(ResultInformation::is_success) && !name.ends_with("Failed");
        changes.push(Change::Operation {
            operation_context: ctx.to_owned(),
            operation: pending.map(|p| p.operation),
            succeeded,
            event: name,
        });
    }
}

/// `Option<Option<i64>>` as absent / `null` / number (a derived impl reads `null` back as `None`,
/// which would reopen a call that ended at an unknown time after a Durable Object reload; found
/// by the `events` fuzz target).
mod ended_at_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &Option<Option<i64>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        Option::<i64>::deserialize(d).map(Some)
    }
}
