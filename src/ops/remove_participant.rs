//! `RemoveParticipant` — `POST .../{callConnectionId}/participants:remove` → 202 (SPEC §2.2).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::OperationContextResponse;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::Extra;
use crate::CommunicationIdentifier;

operation! {
    /// Removes a participant (`RemoveParticipantSucceeded` / `RemoveParticipantFailed`).
    pub struct RemoveParticipant = "removeParticipant";
    Post "/calling/callConnections/{callConnectionId}/participants:remove" => [202];
    repeatable: true;
    path { call_connection_id = "callConnectionId" }
    body: RemoveParticipantRequest;
    response: OperationContextResponse;
}

/// `RemoveParticipantRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveParticipantRequest {
    /// Who to remove.
    pub participant_to_remove: CommunicationIdentifier,
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
        req("participantToRemove", Kind::Identifier),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
    ],
    check: None,
};

impl Body for RemoveParticipantRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(RemoveParticipantRequest);
