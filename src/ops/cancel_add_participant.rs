//! `CancelAddParticipant` — `POST .../participants:cancelAddParticipant` → 202 (SPEC §2.2):
//! stop a ringing invitation.

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::Extra;

operation! {
    /// Cancels a pending add-participant invitation.
    pub struct CancelAddParticipant = "cancelAddParticipant";
    Post "/calling/callConnections/{callConnectionId}/participants:cancelAddParticipant" => [202];
    repeatable: true;
    path { call_connection_id = "callConnectionId" }
    body: CancelAddParticipantRequest;
    response: CancelAddParticipantResponse;
}

/// `CancelAddParticipantRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAddParticipantRequest {
    /// From the AddParticipant response.
    pub invitation_id: String,
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
        req("invitationId", Kind::Text),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
    ],
    check: None,
};

impl Body for CancelAddParticipantRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

/// `CancelAddParticipantResponse`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAddParticipantResponse {
    /// The cancelled invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// Echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::model::keeps_unknown!(CancelAddParticipantRequest, CancelAddParticipantResponse);
