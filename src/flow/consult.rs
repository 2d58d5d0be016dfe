//! The expert consultation: an agent asks a Teams expert to join a live call. Its phase is
//! read from the call's truth (the expert's participant status and last result), never kept
//! apart from it, so duplicates and reordering cannot make it lie.
//!
//! ```text
//! recording? ──► inviting ──► ringing ──► joined ──► left
//!                    │            ├──► declined (603)
//!                    │            ├──► noAnswer (408)
//!                    └────────────┴──► failed (403 licence/consent, refused, ...) / cancelled
//! ```

use serde::{Deserialize, Serialize};

use crate::call::{CallState, ParticipantStatus};
use crate::model::ResultInformation;
use crate::CommunicationIdentifier;

/// Where a consultation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Starting the recording first (so it stays stoppable: a recording started after a Teams
    /// user joined cannot be stopped in preview).
    Recording,
    /// The add is being sent.
    Inviting,
    /// The expert's Teams client rings.
    Ringing,
    /// The expert is in the call.
    Joined,
    /// The expert declined (603).
    Declined,
    /// Nobody answered before the invitation timed out (408).
    NoAnswer,
    /// ACS refused or failed the add (licence, consent, unsupported client, ...).
    Failed,
    /// The agent cancelled the invitation.
    Cancelled,
    /// The expert joined and has left; the call carries on.
    Left,
}

impl Phase {
    /// No further change will come.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Declined | Self::NoAnswer | Self::Failed | Self::Cancelled | Self::Left)
    }
}

/// One consultation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consultation {
    /// Its operation context (the add's events carry it).
    pub id: String,
    /// The expert.
    pub expert: CommunicationIdentifier,
    /// Shown in the expert's toast (desktop and web clients).
    pub source_display_name: Option<String>,
    /// Ring time.
    pub invitation_timeout_in_seconds: Option<i64>,
    /// Played to the expert on joining.
    pub greeting_url: Option<String>,
    /// Record it.
    pub record: bool,
    /// Where it stands.
    pub phase: Phase,
    /// The agent who asked.
    pub requested_by: Option<String>,
    /// When (Unix ms).
    pub requested_at: i64,
    /// When the expert joined.
    pub joined_at: Option<i64>,
    /// When the expert left.
    pub left_at: Option<i64>,
    /// ACS's result for a failed invitation.
    pub result: Option<ResultInformation>,
    /// The greeting was sent.
    pub greeted: bool,
}

impl Consultation {
    /// Re-reads the phase from the call's state; returns whether it moved.
    /// A `Cancelled` one moves on when events arriving later show the expert joined: the call's
    /// end, delivered before them, had cancelled an invitation that was in fact answered.
    pub fn refresh(&mut self, state: &CallState) -> bool {
        if matches!(self.phase, Phase::Recording | Phase::Inviting) {
            return false;
        }
        let Some(p) = state.participant(self.expert.raw_id()) else { return false };
        let ours = p.invitation.as_ref().is_some_and(|i| i.operation_context.as_deref() == Some(self.id.as_str()));
        let joined_since = p.stays.iter().rev().find_map(|s| s.joined_at).filter(|t| *t >= self.requested_at);
        // (Its own invitation only: a later consultation of the same expert is not this one's.)
        if self.phase.is_final() && !(self.phase == Phase::Cancelled && ours && joined_since.is_some()) {
            return false;
        }
        let next = match p.status {
            ParticipantStatus::Connected => Phase::Joined,
            ParticipantStatus::Ringing => Phase::Ringing,
            ParticipantStatus::Left | ParticipantStatus::Removed
                if self.phase == Phase::Joined || joined_since.is_some() =>
            {
                Phase::Left
            }
            ParticipantStatus::Failed if ours => match p.last_result.as_ref().map(|r| r.code) {
                Some(603) => Phase::Declined,
                Some(408) => Phase::NoAnswer,
                _ => Phase::Failed,
            },
            ParticipantStatus::Cancelled if ours => Phase::Cancelled,
            _ => self.phase,
        };
        if next == Phase::Joined {
            self.joined_at =
                self.joined_at.or(p.first_joined_at().filter(|t| *t >= self.requested_at)).or(joined_since);
        }
        if next == Phase::Left {
            self.left_at = p.stays.last().and_then(|s| s.left_at);
        }
        if matches!(next, Phase::Declined | Phase::NoAnswer | Phase::Failed) {
            self.result = p.last_result.clone();
        }
        let moved = next != self.phase;
        self.phase = next;
        moved
    }
}
