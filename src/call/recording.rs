//! The call's recording: state, owner, when it started and who asked, active spans.

use serde::{Deserialize, Serialize};

use crate::model::RecordingKind;

/// Where the recording stands (ACS only says active/inactive; the commands sent tell paused
/// from stopped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RecordingStatus {
    /// Start sent, no state event yet.
    Starting,
    /// Recording.
    Active,
    /// Inactive after having been active (or started paused).
    Paused,
    /// Stopped for good (stop sent, or the call ended).
    Stopped,
    /// StartRecordingFailed, or the start was refused.
    Failed,
}

/// One recording of the call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    /// Opaque id for pause / resume / stop.
    pub recording_id: Option<String>,
    /// Who owns it (ACS, Teams, compliance policy).
    pub kind: Option<RecordingKind>,
    /// Where it stands.
    pub status: RecordingStatus,
    /// When it first became active (Unix ms).
    pub started_at: Option<i64>,
    /// When the start was sent (Unix ms).
    pub requested_at: Option<i64>,
    /// Who asked for it (an agent id), when this app started it.
    pub started_by: Option<String>,
    /// Active periods `[start, end]` (end open while active).
    pub spans: Vec<(Option<i64>, Option<i64>)>,
    /// A stop was sent: the next `inactive` means stopped, not paused.
    pub stop_requested: bool,
}

impl Recording {
    pub(crate) fn new(recording_id: Option<String>) -> Self {
        Self {
            recording_id,
            kind: None,
            status: RecordingStatus::Starting,
            started_at: None,
            requested_at: None,
            started_by: None,
            spans: Vec::new(),
            stop_requested: false,
        }
    }

    pub(crate) fn activate(&mut self, at: Option<i64>) {
        if matches!(self.status, RecordingStatus::Active | RecordingStatus::Stopped) {
            return;
        }
        self.status = RecordingStatus::Active;
        if self.started_at.is_none() {
            self.started_at = at;
        }
        self.spans.push((at, None));
    }

    pub(crate) fn deactivate(&mut self, at: Option<i64>) {
        if self.status == RecordingStatus::Stopped {
            return;
        }
        self.close(at);
        self.status = if self.stop_requested { RecordingStatus::Stopped } else { RecordingStatus::Paused };
    }

    /// The call ended: the recording is over. False if it already was.
    pub(crate) fn end(&mut self, at: Option<i64>) -> bool {
        if matches!(self.status, RecordingStatus::Stopped | RecordingStatus::Failed) {
            return false;
        }
        self.close(at);
        self.status = RecordingStatus::Stopped;
        true
    }

    fn close(&mut self, at: Option<i64>) {
        if let Some(span) = self.spans.last_mut().filter(|s| s.1.is_none()) {
            span.1 = at.or(span.0);
        }
    }

    /// The preview limit's condition: the recording started at or after a Teams user joined.
    pub fn started_after(&self, teams_first_joined_at: Option<i64>) -> bool {
        match (teams_first_joined_at, self.started_at.or(self.requested_at)) {
            (Some(joined), Some(started)) => started >= joined,
            // A Teams user joined but we do not know when recording started: it cannot have
            // started before an event we have not seen, so assume the limit applies.
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}
