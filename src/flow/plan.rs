//! Command planning: what ACS requests an agent's command means for this call — the operation,
//! its params and its operation context — before the rules check them and the outbox takes them.

use serde_json::{json, Map, Value};

use super::session::{CallSession, Direction};
use crate::api::{AgentCommand, ApiError, InviteOptions, RecordingVerb};
use crate::call::{Action, ParticipantStatus};
use crate::CommunicationIdentifier;

impl CallSession {
    pub(super) fn plan(&mut self, cmd: &AgentCommand, context: &str) -> Result<Vec<Planned>, ApiError> {
        let one = |op: &'static str, params: Map<String, Value>| Ok(vec![(op, params, Some(context.to_owned()))]);
        match cmd {
            AgentCommand::CreateCall { targets, invite } => {
                let fresh = self.direction == Direction::Outbound
                    && self.state.call_connection_id.is_none()
                    && self.state.incoming.is_none()
                    && !self.state.pending.iter().any(|p| p.operation == "createCall");
                if !fresh {
                    return Err(ApiError::new(
                        409,
                        "already_created",
                        "this call exists; create calls with POST /api/calls",
                    ));
                }
                let mut p = Map::new();
                p.insert("targets".into(), json!(targets));
                p.insert("callbackUri".into(), json!(self.callback_uri));
                let invite = self.invite_defaults(invite);
                if let Some(n) = &invite.source_display_name {
                    p.insert("sourceDisplayName".into(), json!(n));
                }
                if let Some(n) = &invite.source_caller_id_number {
                    p.insert("sourceCallerIdNumber".into(), json!({"value": n}));
                }
                p.insert("operationContext".into(), json!(context));
                one("createCall", p)
            }
            AgentCommand::AddParticipants { participants, invite } => {
                let id = self.connection_id()?.to_owned();
                let many = participants.len() > 1;
                Ok(participants
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let c = if many { format!("{context}-{}", i + 1) } else { context.to_owned() };
                        ("addParticipant", add_params(&id, p, invite, &c), Some(c))
                    })
                    .collect())
            }
            AgentCommand::RemoveParticipant { participant } => {
                let mut p = self.on_call()?;
                p.insert("participantToRemove".into(), json!(participant));
                p.insert("operationContext".into(), json!(context));
                one("removeParticipant", p)
            }
            AgentCommand::CancelAdd { invitation_id, participant } => {
                let invitation = match (invitation_id, participant) {
                    (Some(i), _) => i.clone(),
                    (None, Some(p)) => self
                        .state
                        .participant(p.raw_id())
                        .and_then(|p| p.invitation.as_ref())
                        .filter(|i| i.status == ParticipantStatus::Ringing)
                        .and_then(|i| i.invitation_id.clone())
                        .ok_or_else(|| {
                            ApiError::new(
                                409,
                                "no_invitation",
                                format!("{} has no ringing invitation to cancel", p.raw_id()),
                            )
                        })?,
                    (None, None) => {
                        return Err(
                            ApiError::new(400, "invalid_body", "invitationId: is required").field("invitationId")
                        )
                    }
                };
                let mut p = self.on_call()?;
                p.insert("invitationId".into(), json!(invitation));
                p.insert("operationContext".into(), json!(context));
                one("cancelAddParticipant", p)
            }
            AgentCommand::Play { files, play_to, loop_audio } => {
                let mut p = self.on_call()?;
                let sources: Vec<Value> = files.iter().map(|u| json!({"kind": "file", "file": {"uri": u}})).collect();
                p.insert("playSources".into(), Value::Array(sources));
                if !play_to.is_empty() {
                    p.insert("playTo".into(), json!(play_to));
                }
                if *loop_audio {
                    p.insert("playOptions".into(), json!({"loop": true}));
                }
                p.insert("operationContext".into(), json!(context));
                one("play", p)
            }
            AgentCommand::Transfer { target, transferee } => {
                let mut p = self.on_call()?;
                p.insert("targetParticipant".into(), json!(target));
                if let Some(t) = transferee {
                    p.insert("transferee".into(), json!(t));
                }
                p.insert("operationContext".into(), json!(context));
                one("transferToParticipant", p)
            }
            AgentCommand::Answer => {
                let (op, params) = self.answer_params().ok_or_else(not_offered)?;
                Ok(vec![(op, params, Some("answer".to_owned()))])
            }
            AgentCommand::Redirect { target } => {
                let (op, params) =
                    self.offer_params("redirectCall", json!({"target": target})).ok_or_else(not_offered)?;
                Ok(vec![(op, params, None)])
            }
            AgentCommand::Reject { reason } => {
                let extra = match reason {
                    Some(r) => json!({"callRejectReason": r}),
                    None => json!({}),
                };
                let (op, params) = self.offer_params("rejectCall", extra).ok_or_else(not_offered)?;
                Ok(vec![(op, params, None)])
            }
            AgentCommand::Hangup => Ok(vec![("hangupCall", self.on_call()?, None)]),
            // terminateCall sends no body: its context lives in the state only.
            AgentCommand::Terminate => one("terminateCall", self.on_call()?),
            AgentCommand::Recording { verb, options } => match verb {
                RecordingVerb::Start => {
                    let server_call_id = self
                        .state
                        .server_call_id
                        .clone()
                        .ok_or_else(|| ApiError::new(409, "not_connected", "the call has no server call id yet"))?;
                    let mut p = options.clone();
                    p.insert(
                        "callLocator".into(),
                        json!({"kind": "serverCallLocator", "serverCallId": server_call_id}),
                    );
                    p.insert("recordingStateCallbackUri".into(), json!(self.callback_uri));
                    Ok(vec![("startRecording", p, Some(context.to_owned()))])
                }
                _ => {
                    let rec = self.state.recording.as_ref().and_then(|r| r.recording_id.clone()).ok_or_else(|| {
                        ApiError::new(409, "no_recording", "no recording of this call to pause, resume or stop")
                    })?;
                    let op = match verb {
                        RecordingVerb::Pause => "pauseRecording",
                        RecordingVerb::Resume => "resumeRecording",
                        _ => "stopRecording",
                    };
                    let mut p = Map::new();
                    p.insert("recordingId".into(), json!(rec));
                    Ok(vec![(op, p, Some(context.to_owned()))])
                }
            },
            AgentCommand::Consult { expert, invite, record, .. } => {
                let id = self.connection_id()?.to_owned();
                if record.unwrap_or(self.policy.record_consultations) && !self.recording_running() {
                    let server_call_id = self
                        .state
                        .server_call_id
                        .clone()
                        .ok_or_else(|| ApiError::new(409, "not_connected", "the call has no server call id yet"))?;
                    let mut p = Map::new();
                    p.insert(
                        "callLocator".into(),
                        json!({"kind": "serverCallLocator", "serverCallId": server_call_id}),
                    );
                    p.insert("recordingStateCallbackUri".into(), json!(self.callback_uri));
                    // The add is checked now too, so a refused expert never starts a recording.
                    let add = add_params(&id, expert, &self.invite_defaults(invite), context);
                    let action = Action::from_members("addParticipant", &add).map_err(ApiError::invalid)?;
                    if let Err(r) = self.state.can(&action) {
                        return Err(ApiError::new(409, "refused_by_rule", r.reason)
                            .detail(json!({"rule": r.rule, "operation": "addParticipant"})));
                    }
                    return Ok(vec![("startRecording", p, Some(format!("{context}-recording")))]);
                }
                Ok(vec![(
                    "addParticipant",
                    add_params(&id, expert, &self.invite_defaults(invite), context),
                    Some(context.to_owned()),
                )])
            }
        }
    }

    pub(super) fn invite_defaults(&self, invite: &InviteOptions) -> InviteOptions {
        let mut i = invite.clone();
        if i.source_display_name.is_none() {
            i.source_display_name = self.policy.source_display_name.clone();
        }
        i
    }
}

