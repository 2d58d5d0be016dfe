//! `Connect` — `POST /calling/callConnections:connect` → 200 (SPEC §2.1): take control of an
//! existing call (group, server call or room).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::CallConnectionProperties;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::{CallLocator, Extra};
use crate::FieldError;

operation! {
    /// Connects Call Automation to an existing call.
    pub struct Connect = "connect";
    Post "/calling/callConnections:connect" => [200];
    repeatable: true;
    path {}
    body: ConnectRequest;
    response: CallConnectionProperties;
}

/// `ConnectRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectRequest {
    /// Which call.
    pub call_locator: CallLocator,
    /// Where ACS posts this call's events.
    pub callback_uri: String,
    /// Echoed in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// `{cognitiveServicesEndpoint}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_intelligence_options: Option<serde_json::Value>,
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

static SCHEMA: Schema = Schema {
    fields: &[
        req("callLocator", Kind::Object(&schema::CALL_LOCATOR)),
        req("callbackUri", Kind::CallbackUri),
        opt("operationContext", Kind::Str),
        opt("callIntelligenceOptions", Kind::Any),
        opt("mediaStreamingOptions", Kind::Any),
        opt("transcriptionOptions", Kind::Any),
    ],
    check: Some(|body| {
        let l = body.get("callLocator");
        let has = |k: &str| l.and_then(|l| l.get(k)).is_some_and(|v| !v.is_null());
        if has("groupCallId") || has("serverCallId") || has("roomId") {
            Ok(())
        } else {
            Err(FieldError::new("callLocator", "needs groupCallId, serverCallId or roomId"))
        }
    }),
};

impl Body for ConnectRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(ConnectRequest);
