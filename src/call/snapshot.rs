//! The console's view of a call: the state minus bookkeeping and the single-use incoming-call
//! context, plus facts derived for display (Teams users present, recording preview limit).

use serde::Serialize;

use super::participant::Participant;
use super::recording::{Recording, RecordingStatus};
use super::state::{CallError, CallState, PendingOperation};
use crate::model::{CallConnectionState, RecordingKind};
use crate::{CommunicationIdentifier, RawId};

/// What a console may see of an incoming offer (never its context).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferView<'a> {
    /// The caller.
    pub from: &'a CommunicationIdentifier,
    /// The called identity.
    pub to: &'a CommunicationIdentifier,
    /// Caller display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_display_name: Option<&'a str>,
    /// How it was handled, if it was.
    pub handled: Option<&'a str>,
    /// When it arrived (Unix ms).
    pub offered_at: Option<i64>,
}

/// The recording, with the preview limit spelled out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingView<'a> {
    /// Opaque id.
    pub recording_id: Option<&'a str>,
    /// Owner.
    pub kind: Option<&'a RecordingKind>,
    /// Status.
    pub status: RecordingStatus,
    /// First active (Unix ms).
    pub started_at: Option<i64>,
    /// Start sent (Unix ms).
    pub requested_at: Option<i64>,
    /// Who asked.
    pub started_by: Option<&'a str>,
    /// Active periods.
    pub spans: &'a [(Option<i64>, Option<i64>)],
    /// True when it started after a Teams user joined (it cannot be stopped in the preview);
    /// always false for a Teams-side recording, which this app does not stop anyway.
    pub started_after_teams_joined: bool,
}

impl<'a> RecordingView<'a> {
    fn of(r: &'a Recording, teams_joined: Option<i64>) -> Self {
        RecordingView {
            recording_id: r.recording_id.as_deref(),
            kind: r.kind.as_ref(),
            status: r.status,
            started_at: r.started_at,
            requested_at: r.requested_at,
            started_by: r.started_by.as_deref(),
            spans: &r.spans,
            started_after_teams_joined: r.started_after(teams_joined),
        }
    }
}

/// A console's view of the call.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot<'a> {
    /// Call connection id.
    pub call_connection_id: Option<&'a str>,
    /// Server call id.
    pub server_call_id: Option<&'a str>,
    /// Correlation id.
    pub correlation_id: Option<&'a str>,
    /// Connection state.
    pub connection_state: Option<&'a CallConnectionState>,
    /// Ended.
    pub ended: bool,
    /// When it ended (Unix ms).
    pub ended_at: Option<i64>,
    /// The incoming offer.
    pub incoming: Option<OfferView<'a>>,
    /// This app's own leg.
    pub app_raw_id: Option<&'a RawId>,
    /// Everyone seen, with status and history.
    pub participants: &'a [Participant],
    /// Participants in the call now (excluding the app).
    pub others_in_call: usize,
    /// Teams users in the call or ringing.
    pub teams_users_active: usize,
    /// The recording this app controls.
    pub recording: Option<RecordingView<'a>>,
    /// A recording a Teams client or policy runs (not this app's to pause or stop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teams_recording: Option<RecordingView<'a>>,
    /// Operations awaiting their outcome.
    pub pending: &'a [PendingOperation],
    /// The latest failure.
    pub last_error: Option<&'a CallError>,
    /// Latest event time (Unix ms).
    pub last_event_at: Option<i64>,
    /// Events folded in.
    pub events_applied: u64,
    /// `hangupCall` or `terminateCall`, sent and not refused: the call is being left or ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending: Option<&'a str>,
}

impl CallState {
    /// The console view (serialise it; no single-use incoming-call context, no bookkeeping).
    pub fn snapshot(&self) -> Snapshot<'_> {
        let teams_joined = self.teams_first_joined_at();
        let recording = self.recording.as_ref().map(|r| RecordingView::of(r, teams_joined));
        Snapshot {
            call_connection_id: self.call_connection_id.as_deref(),
            server_call_id: self.server_call_id.as_deref(),
            correlation_id: self.correlation_id.as_deref(),
            connection_state: self.connection_state.as_ref(),
            ended: self.is_ended(),
            ended_at: self.ended_at.flatten(),
            incoming: self.incoming.as_ref().map(|o| OfferView {
                from: &o.from,
                to: &o.to,
                caller_display_name: o.caller_display_name.as_deref(),
                handled: o.handled.as_deref(),
                offered_at: o.offered_at,
            }),
            app_raw_id: self.app_raw_id.as_ref(),
            participants: &self.participants,
            others_in_call: self.others_in_call().count(),
            teams_users_active: self.teams_users_active().count(),
            recording,
            teams_recording: self.teams_recording.as_ref().map(|r| RecordingView::of(r, None)),
            pending: &self.pending,
            ending: self.ending.as_deref(),
            last_error: self.last_error.as_ref(),
            last_event_at: self.last_event_at,
            events_applied: self.events_applied,
        }
    }

    /// [`CallState::snapshot`] as JSON text.
    pub fn snapshot_json(&self) -> String {
        serde_json::to_string(&self.snapshot()).unwrap_or_default()
    }
}
