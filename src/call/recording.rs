//! The call's recording: state, owner, when it started and who asked, active spans.

use serde::{Deserialize, Serialize};

use super::CLOCK_SKEW_MS;
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
    /// The state events and reads folded so far, in time order. The spans, the start and the
    /// status are derived from them, so an event that arrives late fills in history instead
    /// of flipping the status (ACS promises no delivery order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
    /// When the stop was sent (Unix ms), if known: the first `inactive` at or after it is the stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_at: Option<i64>,
    /// Over for good: stopped, the call ended, or ACS no longer has the recording. Anything
    /// reported for a later time is ignored: a stopped recording does not come back.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub over: bool,
    /// When it was over (Unix ms), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_at: Option<i64>,
    /// States stamped (by ACS's clock) before the start was sent (by ours), naming a recording,
    /// that came before the start's answer: held until the answer says whether they are this
    /// recording's (ACS's clock behind ours) or an earlier one's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<Held>,
    /// A pause (`false`) or resume (`true`) sent whose state ACS has not reported yet: a second
    /// one would find the recording no longer in the state it needs. (Two plain members rather
    /// than a struct: a struct's deserializer is ~1 KB gzip of the Worker's bundle.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toggling: Option<bool>,
    /// When that pause or resume was sent (Unix ms), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toggled_at: Option<i64>,
}

/// A state held until the start's answer names the recording ([`Recording::held`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Held {
    /// The recording the state names.
    pub recording_id: String,
    /// The state.
    pub mark: Mark,
    /// Who owns the recording, as the state said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RecordingKind>,
}

/// One state ACS reported for the recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mark {
    /// When it was reported (the event's time, or the read's; Unix ms).
    pub at: Option<i64>,
    /// Active (else inactive).
    pub active: bool,
    /// For an active one: when recording began, as ACS says (`startDateTime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
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
            stop_at: None,
            marks: Vec::new(),
            over: false,
            over_at: None,
            held: Vec::new(),
            toggling: None,
            toggled_at: None,
        }
    }

    /// Folds a state ACS reported at `at` (an event or a read); `start` is an active state's
    /// `startDateTime`. Placed by time among the others: the latest decides the status.
    pub(crate) fn report(&mut self, active: bool, at: Option<i64>, start: Option<i64>) {
        if self.marks.is_empty() && !self.spans.is_empty() {
            self.marks = self.marks_from_spans();
        }
        let mark = Mark { at, active, start: start.filter(|_| active) };
        // Same time: after those already known (time-less ones go last, in arrival order).
        let pos = match at {
            Some(t) => self.marks.partition_point(|m| m.at.is_some_and(|a| a <= t)),
            None => self.marks.len(),
        };
        self.marks.insert(pos, mark);
        // A state from when a pause or resume was on its way, or later, answers it (whichever
        // way it says: the next command is checked against it).
        if self.toggling.is_some() && self.toggled_at.zip(at).is_none_or(|(sent, at)| at >= sent - CLOCK_SKEW_MS) {
            self.toggling = None;
            self.toggled_at = None;
        }
        self.settle();
    }

    /// A pause (`active` false) or resume was sent at `at`.
    pub(crate) fn toggle(&mut self, active: bool, at: Option<i64>) {
        self.toggling = Some(active);
        self.toggled_at = at;
    }

    /// The start's answer named the recording: its id is known, and the held states that name
    /// it are folded in (the others were an earlier recording's). True when the status changed.
    pub(crate) fn named(&mut self, recording_id: &str) -> bool {
        let before = self.status;
        self.recording_id = Some(recording_id.to_owned());
        for h in std::mem::take(&mut self.held) {
            if h.recording_id == recording_id {
                self.kind = h.kind.or(self.kind.take());
                self.report(h.mark.active, h.mark.at, h.mark.start);
            }
        }
        self.status != before
    }

    /// The call ended, or ACS no longer has it: the recording is over (a failed start stays
    /// failed). True when that changed its status.
    pub(crate) fn end(&mut self, at: Option<i64>) -> bool {
        let before = self.status;
        if !self.over {
            self.over = true;
            self.over_at = at;
        }
        self.settle();
        self.status != before
    }

    /// A stop was sent at `at`: its `inactive` will mean stopped, not paused.
    pub(crate) fn request_stop(&mut self, at: Option<i64>) {
        self.stop_requested = true;
        self.stop_at = at;
        self.settle();
    }

    /// Spans, start and status from the marks (and the stop request, and the end).
    fn settle(&mut self) {
        if !self.over && self.stop_requested {
            // The stop's own `inactive`: the first at or after the stop was sent (by our clock;
            // ACS stamps events by its own, so a little earlier counts too); without that time,
            // an `inactive` that is the last word.
            let stopped = match self.stop_at {
                Some(t) => self.marks.iter().find(|m| !m.active && m.at.is_some_and(|a| a >= t - CLOCK_SKEW_MS)),
                None => self.marks.last().filter(|m| !m.active),
            };
            if let Some(m) = stopped {
                self.over = true;
                self.over_at = m.at;
            }
        }
        if self.marks.is_empty() {
            if self.over && !matches!(self.status, RecordingStatus::Failed) {
                self.status = RecordingStatus::Stopped;
            }
            return;
        }
        let until = self.over_at.filter(|_| self.over);
        let mut spans = Vec::new();
        let mut open: Option<Option<i64>> = None;
        let mut last_active = false;
        for m in self.marks.iter().filter(|m| until.is_none_or(|u| m.at.is_none_or(|a| a <= u))) {
            match (m.active, open) {
                (true, None) => open = Some(m.start.or(m.at)),
                (false, Some(s)) => {
                    spans.push((s, m.at.or(s)));
                    open = None;
                }
                _ => {}
            }
            last_active = m.active;
        }
        if let Some(s) = open {
            spans.push((s, if self.over { until.or(s) } else { None }));
        }
        self.started_at = spans.first().and_then(|s| s.0);
        self.spans = spans;
        self.status = if self.over {
            RecordingStatus::Stopped
        } else if last_active {
            RecordingStatus::Active
        } else {
            RecordingStatus::Paused
        };
    }

    /// Marks for the spans of a recording stored before marks were kept.
    fn marks_from_spans(&self) -> Vec<Mark> {
        let mut marks = Vec::new();
        for &(start, end) in &self.spans {
            marks.push(Mark { at: start, active: true, start });
            if let Some(e) = end {
                marks.push(Mark { at: Some(e), active: false, start: None });
            }
        }
        marks
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
