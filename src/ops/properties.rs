//! Response models several operations share.

use serde::{Deserialize, Serialize};

use super::schema::{opt, req, Kind, Schema};
use crate::model::{
    CallConnectionState, CommunicationUserModel, Extra, PhoneNumberModel, RecordingKind, RecordingState,
};
use crate::CommunicationIdentifier;

/// `CallConnectionProperties`: the answer of create, answer, connect and get call.
///
/// A 201/200 only means accepted; `callConnectionState` is usually `connecting` (create) or
/// `unknown` (answer) until `CallConnected` arrives (SPEC §9).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallConnectionProperties {
    /// The id every mid-call operation is addressed to.
    #[serde(default)]
    pub call_connection_id: String,
    /// The call's server id (for recording's `callLocator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// Who was called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<CommunicationIdentifier>>,
    /// Connection state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_connection_state: Option<CallConnectionState>,
    /// Where events go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<String>,
    /// Caller id shown to PSTN targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberModel>,
    /// Display name shown to targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    /// The calling identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CommunicationIdentifier>,
    /// Correlation (chain) id for support cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The ACS user that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<CommunicationUserModel>,
    /// The original PSTN target of an inbound call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_for: Option<PhoneNumberModel>,
    /// Media streaming subscription (`{id, state, subscribedContentTypes}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_streaming_subscription: Option<serde_json::Value>,
    /// Transcription subscription (`{id, state, subscribedResultTypes, locale}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_subscription: Option<serde_json::Value>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

/// `{ "operationContext": ... }`: the answer of transfer, remove, mute, send DTMF.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationContextResponse {
    /// Echo of the request's operation context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

/// `RecordingStateResponse`: the answer of start and get recording.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingStateResponse {
    /// Opaque id (Base64 JSON) for pause/resume/stop.
    #[serde(default)]
    pub recording_id: String,
    /// `active` or `inactive` (`inactive` right after start, SPEC §9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_state: Option<RecordingState>,
    /// Who owns the recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_kind: Option<RecordingKind>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

/// A body naming one participant plus the usual operation context and callback override
/// (`ContinuousDtmfRecognitionRequest`, `UnholdRequest`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetParticipantRequest {
    /// The participant acted on.
    pub target_participant: CommunicationIdentifier,
    /// Echoed in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Overrides the call's callback URI for this operation's events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

impl TargetParticipantRequest {
    /// Acts on `target`.
    pub fn new(target: CommunicationIdentifier) -> Self {
        Self { target_participant: target, operation_context: None, operation_callback_uri: None, extra: Extra::new() }
    }
}

static TARGET_PARTICIPANT_SCHEMA: Schema = Schema {
    fields: &[
        req("targetParticipant", Kind::Target),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
    ],
    check: None,
};

impl super::Body for TargetParticipantRequest {
    const SCHEMA: &'static super::schema::Schema = &TARGET_PARTICIPANT_SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

/// A body with only the operation context and callback override (stop transcription, start and
/// stop media streaming).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationContextRequest {
    /// Echoed in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Overrides the call's callback URI for this operation's events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

static OPERATION_CONTEXT_SCHEMA: Schema = Schema {
    fields: &[opt("operationContext", Kind::Str), opt("operationCallbackUri", Kind::CallbackUri)],
    check: None,
};

impl super::Body for OperationContextRequest {
    const SCHEMA: &'static super::schema::Schema = &OPERATION_CONTEXT_SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(
    CallConnectionProperties,
    OperationContextResponse,
    RecordingStateResponse,
    TargetParticipantRequest,
    OperationContextRequest
);
