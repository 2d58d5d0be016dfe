//! `RemoveParticipant` — `POST .../{callConnectionId}/participants:remove` → 202 (SPEC §2.2).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::OperationContextResponse;
use super::{validate, Body};
use crate::model::Extra;
use crate::{CommunicationIdentifier, FieldError};

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

impl Body for RemoveParticipantRequest {
    fn validate(&self) -> Result<(), FieldError> {
        // Removing does not need a callable identifier (any listed participant can be removed),
        // but an empty one can never match.
        if self.participant_to_remove.raw_id().as_str().is_empty() {
            return Err(FieldError::new("participantToRemove", "is empty"));
        }
        validate::opt_callback_uri("operationCallbackUri", &self.operation_callback_uri)
    }

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(RemoveParticipantRequest);
