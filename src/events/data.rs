//! The `data` of events: one struct for every mid-call callback type, and one each for the two
//! Event Grid types.

use serde::{Deserialize, Serialize};

use crate::model::{
    CallParticipant, ChoiceResult, DtmfResult, RecordingKind, RecordingState, ResultInformation, SpeechResult, Tone,
};
use crate::CommunicationIdentifier;

/// The common members of every mid-call event, borrowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Common<'a> {
    /// The call connection the event is about.
    pub call_connection_id: &'a str,
    /// The call's server id.
    pub server_call_id: Option<&'a str>,
    /// Correlation (chain) id.
    pub correlation_id: Option<&'a str>,
    /// Echo of the request's `operationContext` (absent on unsolicited events).
    pub operation_context: Option<&'a str>,
    /// Outcome (code, subCode, message).
    pub result_information: Option<&'a ResultInformation>,
}

/// The `data` of every mid-call callback event: the common members (SPEC §3.2) and each
/// type's own (SPEC §3.3). One struct serves all 44 types — ACS shares members between types
/// (`participant` in four of them, `recordingId` in four), and every derived struct costs wasm
/// bytes — so a member a type never carries simply stays empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallEvent {
    /// The call connection the event is about.
    #[serde(default)]
    pub call_connection_id: String,
    /// The call's server id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// Correlation (chain) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Echo of the request's `operationContext` (absent on unsolicited events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Outcome (legacy payloads call it `resultInfo`).
    #[serde(default, alias = "resultInfo", skip_serializing_if = "Option::is_none")]
    pub result_information: Option<ResultInformation>,
    /// Add / remove participant outcomes: who (a flat identifier, SPEC §9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<CommunicationIdentifier>,
    /// ParticipantsUpdated: everyone in the call now (an empty roster is `Some(vec![])`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<CallParticipant>>,
    /// ParticipantsUpdated: increases with each roster change (with gaps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<i64>,
    /// Cancel-add outcomes: the cancelled invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// CallTransferAccepted: where the call went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_target: Option<CommunicationIdentifier>,
    /// CallTransferAccepted: who was transferred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferee: Option<CommunicationIdentifier>,
    /// Recording events: which recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_id: Option<String>,
    /// RecordingStateChanged: `active` or `inactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<RecordingState>,
    /// RecordingStateChanged: when recording (re)started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<String>,
    /// RecordingStateChanged: who owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_kind: Option<RecordingKind>,
    /// PlayFailed / RecognizeFailed: which play source failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_play_source_index: Option<i32>,
    /// RecognizeCompleted: `dtmf`, `speech` or `choices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognition_type: Option<String>,
    /// RecognizeCompleted: tones (legacy payloads: `collectTonesResult`).
    #[serde(default, alias = "collectTonesResult", skip_serializing_if = "Option::is_none")]
    pub dtmf_result: Option<DtmfResult>,
    /// RecognizeCompleted: the matched choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_result: Option<ChoiceResult>,
    /// RecognizeCompleted: the recognized speech.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_result: Option<SpeechResult>,
    /// ContinuousDtmfRecognitionToneReceived: order of the tone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<i64>,
    /// ContinuousDtmfRecognitionToneReceived: the tone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
    /// Media streaming events: `{contentType, mediaStreamingStatus, mediaStreamingStatusDetails}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_streaming_update: Option<serde_json::Value>,
    /// Transcription events: `{transcriptionStatus, transcriptionStatusDetails}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_update: Option<serde_json::Value>,
}

impl CallEvent {
    /// The common members.
    pub fn common(&self) -> Common<'_> {
        Common {
            call_connection_id: &self.call_connection_id,
            server_call_id: self.server_call_id.as_deref(),
            correlation_id: self.correlation_id.as_deref(),
            operation_context: self.operation_context.as_deref(),
            result_information: self.result_information.as_ref(),
        }
    }
}

/// `Microsoft.Communication.IncomingCall` (Event Grid, SPEC §3.4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingCallData {
    /// Who is called (an ACS user or phone number of the resource).
    pub to: CommunicationIdentifier,
    /// The caller.
    pub from: CommunicationIdentifier,
    /// The call's server id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// Often empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_display_name: Option<String>,
    /// Opaque, single use: pass to answer / redirect / reject, never parse.
    #[serde(default)]
    pub incoming_call_context: String,
    /// `{sipHeaders, voipHeaders, teamsPhoneCallDetails?}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_context: Option<serde_json::Value>,
    /// Correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Who the call was placed on behalf of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of_callee: Option<CommunicationIdentifier>,
}

/// `Microsoft.EventGrid.SubscriptionValidationEvent` (SPEC §3.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionValidationData {
    /// Echo it as `{"validationResponse": code}` to complete the handshake.
    pub validation_code: String,
    /// Or GET this URL later (asynchronous validation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_url: Option<String>,
}
