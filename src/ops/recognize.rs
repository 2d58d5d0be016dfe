//! `Recognize` — `POST .../{callConnectionId}:recognize` → 202 (SPEC §2.3): collect DTMF,
//! speech or a choice. DTMF is not available in calls with Teams users (a capability rule).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::play::validate_sources;
use super::{validate, Body, NoContent};
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

impl Body for RecognizeRequest {
    fn validate(&self) -> Result<(), FieldError> {
        if let RecognizeInputType::Other(t) = &self.recognize_input_type {
            return Err(FieldError::new(
                "recognizeInputType",
                format!("{t:?} is not one of dtmf, speech, speechOrDtmf, choices"),
            ));
        }
        validate::target(
            "recognizeOptions.targetParticipant",
            &self.recognize_options.target_participant,
        )?;
        let o = &self.recognize_options;
        validate::in_range(
            "recognizeOptions.initialSilenceTimeoutInSeconds",
            o.initial_silence_timeout_in_seconds,
            0..=300,
        )?;
        if let Some(d) = &o.dtmf_options {
            validate::in_range(
                "recognizeOptions.dtmfOptions.interToneTimeoutInSeconds",
                d.inter_tone_timeout_in_seconds,
                1..=60,
            )?;
        }
        if self.recognize_input_type == RecognizeInputType::Choices
            && o.choices.as_ref().is_none_or(Vec::is_empty)
        {
            return Err(FieldError::new(
                "recognizeOptions.choices",
                "is required when recognizeInputType is \"choices\"",
            ));
        }
        if let Some(p) = &self.play_prompt {
            p.validate().map_err(|e| e.within("playPrompt"))?;
        }
        if let Some(ps) = &self.play_prompts {
            validate_sources("playPrompts", ps)?;
        }
        validate::opt_callback_uri("operationCallbackUri", &self.operation_callback_uri)
    }

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(RecognizeRequest);
