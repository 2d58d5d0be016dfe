//! The commands this app sends, as inputs of the reducer: recorded before sending (so their
//! outcome events can be matched) and after their synchronous answer.

use super::action::Action;
use super::observe::Observation;
use super::participant::{Invitation, ParticipantStatus};
use super::recording::{Recording, RecordingStatus};
use super::state::{CallError, CallState, Change, PendingOperation, DEFAULT_INVITATION_TIMEOUT_S};
use crate::model::ResultInformation;
use crate::FieldError;
use serde_json::Value;

/// What a command's synchronous HTTP answer taught (see [`CallState::record_response`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandResponse {
    /// addParticipant answered 202 with this invitation id.
    Invitation {
        /// For cancelAddParticipant.
        invitation_id: String,
    },
    /// startRecording answered with this recording id.
    Recording {
        /// For pause / resume / stop.
        recording_id: String,
    },
    /// createCall / answerCall answered with this call connection id.
    Connection {
        /// The id.
        call_connection_id: String,
    },
    /// A read of the call (`getCall`, `getParticipants`, `getRecordingProperties`) answered:
    /// what ACS reports now. Folded by [`CallState::observe`].
    Observed(Observation),
    /// redirectCall / rejectCall accepted: the incoming call is no longer this app's (it rings
    /// at the redirect's target, or the caller heard the rejection). No event will follow —
    /// the app never had a call connection —, so the answer is the call's end here.
    Released {
        /// `redirectCall` or `rejectCall`.
        operation: String,
        /// When (Unix ms).
        at: Option<i64>,
    },
    /// The service refused the command (4xx/5xx, after retries).
    Refused {
        /// REST name.
        operation: String,
        /// The HTTP status as code, the service's error code as subCode when numeric, its message.
        result: ResultInformation,
        /// When (Unix ms).
        at: Option<i64>,
    },
}

impl CommandResponse {
    /// What an HTTP answer to `operation` teaches (`None`: nothing the state keeps, e.g. a 204 to
    /// a hang-up, whose end the CallDisconnected event tells).
    /// A refusal keeps the HTTP status as code, ACS's numeric error code as subCode and its
    /// message; a refusal body that is not JSON (a proxy's HTML page) becomes the message. A 2xx
    /// body that is not JSON is an error naming `body`.
    pub fn from_http(operation: &str, status: u16, body: &str, at: Option<i64>) -> Result<Option<Self>, FieldError> {
        let meta = crate::ops::operation_by_name(operation)
            .ok_or_else(|| FieldError::new("operation", format!("unknown operation {operation:?}")))?;
        let ok = (200..300).contains(&status);
        let parsed: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(_) if body.trim().is_empty() => Value::Null,
            Err(_) if !ok => Value::Null,
            Err(e) => return Err(FieldError::new("body", format!("is not JSON: {e}"))),
        };
        let text = |k: &str| parsed.get(k).and_then(Value::as_str).map(str::to_owned);
        if let Some(o) = Observation::from_http(meta.name, status, &parsed, at) {
            return Ok(Some(Self::Observed(o)));
        }
        if !ok {
            let sub_code = match parsed.pointer("/error/code") {
                Some(Value::String(c)) => c.parse().unwrap_or(0),
                Some(Value::Number(n)) => n.as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or(0),
                _ => 0,
            };
            let message = match parsed.pointer("/error/message").and_then(Value::as_str) {
                Some(m) => m.to_owned(),
                None => body.chars().take(200).collect(),
            };
            let result = ResultInformation { code: i32::from(status), sub_code, message, ..Default::default() };
            return Ok(Some(Self::Refused { operation: meta.name.to_owned(), result, at }));
        }
        if matches!(meta.name, "redirectCall" | "rejectCall") {
            return Ok(Some(Self::Released { operation: meta.name.to_owned(), at }));
        }
        Ok(if let Some(invitation_id) = text("invitationId").filter(|_| meta.name == "addParticipant") {
            Some(Self::Invitation { invitation_id })
        } else if let Some(recording_id) = text("recordingId") {
            Some(Self::Recording { recording_id })
        } else {
            text("callConnectionId").map(|call_connection_id| Self::Connection { call_connection_id })
        })
    }
}

