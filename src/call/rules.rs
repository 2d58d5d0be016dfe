//! Capability rules: the Teams-interop capability table of the seed document (and ACS's own
//! preconditions) as named values. Before a command is sent, [`check`] says whether it is
//! allowed in the call's current state and, if not, which rule refuses it and why. The Worker
//! answers 409 with the same rule name and reason; the console greys the button with it.

use serde::Serialize;

use super::action::Action;
use super::participant::ParticipantStatus;
use super::recording::RecordingStatus;
use super::state::CallState;
use crate::model::{PlaySourceKind, RecognizeInputType};
use crate::ops::add_participant::INVITATION_TIMEOUT_RANGE;
use crate::IdentifierKind;

/// A named rule.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable name (snake_case), used in API errors and tests.
    pub name: &'static str,
    /// What the rule says, in one sentence.
    pub description: &'static str,
}

/// Why a command is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The rule that refuses it.
    pub rule: &'static str,
    /// Why, in plain words, for this call.
    pub reason: String,
}

macro_rules! rules {
    ($($(#[$m:meta])* $id:ident = $name:literal: $desc:literal;)+) => {
        $( $(#[$m])* pub const $id: Rule = Rule { name: $name, description: $desc }; )+
        /// Every rule, for listing (console help, docs, tests).
        pub const RULES: &[&Rule] = &[$(&$id),+];
    };
}

rules! {
    /// Nothing acts on a call after `CallDisconnected` (ACS answers 404 / 8522).
    CALL_NOT_ENDED = "call_not_ended": "A call that has ended cannot be acted on.";
    /// Mid-call operations need a connected call.
    CALL_CONNECTED = "call_connected": "Mid-call operations need the call to be connected.";
    /// answer / redirect / reject only for an incoming call not yet handled (its context is single-use).
    BEFORE_ANSWER_ONLY = "before_answer_only": "Answer, redirect and reject apply only to an incoming call that has not been answered, redirected or rejected.";
    /// The seed's table: "Recognize user input through DTMF ❌" for calls with Teams users.
    DTMF_NOT_IN_TEAMS_CALLS = "dtmf_not_in_teams_calls": "DTMF recognition is not available in calls with Microsoft Teams users.";
    /// The seed's table: "Blind Transfer a 1:1 call to another endpoint".
    BLIND_TRANSFER_ONE_TO_ONE = "blind_transfer_one_to_one": "Blind transfer is only available in a 1:1 call.";
    /// ACS: "only ACS users are supported" for mute.
    MUTE_ACS_USERS_ONLY = "mute_acs_users_only": "Only Azure Communication Services users can be muted.";
    /// `invitationTimeoutInSeconds` must be 0–180.
    INVITATION_TIMEOUT_RANGE_RULE = "invitation_timeout_range": "The invitation timeout must be between 0 and 180 seconds.";
    /// The seed: "During Public preview, you won't be able to stop the call recording if it started after adding the Teams participant."
    STOP_RECORDING_PREVIEW_LIMIT = "stop_recording_started_after_teams_joined": "A recording started after a Teams user joined cannot be stopped during the preview.";
    /// One recording per call.
    ONE_RECORDING_AT_A_TIME = "one_recording_at_a_time": "A call has at most one recording in progress.";
    /// Pause needs an active recording, resume a paused one (neither while one is on its way), stop any live one.
    RECORDING_STATE = "recording_state": "Pause needs an active recording and resume a paused one, neither while another is on its way; stop needs one that has not stopped.";
    /// A Teams client's or compliance policy's recording (TeamsRecordingStateChanged) is not Call Automation's to control.
    TEAMS_RECORDING_NOT_CONTROLLABLE = "teams_recording_not_controllable": "A recording a Teams client or compliance policy runs cannot be paused, resumed or stopped through Call Automation.";
    /// Do not invite someone who is already in the call or ringing (a retry must not add the expert twice).
    NO_DUPLICATE_INVITATION = "no_duplicate_invitation": "A participant already in the call or being invited cannot be invited again.";
    /// Remove needs the participant in the call.
    PARTICIPANT_PRESENT = "participant_present": "Only a participant in the call can be removed.";
    /// Cancel needs a ringing invitation.
    CANCEL_NEEDS_RINGING_INVITATION = "cancel_needs_ringing_invitation": "Only a ringing invitation can be cancelled.";
    /// The seed's table lists "Play Audio from an audio file" for calls with Teams users.
    TEAMS_CALLS_PLAY_FILES_ONLY = "teams_calls_play_files_only": "In calls with Microsoft Teams users, audio plays from files only (no text-to-speech or SSML).";
}

const READS: [&str; 4] = ["getCall", "getParticipants", "getParticipant", "getRecordingProperties"];
const PRE_ANSWER: [&str; 3] = ["answerCall", "redirectCall", "rejectCall"];
const ANY_STATE: [&str; 3] = ["hangupCall", "terminateCall", "createCall"];

fn refuse(rule: &Rule, reason: impl Into<String>) -> Result<(), Refusal> {
    Err(Refusal { rule: rule.name, reason: reason.into() })
}

fn teams_names(state: &CallState) -> String {
    let ids: Vec<&str> = state.teams_users_active().map(|p| p.identifier.raw_id().as_str()).collect();
    ids.join(", ")
}

/// Whether `action` is allowed in `state`, or the rule that refuses it.
pub fn check(state: &CallState, action: &Action) -> Result<(), Refusal> {
    let op = action.operation;
    if state.is_ended() && !READS.contains(&op) {
        return refuse(&CALL_NOT_ENDED, "the call has ended");
    }
    if let Some(how) = state.ending.as_deref().filter(|_| !READS.contains(&op)) {
        let doing = if how == "hangupCall" { "left" } else { "ended" };
        return refuse(&CALL_NOT_ENDED, format!("the call is being {doing} ({how} was sent)"));
    }
    if PRE_ANSWER.contains(&op) {
        return match &state.incoming {
            None => refuse(&BEFORE_ANSWER_ONLY, "this call did not arrive as an incoming call"),
            Some(offer) => match &offer.handled {
                Some(how) => refuse(&BEFORE_ANSWER_ONLY, format!("the incoming call was already handled ({how})")),
                None if state.connection_state.is_some() => refuse(&BEFORE_ANSWER_ONLY, "the call is already answered"),
                None => Ok(()),
            },
        };
    }
    if matches!(op, "hangupCall" | "terminateCall") {
        // An offered call has no call connection to leave or end until it is answered.
        match state.incoming.as_ref().map(|offer| offer.handled.as_deref()) {
            Some(None) => {
                return refuse(&CALL_CONNECTED, "the incoming call is not answered yet: answer, redirect or reject it")
            }
            Some(Some(how)) if how != "answerCall" => {
                return refuse(&CALL_CONNECTED, format!("the incoming call was not answered ({how})"))
            }
            _ => {}
        }
    }
    if !READS.contains(&op)
        && !ANY_STATE.contains(&op)
        && state.connection_state != Some(crate::model::CallConnectionState::Connected)
    {
        return refuse(
            &CALL_CONNECTED,
            match &state.connection_state {
                None => "the call is not connected yet".to_owned(),
                Some(s) => format!("the call is not connected (it is {s})"),
            },
        );
    }
    match op {
        "recognize" | "startContinuousDtmfRecognition" => {
            let dtmf = op == "startContinuousDtmfRecognition"
                || matches!(
                    action.recognize_input_type,
                    Some(RecognizeInputType::Dtmf | RecognizeInputType::SpeechOrDtmf)
                );
            if dtmf && state.teams_users_active().next().is_some() {
                return refuse(&DTMF_NOT_IN_TEAMS_CALLS, format!("DTMF recognition is not available while a Teams user is in the call ({}); use speech or choices", teams_names(state)));
            }
        }
        "play" => {
            let tts = action.play_source_kinds.iter().find(|k| **k != PlaySourceKind::File);
            if let (Some(kind), true) = (tts, state.teams_users_active().next().is_some()) {
                return refuse(
                    &TEAMS_CALLS_PLAY_FILES_ONLY,
                    format!(
                        "a {} play source cannot be used while a Teams user is in the call; play an audio file",
                        kind.as_str()
                    ),
                );
            }
        }
        "transferToParticipant" => {
            let others = state.others_in_call().count();
            if others != 1 {
                return refuse(
                    &BLIND_TRANSFER_ONE_TO_ONE,
                    format!("blind transfer needs a 1:1 call; this call has {others} other participants"),
                );
            }
        }
        "muteParticipants" => {
            if let Some(t) = action.targets.iter().find(|t| !matches!(t.kind(), IdentifierKind::CommunicationUser(_))) {
                return refuse(
                    &MUTE_ACS_USERS_ONLY,
                    format!("{} is a {}; only ACS users can be muted", t.raw_id(), t.kind_name()),
                );
            }
        }
        "addParticipant" => {
            if let Some(t) = action.invitation_timeout_in_seconds.filter(|t| {
                !(i64::from(*INVITATION_TIMEOUT_RANGE.start())..=i64::from(*INVITATION_TIMEOUT_RANGE.end())).contains(t)
            }) {
                return refuse(&INVITATION_TIMEOUT_RANGE_RULE, format!("{t} s is outside 0–180 s"));
            }
            for t in &action.targets {
                if let Some(p) = state.participant(t.raw_id()).filter(|p| p.status.is_active()) {
                    let how = if p.status == ParticipantStatus::Ringing {
                        "is already being invited"
                    } else {
                        "is already in the call"
                    };
                    return refuse(&NO_DUPLICATE_INVITATION, format!("{} {how}", t.raw_id()));
                }
            }
        }
        "removeParticipant" => {
            for t in &action.targets {
                if state.participant(t.raw_id()).is_none_or(|p| p.status != ParticipantStatus::Connected) {
                    return refuse(&PARTICIPANT_PRESENT, format!("{} is not in the call", t.raw_id()));
                }
            }
        }
        "cancelAddParticipant" => {
            let ringing = state.participants.iter().filter(|p| p.status == ParticipantStatus::Ringing);
            let mut found = false;
            for p in ringing {
                let inv = p.invitation.as_ref().and_then(|i| i.invitation_id.as_deref());
                if action.invitation_id.is_none() || action.invitation_id.as_deref() == inv {
                    found = true;
                }
            }
            if !found {
                return refuse(&CANCEL_NEEDS_RINGING_INVITATION, "no invitation with this id is ringing");
            }
        }
        "startRecording" => {
            if let Some(r) = state
                .recording
                .as_ref()
                .filter(|r| !matches!(r.status, RecordingStatus::Stopped | RecordingStatus::Failed))
            {
                return refuse(&ONE_RECORDING_AT_A_TIME, format!("a recording is already {}", status_word(r.status)));
            }
        }
        "pauseRecording" | "resumeRecording" | "stopRecording" => {
            let teams = state.teams_recording.as_ref().and_then(|r| r.recording_id.as_deref());
            if teams.is_some_and(|id| action.recording_id.as_deref() == Some(id)) {
                return refuse(
                    &TEAMS_RECORDING_NOT_CONTROLLABLE,
                    "this recording is a Teams user's or a compliance policy's, not this app's",
                );
            }
            return check_recording(state, op);
        }
        _ => {}
    }
    Ok(())
}

fn status_word(s: RecordingStatus) -> &'static str {
    match s {
        RecordingStatus::Starting => "starting",
        RecordingStatus::Active => "active",
        RecordingStatus::Paused => "paused",
        RecordingStatus::Stopped => "stopped",
        RecordingStatus::Failed => "failed",
    }
}

fn check_recording(state: &CallState, op: &str) -> Result<(), Refusal> {
    let Some(r) = &state.recording else {
        return refuse(&RECORDING_STATE, "no recording has been started");
    };
    let needed = match op {
        "pauseRecording" => r.status == RecordingStatus::Active,
        "resumeRecording" => r.status == RecordingStatus::Paused,
        _ => matches!(r.status, RecordingStatus::Active | RecordingStatus::Paused | RecordingStatus::Starting),
    };
    if !needed {
        return refuse(&RECORDING_STATE, format!("the recording is {}", status_word(r.status)));
    }
    if let (Some(resume), "pauseRecording" | "resumeRecording") = (r.toggling, op) {
        let sent = if resume { "resume" } else { "pause" };
        return refuse(&RECORDING_STATE, format!("a {sent} was sent and ACS has not confirmed it yet"));
    }
    if op == "stopRecording" && r.started_after(state.teams_first_joined_at()) {
        return refuse(&STOP_RECORDING_PREVIEW_LIMIT, "this recording started after a Teams user joined; during the preview it cannot be stopped (pause it instead)");
    }
    Ok(())
}