pub(super) type Planned = (&'static str, Map<String, Value>, Option<String>);

pub(super) fn add_params(
    call: &str,
    who: &CommunicationIdentifier,
    invite: &InviteOptions,
    context: &str,
) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("callConnectionId".into(), json!(call));
    p.insert("participantToAdd".into(), json!(who));
    if let Some(n) = &invite.source_display_name {
        p.insert("sourceDisplayName".into(), json!(n));
    }
    if let Some(n) = &invite.source_caller_id_number {
        p.insert("sourceCallerIdNumber".into(), json!({"value": n}));
    }
    if let Some(t) = invite.invitation_timeout_in_seconds {
        p.insert("invitationTimeoutInSeconds".into(), json!(t));
    }
    p.insert("operationContext".into(), json!(context));
    p
}

fn not_offered() -> ApiError {
    ApiError::new(409, "not_offered", "the call is not an unanswered incoming call (its context is spent or absent)")
}

pub(super) fn command_name(c: &AgentCommand) -> &'static str {
    match c {
        AgentCommand::CreateCall { .. } => "createCall",
        AgentCommand::AddParticipants { .. } => "addParticipants",
        AgentCommand::RemoveParticipant { .. } => "removeParticipant",
        AgentCommand::CancelAdd { .. } => "cancelAddParticipant",
        AgentCommand::Play { .. } => "play",
        AgentCommand::Transfer { .. } => "transfer",
        AgentCommand::Answer => "answer",
        AgentCommand::Redirect { .. } => "redirect",
        AgentCommand::Reject { .. } => "reject",
        AgentCommand::Hangup => "hangup",
        AgentCommand::Terminate => "terminate",
        AgentCommand::Recording { verb, .. } => match verb {
            RecordingVerb::Start => "startRecording",
            RecordingVerb::Pause => "pauseRecording",
            RecordingVerb::Resume => "resumeRecording",
            RecordingVerb::Stop => "stopRecording",
        },
        AgentCommand::Consult { .. } => "startConsultation",
    }
}
