//! `Play` — `POST .../{callConnectionId}:play` → 202 (SPEC §2.3). "Play to all" is Play without
//! `playTo`. Events: `PlayStarted`, then `PlayCompleted` / `PlayFailed` / `PlayCanceled`.

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::schema::{self, opt, req, Kind, Schema};
use super::{Body, NoContent};
use crate::model::{Extra, PlayOptions, PlaySource};
use crate::CommunicationIdentifier;

operation! {
    /// Plays audio to everyone, or to `playTo`.
    pub struct Play = "play";
    Post "/calling/callConnections/{callConnectionId}:play" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: PlayRequest;
    response: NoContent;
}

/// `PlayRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayRequest {
    /// What to play, in order.
    pub play_sources: Vec<PlaySource>,
    /// Who hears it (everyone when absent or empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_to: Option<Vec<CommunicationIdentifier>>,
    /// Barge in front of queued media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_call_media_operation: Option<bool>,
    /// `{loop}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_options: Option<PlayOptions>,
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

impl PlayRequest {
    /// Plays one audio file to everyone.
    pub fn file_to_all(uri: impl Into<String>) -> Self {
        Self {
            play_sources: vec![PlaySource::file(uri)],
            play_to: None,
            interrupt_call_media_operation: None,
            play_options: None,
            operation_context: None,
            operation_callback_uri: None,
            extra: Extra::new(),
        }
    }
}

static SCHEMA: Schema = Schema {
    fields: &[
        req("playSources", schema::PLAY_SOURCES),
        opt("playTo", Kind::List(&Kind::Target, 0)),
        opt("interruptCallMediaOperation", Kind::Bool),
        opt("playOptions", Kind::Object(&PLAY_OPTIONS)),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
    ],
    check: None,
};

static PLAY_OPTIONS: Schema = Schema { fields: &[req("loop", Kind::Bool)], check: None };

impl Body for PlayRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(PlayRequest);
