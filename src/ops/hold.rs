//! `Hold` / `Unhold` — `POST .../{callConnectionId}:hold` (`:unhold`) → **200** (SPEC §2.3).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::TargetParticipantRequest;
use super::schema::{self, opt, req, Kind, Schema};
use super::{Body, NoContent};
use crate::model::{Extra, PlaySource};
use crate::CommunicationIdentifier;

operation! {
    /// Puts a participant on hold, optionally with music.
    pub struct Hold = "hold";
    Post "/calling/callConnections/{callConnectionId}:hold" => [200];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: HoldRequest;
    response: NoContent;
}

operation! {
    /// Takes a participant off hold.
    pub struct Unhold = "unhold";
    Post "/calling/callConnections/{callConnectionId}:unhold" => [200];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: TargetParticipantRequest;
    response: NoContent;
}

/// `HoldRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldRequest {
    /// Who to hold.
    pub target_participant: CommunicationIdentifier,
    /// Music on hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_source_info: Option<PlaySource>,
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
        req("targetParticipant", Kind::Target),
        opt("playSourceInfo", Kind::Object(&schema::PLAY_SOURCE)),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
    ],
    check: None,
};

impl Body for HoldRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(HoldRequest);
