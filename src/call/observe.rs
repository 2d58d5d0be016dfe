//! What a read of the call teaches: ACS's own answers to `getCall`, `getParticipants` and
//! `getRecordingProperties`, folded in when callbacks may have been lost (ACS drops, delays
//! and duplicates webhooks; a Worker restart loses the ones sent while it was down).
//!
//! An observation is a fact at the time of the answer, not an event: the participant list
//! becomes a roster without a sequence number, placed by time among the delivered ones (so a
//! late event from before it cannot undo it, and one from after it still counts). Operations
//! whose outcome event is overdue by [`OUTCOME_GRACE_MS`] are concluded from the list: an add
//! whose participant is in the call succeeded, one whose participant is not failed.

use serde_json::Value;

use super::participant::ParticipantStatus;
use super::presence::{self, Roster};
use super::recording::RecordingStatus;
use super::state::{CallState, Change, OUTCOME_GRACE_MS};
use crate::model::{CallConnectionState, RecordingState, ResultInformation};
use crate::CommunicationIdentifier;

/// One participant as `getParticipants` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedParticipant {
    /// Who.
    pub identifier: CommunicationIdentifier,
    /// Muted.
    pub is_muted: bool,
    /// On hold.
    pub is_on_hold: bool,
}

/// ACS's answer to a read of the call, at `at` (Unix ms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observation {
    /// `getCall`: the connection state, or `gone` (404: the call no longer exists).
    Connection {
        /// `callConnectionState`.
        state: Option<CallConnectionState>,
        /// The call is not found any more.
        gone: bool,
        /// When.
        at: Option<i64>,
    },
    /// `getParticipants` (a complete list: one page, no `nextLink`).
    Participants {
        /// Everyone in the call now.
        participants: Vec<ObservedParticipant>,
        /// When.
        at: Option<i64>,
    },
    /// `getRecordingProperties`: the recording's state, or `gone` (404: it is over).
    Recording {
        /// `recordingState`.
        state: Option<RecordingState>,
        /// The recording is not found any more.
        gone: bool,
        /// When.
        at: Option<i64>,
    },
}

impl Observation {
    /// Reads an answer to one of the three reads (`None` for any other operation, a partial
    /// list, or a status that says nothing about the call, such as a 429 or 5xx).
    pub fn from_http(operation: &str, status: u16, body: &Value, at: Option<i64>) -> Option<Self> {
        let ok = (200..300).contains(&status);
        match (operation, status) {
            ("getCall" | "getParticipants", 404) => Some(Self::Connection { state: None, gone: true, at }),
            ("getCall", _) if ok => {
                let state = body.get("callConnectionState").and_then(|v| serde_json::from_value(v.clone()).ok());
                Some(Self::Connection { state, gone: false, at })
            }
            ("getParticipants", _) if ok => {
                if body.get("nextLink").and_then(Value::as_str).is_some_and(|l| !l.is_empty()) {
                    return None;
                }
                let participants = body
                    .get("value")
                    .and_then(Value::as_array)?
                    .iter()
                    .filter_map(|p| {
                        Some(ObservedParticipant {
                            identifier: CommunicationIdentifier::from_json_value(p.get("identifier")?).ok()?,
                            is_muted: p.get("isMuted").and_then(Value::as_bool).unwrap_or(false),
                            is_on_hold: p.get("isOnHold").and_then(Value::as_bool).unwrap_or(false),
                        })
                    })
                    .collect();
                Some(Self::Participants { participants, at })
            }
            ("getRecordingProperties", 404) => Some(Self::Recording { state: None, gone: true, at }),
            ("getRecordingProperties", _) if ok => {
                let state = body.get("recordingState").and_then(|v| serde_json::from_value(v.clone()).ok());
                Some(Self::Recording { state, gone: false, at })
            }
            _ => None,
        }
    }
}

