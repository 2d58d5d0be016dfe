//! Recording: start (200, `inactive` until RecordingStateChanged says `active`), pause, resume,
//! stop, get. The preview limit: a recording started after a Teams user joined cannot be stopped.

use serde_json::{json, Value};

use super::{Emulator, Job, Response};
use crate::events::CallEvent;
use crate::model::{RecordingKind, RecordingState};
use crate::ops::recording::StartCallRecordingRequest;

/// One recording.
#[derive(Clone, Debug)]
pub(crate) struct Recording {
    pub id: String,
    pub call: String,
    server_call_id: String,
    callback: String,
    pub state: RecordingState,
    started_after_teams_joined: bool,
    pub stopped: bool,
}

/// Recording ids are Base64 JSON (SPEC §2.4).
fn recording_id(a: &str, b: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(format!(r#"{{"PlatformEndpointId":"{a}","ResourceSpecificId":"{b}"}}"#))
}

fn state_body(r: &Recording) -> Value {
    json!({"recordingId": r.id, "recordingState": r.state, "recordingKind": "azureCommunicationServices"})
}

fn changed(emu: &mut Emulator, id: &str, at: i64) {
    let Some(r) = emu.recordings.get(id).cloned() else { return };
    let source = format!("calling/recordings/{}/{}/RecordingStateChanged", r.server_call_id, r.id);
    let event = CallEvent {
        call_connection_id: r.call.clone(),
        server_call_id: Some(r.server_call_id.clone()),
        correlation_id: emu.calls.get(&r.call).map(|c| c.correlation_id.clone()),
        recording_id: Some(r.id.clone()),
        state: Some(r.state.clone()),
        start_date_time: (r.state == RecordingState::Active).then(|| super::events::event_time(at)),
        recording_kind: Some(RecordingKind::AzureCommunicationServices),
        ..CallEvent::default()
    };
    let at = emu.event_at(&r.call, at);
    emu.emit_raw(&r.callback, "RecordingStateChanged", at, &source, &event);
}

/// A Teams user in the call starts (`active`) or stops recording it from their Teams client
/// (the control API's `POST /control/calls/{callConnectionId}/teamsRecording`). ACS tells the
/// app with the preview event TeamsRecordingStateChanged; the app cannot pause, resume or stop
/// that recording.
pub(super) fn teams_recording(emu: &mut Emulator, call_id: &str, active: bool) -> Response {
    let Some(call) = emu.calls.get(call_id).filter(|c| !c.ended) else { return super::calls::not_found() };
    if !call.legs.iter().any(|l| l.id.is_teams_user()) {
        return Response::error(409, "Conflict", "no Teams user is in the call to record it");
    }
    let id = match (&call.teams_recording, active) {
        (Some(_), true) => return Response::error(409, "Conflict", "a Teams user is already recording the call"),
        (None, false) => return Response::error(409, "Conflict", "no Teams user is recording the call"),
        (Some(id), false) => id.clone(),
        (None, true) => recording_id(&emu.rng.uuid(), &emu.rng.uuid()),
    };
    let (server_call_id, correlation_id, url) =
        (call.server_call_id.clone(), call.correlation_id.clone(), call.callback_uri.clone());
    if let Some(c) = emu.calls.get_mut(call_id) {
        c.teams_recording = active.then(|| id.clone());
    }
    let state = if active { RecordingState::Active } else { RecordingState::Inactive };
    let at = emu.event_at(call_id, emu.now + emu.world.timing.event_delay_ms);
    let event = CallEvent {
        call_connection_id: call_id.to_owned(),
        server_call_id: Some(server_call_id.clone()),
        correlation_id: Some(correlation_id),
        recording_id: Some(id.clone()),
        state: Some(state.clone()),
        start_date_time: active.then(|| super::events::event_time(at)),
        recording_kind: Some(RecordingKind::Teams),
        ..CallEvent::default()
    };
    let source = format!("calling/recordings/{server_call_id}/{id}/TeamsRecordingStateChanged");
    emu.emit_raw(&url, "TeamsRecordingStateChanged", at, &source, &event);
    Response::json(200, &json!({"recordingId": id, "recordingState": state, "recordingKind": "teams"}))
}

pub(super) fn start(emu: &mut Emulator, body: StartCallRecordingRequest) -> Response {
    let call_id = match (&body.call_connection_id, body.call_locator.as_ref().and_then(|l| l.server_call_id.clone())) {
        (Some(id), _) => id.clone(),
        (None, Some(server)) => match emu.calls.values().find(|c| c.server_call_id == server && !c.ended) {
            Some(c) => c.id.clone(),
            None => return super::calls::not_found(),
        },
        (None, None) => {
            return Response::error(
                400,
                "8523",
                "Only serverCallId locators and call connection ids can be recorded here.",
            )
        }
    };
    let Some(call) = emu.calls.get(&call_id).filter(|c| !c.ended) else { return super::calls::not_found() };
    if call.recording.is_some() {
        return Response::error(400, "8523", "A recording is already in progress for this call.");
    }
    // The preview limit as the Worker's rules read it (call::rules): a recording started after a
    // Teams user joined — also one who has left since — cannot be stopped.
    let teams_in_call = call.teams_joined || call.legs.iter().any(|l| l.id.is_teams_user());
    let callback = body.recording_state_callback_uri.clone().unwrap_or_else(|| call.callback_uri.clone());
    let server_call_id = call.server_call_id.clone();
    let id = recording_id(&emu.rng.uuid(), &emu.rng.uuid());
    let rec = Recording {
        id: id.clone(),
        call: call_id.clone(),
        server_call_id,
        callback,
        state: RecordingState::Inactive,
        started_after_teams_joined: teams_in_call,
        stopped: false,
    };
    let response = Response::json(200, &state_body(&rec));
    emu.recordings.insert(id.clone(), rec);
    if let Some(c) = emu.calls.get_mut(&call_id) {
        c.recording = Some(id.clone());
    }
    if !body.pause_on_start.unwrap_or(false) {
        let at = emu.now + emu.world.timing.event_delay_ms * 2;
        emu.schedule(at, Job::RecordingActive { recording: id });
    }
    response
}

/// The recording becomes active (after start or resume).
pub(super) fn activate(emu: &mut Emulator, id: &str, at: i64) {
    let Some(r) = emu.recordings.get_mut(id).filter(|r| !r.stopped) else { return };
    if r.state == RecordingState::Active {
        return;
    }
    r.state = RecordingState::Active;
    changed(emu, id, at);
}

fn live<'a>(emu: &'a mut Emulator, id: &str) -> Result<&'a mut Recording, Response> {
    match emu.recordings.get_mut(id) {
        Some(r) if !r.stopped => Ok(r),
        _ => Err(Response::error(404, "8522", "Recording not found.")),
    }
}

