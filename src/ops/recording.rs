//! Recording — start `POST /calling/recordings` (200 or 202), get, stop (`DELETE`, 204), pause
//! and resume (202, no body) (SPEC §2.4). In calls with Teams users, a recording started after a
//! Teams user joined cannot be stopped during the preview (a capability rule).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::RecordingStateResponse;
use super::schema::{self, opt, Kind, Schema};
use super::{Body, NoBody, NoContent};
use crate::model::{open_enum, CallLocator, Extra};
use crate::{CommunicationIdentifier, FieldError};

operation! {
    /// Starts recording a call (`RecordingStateChanged` / `StartRecordingFailed`).
    pub struct StartRecording = "startRecording";
    Post "/calling/recordings" => [200, 202];
    repeatable: true;
    path {}
    body: StartCallRecordingRequest;
    response: RecordingStateResponse;
}

operation! {
    /// Reads a recording's state.
    pub struct GetRecordingProperties = "getRecordingProperties";
    Get "/calling/recordings/{recordingId}" => [200];
    repeatable: false;
    path { recording_id = "recordingId" }
    body: NoBody;
    response: RecordingStateResponse;
}

operation! {
    /// Stops a recording for good.
    pub struct StopRecording = "stopRecording";
    Delete "/calling/recordings/{recordingId}" => [204];
    repeatable: false;
    path { recording_id = "recordingId" }
    body: NoBody;
    response: NoContent;
}

operation! {
    /// Pauses a recording.
    pub struct PauseRecording = "pauseRecording";
    Post "/calling/recordings/{recordingId}:pause" => [202];
    repeatable: false;
    path { recording_id = "recordingId" }
    body: NoBody;
    response: NoContent;
}

operation! {
    /// Resumes a paused recording.
    pub struct ResumeRecording = "resumeRecording";
    Post "/calling/recordings/{recordingId}:resume" => [202];
    repeatable: false;
    path { recording_id = "recordingId" }
    body: NoBody;
    response: NoContent;
}

open_enum! {
    /// `recordingContentType`.
    pub enum RecordingContentType {
        /// Audio only.
        Audio = "audio",
        /// Audio and video.
        AudioVideo = "audioVideo",
    }
}

open_enum! {
    /// `recordingChannelType`.
    pub enum RecordingChannelType {
        /// One mixed channel.
        Mixed = "mixed",
        /// One channel per participant.
        Unmixed = "unmixed",
    }
}

open_enum! {
    /// `recordingFormatType`.
    pub enum RecordingFormatType {
        /// WAV.
        Wav = "wav",
        /// MP3.
        Mp3 = "mp3",
        /// MP4.
        Mp4 = "mp4",
    }
}

/// `StartCallRecordingRequest`: exactly one of `callLocator` / `callConnectionId`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartCallRecordingRequest {
    /// Which call, by locator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_locator: Option<CallLocator>,
    /// Which call, by connection id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_connection_id: Option<String>,
    /// Where recording events go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_state_callback_uri: Option<String>,
    /// Audio or audio+video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_content_type: Option<RecordingContentType>,
    /// Mixed or unmixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_channel_type: Option<RecordingChannelType>,
    /// File format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_format_type: Option<RecordingFormatType>,
    /// Channel order for unmixed audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_channel_participant_ordering: Option<Vec<CommunicationIdentifier>>,
    /// `[{channel, participant}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_affinity: Option<Vec<serde_json::Value>>,
    /// Start paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_on_start: Option<bool>,
    /// `{recordingStorageKind, recordingDestinationContainerUrl}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_storage: Option<serde_json::Value>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

impl StartCallRecordingRequest {
    /// Records the call with this connection id.
    pub fn for_call_connection(call_connection_id: impl Into<String>) -> Self {
        Self { call_connection_id: Some(call_connection_id.into()), ..Self::default() }
    }
}

static SCHEMA: Schema = Schema {
    fields: &[
        opt("callLocator", Kind::Object(&schema::CALL_LOCATOR)),
        opt("callConnectionId", Kind::Text),
        opt("recordingStateCallbackUri", Kind::CallbackUri),
        opt("recordingContentType", Kind::Enum(RecordingContentType::KNOWN, false)),
        opt("recordingChannelType", Kind::Enum(RecordingChannelType::KNOWN, false)),
        opt("recordingFormatType", Kind::Enum(RecordingFormatType::KNOWN, false)),
        opt("audioChannelParticipantOrdering", Kind::List(&Kind::Identifier, 0)),
        opt("channelAffinity", Kind::List(&Kind::Any, 0)),
        opt("pauseOnStart", Kind::Bool),
        opt("externalStorage", Kind::Any),
    ],
    check: Some(|body| {
        let present = |k: &str| body.get(k).is_some_and(|v| !v.is_null());
        match (present("callLocator"), present("callConnectionId")) {
            (true, true) => {
                Err(FieldError::new("callConnectionId", "give either callLocator or callConnectionId, not both"))
            }
            (false, false) => Err(FieldError::new("callConnectionId", "is required (or callLocator)")),
            (false, true) => Ok(()),
            (true, false) => {
                let has = |k: &str| body.get("callLocator").and_then(|l| l.get(k)).is_some_and(|v| !v.is_null());
                if has("roomId") && !has("groupCallId") && !has("serverCallId") {
                    Err(FieldError::new("callLocator.roomId", "rooms cannot be recorded by locator; use serverCallId"))
                } else if !has("groupCallId") && !has("serverCallId") {
                    Err(FieldError::new("callLocator", "needs serverCallId or groupCallId"))
                } else {
                    Ok(())
                }
            }
        }
    }),
};

impl Body for StartCallRecordingRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(StartCallRecordingRequest);
