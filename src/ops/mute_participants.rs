//! `Mute` — `POST .../{callConnectionId}/participants:mute` → **200** (SPEC §2.2). Only ACS
//! users can be muted; there is no event, the change shows in `ParticipantsUpdated`.

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::OperationContextResponse;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::Extra;
use crate::CommunicationIdentifier;

operation! {
    /// Mutes participants (ACS users only).
    pub struct MuteParticipants = "muteParticipants";
    Post "/calling/callConnections/{callConnectionId}/participants:mute" => [200];
    repeatable: true;
    path { call_connection_id = "callConnectionId" }
    body: MuteParticipantsRequest;
    response: OperationContextResponse;
}

/// `MuteParticipantsRequest` (also the shape of the preview `unmuteParticipantsRequest`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MuteParticipantsRequest {
    /// Who to (un)mute.
    pub target_participants: Vec<CommunicationIdentifier>,
    /// Echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

static SCHEMA: Schema = Schema {
    fields: &[req("targetParticipants", Kind::List(&Kind::Target, 1)), opt("operationContext", Kind::Str)],
    check: None,
};

impl Body for MuteParticipantsRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(MuteParticipantsRequest);
