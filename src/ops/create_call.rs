//! `CreateCall` — `POST /calling/callConnections` → 201 (SPEC §2.1): place an outbound call,
//! e.g. to a Teams user by Entra object id.

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::CallConnectionProperties;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::{CommunicationUserModel, CustomCallingContext, Extra, PhoneNumberModel, TeamsAppModel};
use crate::{CommunicationIdentifier, FieldError};

operation! {
    /// Places a call to one target (1:1) or several (group call).
    pub struct CreateCall = "createCall";
    Post "/calling/callConnections" => [201];
    repeatable: true;
    path {}
    body: CreateCallRequest;
    response: CallConnectionProperties;
}

/// `CreateCallRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCallRequest {
    /// Who to call.
    pub targets: Vec<CommunicationIdentifier>,
    /// Caller id for PSTN targets (required when any target is a phone number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberModel>,
    /// Name shown to the callee (PSTN; Teams desktop and web clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    /// Calling ACS identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CommunicationUserModel>,
    /// Echoed in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where ACS posts this call's events.
    pub callback_uri: String,
    /// `{cognitiveServicesEndpoint}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_intelligence_options: Option<serde_json::Value>,
    /// Media streaming (polymorphic, SPEC §2.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_streaming_options: Option<serde_json::Value>,
    /// Transcription (polymorphic, SPEC §2.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_options: Option<serde_json::Value>,
    /// Call as a Teams app / resource account (Teams Phone extensibility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams_app_source: Option<TeamsAppModel>,
    /// Custom context (the JS SDK sends it; the stored 2025-05-15 schema lacks it, SPEC §2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_calling_context: Option<CustomCallingContext>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

impl CreateCallRequest {
    /// A call to `targets` with events posted to `callback_uri`.
    pub fn new(targets: Vec<CommunicationIdentifier>, callback_uri: impl Into<String>) -> Self {
        Self {
            targets,
            source_caller_id_number: None,
            source_display_name: None,
            source: None,
            operation_context: None,
            callback_uri: callback_uri.into(),
            call_intelligence_options: None,
            media_streaming_options: None,
            transcription_options: None,
            teams_app_source: None,
            custom_calling_context: None,
            extra: Extra::new(),
        }
    }
}

static SCHEMA: Schema = Schema {
    fields: &[
        req("targets", Kind::List(&Kind::Target, 1)),
        opt("sourceCallerIdNumber", Kind::Object(&schema::PHONE_MODEL)),
        opt("sourceDisplayName", Kind::Str),
        opt("source", Kind::Object(&schema::USER_MODEL)),
        opt("operationContext", Kind::Str),
        req("callbackUri", Kind::CallbackUri),
        opt("callIntelligenceOptions", Kind::Any),
        opt("mediaStreamingOptions", Kind::Any),
        opt("transcriptionOptions", Kind::Any),
        opt("teamsAppSource", Kind::Object(&schema::TEAMS_APP_MODEL)),
        opt("customCallingContext", Kind::Object(&schema::CUSTOM_CALLING_CONTEXT)),
    ],
    check: Some(|body| {
        let dials_pstn =
            body.get("targets").and_then(|t| t.as_array()).is_some_and(|t| t.iter().any(|t| schema::is_phone(Some(t))));
        if dials_pstn && body.get("sourceCallerIdNumber").is_none_or(|v| v.is_null()) {
            return Err(FieldError::new("sourceCallerIdNumber", "is required when a target is a phone number"));
        }
        Ok(())
    }),
};

impl Body for CreateCallRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(CreateCallRequest);