impl CallState {
    /// Folds what ACS reported when asked. Returns what changed, as events do.
    pub fn observe(&mut self, o: &Observation) -> Vec<Change> {
        let before: Vec<ParticipantStatus> = self.participants.iter().map(|p| p.status).collect();
        let mut changes = Vec::new();
        match o {
            Observation::Connection { gone: true, at, .. }
            | Observation::Connection { state: Some(CallConnectionState::Disconnected), at, .. } => {
                if !self.is_ended() {
                    self.end_call(*at, &mut changes);
                }
            }
            Observation::Connection { state: Some(state), at, .. } => {
                if *state != CallConnectionState::Unknown {
                    self.set_connection_at(state.clone(), *at, &mut changes);
                }
            }
            Observation::Connection { .. } => {}
            Observation::Participants { participants, at } => {
                let roster = Roster {
                    seq: None,
                    at: *at,
                    raw_ids: participants.iter().map(|p| p.identifier.raw_id().clone()).collect(),
                    last_seq: None,
                    last_at: None,
                    observed: true,
                };
                let point = presence::Point { seq: None, at: *at, observed: true };
                let newest = presence::insert(&mut self.rosters, roster);
                for entry in participants {
                    self.roster_flags(
                        &entry.identifier,
                        (entry.is_muted, entry.is_on_hold),
                        newest,
                        point,
                        &mut changes,
                    );
                }
                self.refresh_presence(&before, &mut changes);
                if let Some(at) = at {
                    self.conclude_overdue(*at, participants, &mut changes);
                }
                return changes;
            }
            Observation::Recording { state, gone, at } => {
                if let Some(rec) = &mut self.recording {
                    let was = rec.status;
                    match (gone, state) {
                        (true, _) if rec.status == RecordingStatus::Starting => rec.status = RecordingStatus::Failed,
                        (true, _) => {
                            rec.end(*at);
                        }
                        (false, Some(RecordingState::Active)) => rec.report(true, *at, None),
                        (false, Some(RecordingState::Inactive)) if rec.status != RecordingStatus::Starting => {
                            rec.report(false, *at, None)
                        }
                        _ => {}
                    }
                    if rec.status != was {
                        changes.push(Change::Recording { status: rec.status });
                    }
                }
            }
        }
        self.refresh_presence(&before, &mut changes);
        changes
    }

    /// Concludes the operations whose outcome event is overdue at `at`, from who is in the
    /// call: an add succeeded if its participant is there (else its invitation failed), a
    /// removal if they are gone; other operations are concluded without a verdict.
    fn conclude_overdue(&mut self, at: i64, present: &[ObservedParticipant], changes: &mut Vec<Change>) {
        let overdue = |expires: Option<i64>| expires.is_some_and(|e| e + OUTCOME_GRACE_MS <= at);
        let (done, kept): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.pending).into_iter().partition(|p| overdue(p.expires_at.or(p.sent_at)));
        self.pending = kept;
        let here = |raw: &crate::RawId| present.iter().any(|p| p.identifier.raw_id().same_participant(raw));
        for op in done {
            let succeeded = match (op.operation.as_str(), &op.target) {
                ("addParticipant", Some(target)) => here(target),
                ("removeParticipant", Some(target)) => !here(target),
                _ => true,
            };
            if op.operation == "addParticipant" && !succeeded {
                let ringing = self.participants.iter_mut().find(|p| {
                    p.invitation.as_ref().is_some_and(|i| {
                        i.status == ParticipantStatus::Ringing
                            && i.operation_context.as_deref() == Some(op.operation_context.as_str())
                    })
                });
                if let Some(p) = ringing {
                    p.last_result = Some(ResultInformation {
                        code: 408,
                        sub_code: 0,
                        message: "No outcome event arrived; the participant was not in the call when checked.".into(),
                        ..Default::default()
                    });
                    if let Some(inv) = &mut p.invitation {
                        inv.end_unanswered(ParticipantStatus::Failed, Some(at), &p.stays);
                    }
                    p.derive_status();
                    changes.push(Change::Participant {
                        raw_id: p.identifier.raw_id().clone(),
                        status: p.status,
                        result: p.last_result.clone(),
                    });
                }
            }
            changes.push(Change::Operation {
                operation_context: op.operation_context,
                operation: Some(op.operation),
                succeeded,
                event: "Reconciled",
            });
        }
    }
}
