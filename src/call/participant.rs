//! One participant's truth within a call: the facts seen about them (roster appearances,
//! invitation outcomes, removal) and what follows from them (status, join/leave history).

use serde::{Deserialize, Serialize};

use super::CLOCK_SKEW_MS;
use crate::model::ResultInformation;
use crate::CommunicationIdentifier;

/// Where a participant stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ParticipantStatus {
    /// Invited by add participant; ringing.
    Ringing,
    /// In the call (on the latest roster).
    Connected,
    /// Was on the roster, is no longer.
    Left,
    /// Removed by a remove-participant operation.
    Removed,
    /// The invitation failed (declined 603, no answer 408, not allowed 403, ...).
    Failed,
    /// The invitation was cancelled before it was answered.
    Cancelled,
}

impl ParticipantStatus {
    /// In the call or about to be (ringing).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Ringing | Self::Connected)
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ringing => "ringing",
            Self::Connected => "connected",
            Self::Left => "left",
            Self::Removed => "removed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One stay in the call: "the expert joined at t1 and left at t2" (Unix ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stay {
    /// When the participant appeared on the roster.
    pub joined_at: Option<i64>,
    /// When they left (None while still in the call).
    pub left_at: Option<i64>,
}

/// A pending or past add-participant invitation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// The operation context of the add.
    pub operation_context: Option<String>,
    /// From the add response, for cancel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// When the invitation was sent (Unix ms).
    pub invited_at: Option<i64>,
    /// The `sourceDisplayName` shown in the callee's toast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    /// Ringing, then failed or cancelled (or still ringing when they joined).
    pub status: ParticipantStatus,
    /// When the invitation last changed (Unix ms; None = just now).
    pub changed_at: Option<i64>,
    /// The earliest end without an answer reported — failed (AddParticipantFailed, refused,
    /// no outcome) or cancelled (a cancel, the call's end) — and when. With the stays it
    /// decides `status`, whatever order the events came in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unanswered: Option<(ParticipantStatus, Option<i64>)>,
}

impl Invitation {
    /// A ringing invitation sent at `invited_at`.
    pub(crate) fn ringing(operation_context: Option<String>, invited_at: Option<i64>) -> Self {
        Self {
            operation_context,
            invitation_id: None,
            invited_at,
            source_display_name: None,
            status: ParticipantStatus::Ringing,
            changed_at: invited_at,
            unanswered: None,
        }
    }

    /// The stay that answered this invitation: the first that began at or after it was sent
    /// (by our clock; ACS stamps joins by its own, so a little earlier counts too) and not after
    /// it ended unanswered — a later join is not this invitation's answer.
    fn answer<'a>(&self, stays: &'a [Stay]) -> Option<&'a Stay> {
        let until = self.unanswered.and_then(|(_, t)| t);
        stays.iter().find(|s| match s.joined_at {
            Some(j) => self.invited_at.is_none_or(|i| j >= i - CLOCK_SKEW_MS) && until.is_none_or(|u| j <= u),
            None => true,
        })
    }

    /// It ended without an answer at `at` (`Failed` or `Cancelled`); the earliest such end
    /// counts. Returns true when the status changed.
    pub(crate) fn end_unanswered(&mut self, status: ParticipantStatus, at: Option<i64>, stays: &[Stay]) -> bool {
        let earliest = match self.unanswered {
            None => true,
            Some((_, known)) => at.zip(known).is_some_and(|(a, k)| a < k),
        };
        if earliest {
            self.unanswered = Some((status, at));
        }
        let before = (self.status, self.changed_at);
        self.settle(stays);
        (self.status, self.changed_at) != before
    }

    /// The status from the facts: answered by a stay within its time (when they joined), else
    /// ended unanswered (when it ended), else still ringing.
    pub(crate) fn settle(&mut self, stays: &[Stay]) {
        (self.status, self.changed_at) = match (self.answer(stays), self.unanswered) {
            (Some(stay), _) => (ParticipantStatus::Connected, stay.joined_at.or(self.changed_at)),
            (None, Some((status, at))) => (status, at),
            (None, None) => (ParticipantStatus::Ringing, self.invited_at.or(self.changed_at)),
        };
    }
}

/// A participant and everything the call has shown about them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// Who.
    pub identifier: CommunicationIdentifier,
    /// Where they stand now (derived from the facts below).
    pub status: ParticipantStatus,
    /// Muted (ACS users only).
    pub is_muted: bool,
    /// On hold.
    pub is_on_hold: bool,
    /// Every stay, oldest first (derived from the roster timeline).
    pub stays: Vec<Stay>,
    /// The latest invitation, if they were added by this app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<Invitation>,
    /// The latest failure (e.g. `{code: 403, subCode: 7604}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_result: Option<ResultInformation>,
    /// AddParticipantSucceeded time: evidence of a join when no roster shows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) joined_hint: Option<i64>,
    /// RemoveParticipantSucceeded time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) removed_at: Option<i64>,
}

impl Participant {
    pub(crate) fn new(identifier: CommunicationIdentifier) -> Self {
        Self {
            identifier,
            status: ParticipantStatus::Left,
            is_muted: false,
            is_on_hold: false,
            stays: Vec::new(),
            invitation: None,
            last_result: None,
            joined_hint: None,
            removed_at: None,
        }
    }

    /// When they first joined.
    pub fn first_joined_at(&self) -> Option<i64> {
        self.stays.iter().filter_map(|s| s.joined_at).min()
    }

    /// Status from presence and invitation, the latest fact winning (an invitation without a
    /// time is the newest fact: it was just recorded).
    pub(crate) fn derive_status(&mut self) {
        let presence = self.stays.last().map(|s| match s.left_at {
            None => (s.joined_at, ParticipantStatus::Connected),
            Some(t) if self.removed_at.is_some_and(|r| r <= t) => (Some(t), ParticipantStatus::Removed),
            Some(t) => (Some(t), ParticipantStatus::Left),
        });
        let invite = self.invitation.as_ref().map(|i| (i.changed_at, i.status));
        self.status = match (presence, invite) {
            (Some((_, p)), None) => p,
            (None, Some((_, i))) => i,
            (None, None) => ParticipantStatus::Left,
            (Some((_, ParticipantStatus::Connected)), _) => ParticipantStatus::Connected,
            (Some((pt, p)), Some((it, i))) => {
                let invite_newer = match (it, pt) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(it), Some(pt)) => it > pt,
                };
                if invite_newer && i != ParticipantStatus::Connected {
                    i
                } else {
                    p
                }
            }
        };
    }
}
