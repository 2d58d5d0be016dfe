//! `AnswerCall` — `POST /calling/callConnections:answer` → 200 (SPEC §2.1).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::CallConnectionProperties;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::{CommunicationUserModel, Extra};

operation! {
    /// Answers an incoming call (from an IncomingCall event) and takes control of it.
    pub struct AnswerCall = "answerCall";
    Post "/calling/callConnections:answer" => [200];
    repeatable: true;
    path {}
    body: AnswerCallRequest;
    response: CallConnectionProperties;
}

/// `AnswerCallRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerCallRequest {
    /// The opaque, single-use context from IncomingCall (never parse it, SPEC §7.8).
    pub incoming_call_context: String,
    /// Where ACS posts this call's events.
    pub callback_uri: String,
    /// Echoed in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// `{cognitiveServicesEndpoint}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_intelligence_options: Option<serde_json::Value>,
    /// The ACS user answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<CommunicationUserModel>,
    /// Media streaming (polymorphic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_streaming_options: Option<serde_json::Value>,
    /// Transcription (polymorphic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_options: Option<serde_json::Value>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

impl AnswerCallRequest {
    /// Answers the call named by `incoming_call_context`.
    pub fn new(incoming_call_context: impl Into<String>, callback_uri: impl Into<String>) -> Self {
        Self {
            incoming_call_context: incoming_call_context.into(),
            callback_uri: callback_uri.into(),
            operation_context: None,
            call_intelligence_options: None,
            answered_by: None,
            media_streaming_options: None,
            transcription_options: None,
            extra: Extra::new(),
        }
    }
}

static SCHEMA: Schema = Schema {
    fields: &[
        req("incomingCallContext", Kind::Text),
        req("callbackUri", Kind::CallbackUri),
        opt("operationContext", Kind::Str),
        opt("callIntelligenceOptions", Kind::Any),
        opt("answeredBy", Kind::Object(&schema::USER_MODEL)),
        opt("mediaStreamingOptions", Kind::Any),
        opt("transcriptionOptions", Kind::Any),
    ],
    check: None,
};

impl Body for AnswerCallRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(AnswerCallRequest);
