//! `Recognize` — `POST .../{callConnectionId}:recognize` → 202 (SPEC §2.3): collect DTMF,
//! speech or a choice. DTMF is not available in calls with Teams users (a capability rule).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::schema::{self, opt, req, Kind, Schema};
use super::{Body, NoContent};
use crate::model::{Extra, PlaySource, RecognizeInputType, RecognizeOptions};
use crate::FieldError;

operation! {
    /// Starts recognizing input from one participant.
    pub struct Recognize = "recognize";
    Post "/calling/callConnections/{callConnectionId}:recognize" => [202];
    repeatable: false;
    path { call_connection_id = "callConnectionId" }
    body: RecognizeRequest;
    response: NoContent;
}

/// `RecognizeRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecognizeRequest {
    /// `dtmf`, `speech`, `speechOrDtmf` or `choices`.
    pub recognize_input_type: RecognizeInputType,
    /// A prompt to play first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_prompt: Option<PlaySource>,
    /// Several prompts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_prompts: Option<Vec<PlaySource>>,
    /// Barge in front of queued media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_call_media_operation: Option<bool>,
    /// Target and input settings.
    pub recognize_options: RecognizeOptions,
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
        req("recognizeInputType", schema::RECOGNIZE_INPUT_TYPE),
        opt("playPrompt", Kind::Object(&schema::PLAY_SOURCE)),
        opt("playPrompts", schema::PLAY_SOURCES),
        opt("interruptCallMediaOperation", Kind::Bool),
        req("recognizeOptions", Kind::Object(&schema::RECOGNIZE_OPTIONS)),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
    ],
    check: Some(|body| {
        let choices =
            body.get("recognizeInputType").and_then(|t| t.as_str()).is_some_and(|t| t.eq_ignore_ascii_case("choices"));
        let listed = body
            .get("recognizeOptions")
            .and_then(|o| o.get("choices"))
            .and_then(|c| c.as_array())
            .is_some_and(|c| !c.is_empty());
        if choices && !listed {
            return Err(FieldError::new(
                "recognizeOptions.choices",
                "is required when recognizeInputType is \"choices\"",
            ));
        }
        Ok(())
    }),
};

impl Body for RecognizeRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(RecognizeRequest);