impl CallState {
    /// Records a command this app is sending (before it is sent), so its outcome can be matched:
    /// it becomes pending under its operation context, an add-participant target starts ringing,
    /// a recording start remembers who asked. `at` is the send time (Unix ms), `by` who asked.
    pub fn record_command(
        &mut self,
        action: &Action,
        operation_context: Option<&str>,
        at: Option<i64>,
        by: Option<&str>,
    ) -> Vec<Change> {
        if let Some(ctx) = operation_context {
            self.pending.retain(|p| p.operation_context != ctx);
            self.pending.push(PendingOperation {
                operation: action.operation.to_owned(),
                operation_context: ctx.to_owned(),
                sent_at: at,
                target: action.targets.first().map(|t| t.raw_id().clone()),
                expires_at: at.map(|t| match action.operation {
                    "addParticipant" => {
                        t + 1000 * action.invitation_timeout_in_seconds.unwrap_or(DEFAULT_INVITATION_TIMEOUT_S)
                    }
                    _ => t,
                }),
            });
        }
        let before: Vec<ParticipantStatus> = self.participants.iter().map(|p| p.status).collect();
        let mut changes = Vec::new();
        match action.operation {
            "hangupCall" | "terminateCall" => self.ending = Some(action.operation.to_owned()),
            "addParticipant" => {
                if let Some(target) = action.targets.first() {
                    let p = self.participant_mut(target);
                    let mut inv = Invitation::ringing(operation_context.map(str::to_owned), at);
                    inv.source_display_name = action.source_display_name.clone();
                    p.invitation = Some(inv);
                }
            }
            "startRecording" => {
                let mut rec = Recording::new(None);
                rec.started_by = by.map(str::to_owned);
                rec.requested_at = at;
                self.recording = Some(rec);
                changes.push(Change::Recording { status: RecordingStatus::Starting });
            }
            "pauseRecording" | "resumeRecording" => {
                if let Some(rec) = &mut self.recording {
                    rec.toggle(action.operation == "resumeRecording", at);
                }
            }
            "stopRecording" => {
                if let Some(rec) = &mut self.recording {
                    let before = rec.status;
                    rec.request_stop(at);
                    if rec.status != before {
                        changes.push(Change::Recording { status: rec.status });
                    }
                }
            }
            "answerCall" | "redirectCall" | "rejectCall" => {
                if let Some(offer) = &mut self.incoming {
                    offer.handled = Some(action.operation.to_owned());
                }
            }
            _ => {}
        }
        self.refresh_presence(&before, &mut changes);
        changes
    }

    /// Records what a command's synchronous answer taught: the add's `invitationId`, the
    /// recording's id. A refused command (4xx/5xx) concludes its pending operation as failed.
    pub fn record_response(&mut self, operation_context: Option<&str>, outcome: &CommandResponse) -> Vec<Change> {
        let before: Vec<ParticipantStatus> = self.participants.iter().map(|p| p.status).collect();
        let mut changes = Vec::new();
        let ringing_for =
            |i: &Invitation| operation_context.is_some() && i.operation_context.as_deref() == operation_context;
        match outcome {
            CommandResponse::Invitation { invitation_id } => {
                if let Some(inv) =
                    self.participants.iter_mut().filter_map(|p| p.invitation.as_mut()).find(|i| ringing_for(i))
                {
                    inv.invitation_id = Some(invitation_id.clone());
                }
            }
            CommandResponse::Recording { recording_id } => {
                let rec = self.recording.get_or_insert_with(|| Recording::new(None));
                let mut moved = rec.named(recording_id);
                if let Some(ended_at) = self.ended_at {
                    // A held state folded after the call's end: the recording ended with it.
                    moved |= rec.end(ended_at);
                }
                if moved {
                    changes.push(Change::Recording { status: rec.status });
                }
            }
            CommandResponse::Connection { call_connection_id } => {
                self.call_connection_id.get_or_insert_with(|| call_connection_id.clone());
            }
            CommandResponse::Released { at, .. } => self.end_call(*at, &mut changes),
            CommandResponse::Observed(o) => {
                let more = self.observe(o);
                changes.extend(more);
                return changes;
            }
            CommandResponse::Refused { operation, result, at } => {
                if let Some(ctx) = operation_context {
                    self.pending.retain(|p| p.operation_context != ctx);
                }
                if matches!(operation.as_str(), "hangupCall" | "terminateCall") {
                    self.ending = None;
                    // ACS no longer has the call: it is over, whatever the event said or did not.
                    if result.code == 404 {
                        self.end_call(*at, &mut changes);
                    }
                }
                // An answer, redirect or reject ACS did not carry out leaves the call offered, not
                // "connecting" for ever: its context may be used again (ACS says whether it still
                // can), and the call may still be answered elsewhere or go.
                let offer_op = matches!(operation.as_str(), "answerCall" | "redirectCall" | "rejectCall");
                if offer_op && self.call_connection_id.is_none() && self.ended_at.is_none() {
                    if let Some(offer) = self.incoming.as_mut() {
                        offer.handled = None;
                    }
                }
                if operation == "addParticipant" {
                    if let Some(p) = self.participants.iter_mut().find(|p| {
                        p.invitation.as_ref().is_some_and(|i| ringing_for(i) && i.status == ParticipantStatus::Ringing)
                    }) {
                        p.last_result = Some(result.clone());
                        if let Some(inv) = &mut p.invitation {
                            inv.end_unanswered(ParticipantStatus::Failed, *at, &p.stays);
                        }
                    }
                }
                if matches!(operation.as_str(), "pauseRecording" | "resumeRecording") {
                    if let Some(rec) = &mut self.recording {
                        rec.toggling = None;
                        rec.toggled_at = None;
                    }
                }
                if operation == "startRecording" {
                    if let Some(rec) = self.recording.as_mut().filter(|r| r.status == RecordingStatus::Starting) {
                        rec.status = RecordingStatus::Failed;
                        changes.push(Change::Recording { status: rec.status });
                    }
                }
                if let Some(ctx) = operation_context {
                    changes.push(Change::Operation {
                        operation_context: ctx.to_owned(),
                        operation: Some(operation.clone()),
                        succeeded: false,
                        event: "Refused",
                    });
                }
                self.last_error = Some(CallError {
                    source: operation.clone(),
                    operation_context: operation_context.map(str::to_owned),
                    result: result.clone(),
                    at: *at,
                });
            }
        }
        self.refresh_presence(&before, &mut changes);
        changes
    }
}
