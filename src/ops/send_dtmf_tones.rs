//! `SendDtmfTones` — `POST .../{callConnectionId}:sendDtmfTones` → 202 (SPEC §2.3).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::OperationContextResponse;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::{Extra, Tone};
use crate::CommunicationIdentifier;

operation! {
    /// Sends DTMF tones to a participant (`SendDtmfTonesCompleted` / `...Failed`).
    pub struct SendDtmfTones = "sendDtmfTones";
    Post "/calling/callConnections/{callConnectionId}:sendDtmfTones" => [202];
    repeatable: true;
    path { call_connection_id = "callConnectionId" }
    body: SendDtmfTonesRequest;
    response: OperationContextResponse;
}

/// `SendDtmfTonesRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendDtmfTonesRequest {
    /// The tones, in order.
    pub tones: Vec<Tone>,
    /// Who receives them.
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

static SCHEMA: Schema = Schema {
    fields: &[
        req("tones", Kind::List(&schema::TONE, 1)),
        req("targetParticipant", Kind::Target),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
    ],
    check: None,
};

impl Body for SendDtmfTonesRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(SendDtmfTonesRequest);