pub(super) fn get(emu: &mut Emulator, id: &str) -> Response {
    match live(emu, id) {
        Ok(r) => Response::json(200, &state_body(r)),
        Err(e) => e,
    }
}

pub(super) fn pause(emu: &mut Emulator, id: &str) -> Response {
    let at = emu.now + emu.world.timing.event_delay_ms;
    match live(emu, id) {
        Ok(r) if r.state == RecordingState::Active => {
            r.state = RecordingState::Inactive;
            changed(emu, id, at);
            Response::empty(202)
        }
        Ok(_) => Response::error(400, "8523", "The recording is not active."),
        Err(e) => e,
    }
}

pub(super) fn resume(emu: &mut Emulator, id: &str) -> Response {
    let at = emu.now + emu.world.timing.event_delay_ms;
    match live(emu, id) {
        Ok(r) if r.state == RecordingState::Inactive => {
            // Active from now on (a pause right after a resume is valid); the event follows.
            r.state = RecordingState::Active;
            changed(emu, id, at);
            Response::empty(202)
        }
        Ok(_) => Response::error(400, "8523", "The recording is not paused."),
        Err(e) => e,
    }
}

pub(super) fn stop(emu: &mut Emulator, id: &str) -> Response {
    let at = emu.now + emu.world.timing.event_delay_ms;
    let call = match live(emu, id) {
        // The seed: during the preview a recording started after a Teams user joined cannot be stopped.
        Ok(r) if r.started_after_teams_joined => {
            return Response::error(400, "8520", "Stopping a recording that started after a Microsoft Teams user joined is not supported during the preview.");
        }
        Ok(r) => {
            r.stopped = true;
            let was_active = r.state == RecordingState::Active;
            r.state = RecordingState::Inactive;
            (r.call.clone(), was_active)
        }
        Err(e) => return e,
    };
    if call.1 {
        changed(emu, id, at);
    }
    if let Some(c) = emu.calls.get_mut(&call.0) {
        c.recording = None;
    }
    Response::empty(204)
}

/// The call ended: the recording stops.
pub(super) fn call_ended(emu: &mut Emulator, id: &str, at: i64) {
    let Some(r) = emu.recordings.get_mut(id).filter(|r| !r.stopped) else { return };
    r.stopped = true;
    if r.state == RecordingState::Active {
        r.state = RecordingState::Inactive;
        changed(emu, id, at);
    }
}
