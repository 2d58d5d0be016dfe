//! `StartTranscription` / `StopTranscription` / `UpdateTranscription` —
//! `POST .../{callConnectionId}:startTranscription` (`:stop...`, `:update...`) → 202 (SPEC §2.3).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::OperationContextRequest;
use super::schema::{self, opt, Kind, Schema};
use super::{Body, NoContent};
use crate::model::Extra;

operation! {
    /// Starts live transcription.
    pub struct StartTranscription = "startTranscription";
    Post "/calling/callConnections/{callConnectionId}:startTranscription" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: TranscriptionRequest;
    response: NoContent;
}

operation! {
    /// Stops live transcription.
    pub struct StopTranscription = "stopTranscription";
    Post "/calling/callConnections/{callConnectionId}:stopTranscription" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: OperationContextRequest;
    response: NoContent;
}

operation! {
    /// Changes the transcription language or model.
    pub struct UpdateTranscription = "updateTranscription";
    Post "/calling/callConnections/{callConnectionId}:updateTranscription" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: TranscriptionRequest;
    response: NoContent;
}

/// `StartTranscriptionRequest` / `UpdateTranscriptionRequest` (same members).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptionRequest {
    /// Language, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Custom speech model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_model_endpoint_id: Option<String>,
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

static SCHEMA: Schema = Schema {
    fields: &[
        opt("locale", Kind::Str),
        opt("speechModelEndpointId", Kind::Str),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
    ],
    check: None,
};

impl Body for TranscriptionRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(TranscriptionRequest);
