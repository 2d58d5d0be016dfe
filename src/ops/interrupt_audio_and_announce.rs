//! `InterruptAudioAndAnnounce` (preview) — `POST .../{callConnectionId}:interruptAudioAndAnnounce`
//! → 202. The 2025-05-15 folder has its example but the stored spec has no path (SPEC §2.3);
//! the example even sends `playTo: "string"`, so `playTo` is kept as raw JSON and checked on send.

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::schema::{self, opt, req, Kind, Schema};
use super::{Body, NoContent};
use crate::model::{Extra, PlaySource};

operation! {
    /// Interrupts held audio for an announcement (preview).
    pub struct InterruptAudioAndAnnounce = "interruptAudioAndAnnounce";
    Post "/calling/callConnections/{callConnectionId}:interruptAudioAndAnnounce" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: InterruptAudioAndAnnounceRequest;
    response: NoContent;
}

/// `interruptRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterruptAudioAndAnnounceRequest {
    /// What to announce.
    pub play_sources: Vec<PlaySource>,
    /// Who hears it: an array of identifiers (kept raw, see the module doc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_to: Option<serde_json::Value>,
    /// Echoed in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

static SCHEMA: Schema = Schema {
    fields: &[
        req("playSources", schema::PLAY_SOURCES),
        opt("playTo", Kind::List(&Kind::Target, 0)),
        opt("operationContext", Kind::Str),
    ],
    check: None,
};

impl Body for InterruptAudioAndAnnounceRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(InterruptAudioAndAnnounceRequest);
