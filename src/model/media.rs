//! Media models: play sources, recognize options and results, DTMF tones (SPEC §2.3, §3.3).

use serde::{Deserialize, Serialize};

use super::open_enum;
use crate::CommunicationIdentifier;

open_enum! {
    /// A DTMF tone.
    pub enum Tone {
        /// 0
        Zero = "zero",
        /// 1
        One = "one",
        /// 2
        Two = "two",
        /// 3
        Three = "three",
        /// 4
        Four = "four",
        /// 5
        Five = "five",
        /// 6
        Six = "six",
        /// 7
        Seven = "seven",
        /// 8
        Eight = "eight",
        /// 9
        Nine = "nine",
        /// A
        A = "a",
        /// B
        B = "b",
        /// C
        C = "c",
        /// D
        D = "d",
        /// #
        Pound = "pound",
        /// *
        Asterisk = "asterisk",
    }
}

open_enum! {
    /// `kind` of a play source.
    pub enum PlaySourceKind {
        /// An audio file by URI (WAV, mono, 16-bit, 16 kHz).
        File = "file",
        /// Text to speech.
        Text = "text",
        /// SSML to speech.
        Ssml = "ssml",
    }
}

open_enum! {
    /// `recognizeInputType`.
    pub enum RecognizeInputType {
        /// DTMF digits (not available in calls with Teams users).
        Dtmf = "dtmf",
        /// Free speech.
        Speech = "speech",
        /// Speech or DTMF, whichever comes first.
        SpeechOrDtmf = "speechOrDtmf",
        /// One of a list of choices.
        Choices = "choices",
    }
}

/// `file` member of a play source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSource {
    /// Where ACS fetches the audio.
    pub uri: String,
}

/// `text` member of a play source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextSource {
    /// The text.
    pub text: String,
    /// Language, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_locale: Option<String>,
    /// `male` or `female`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_kind: Option<String>,
    /// A neural voice name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_name: Option<String>,
    /// Custom neural voice deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_voice_endpoint_id: Option<String>,
}

/// `ssml` member of a play source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsmlSource {
    /// The SSML document.
    pub ssml_text: String,
    /// Custom neural voice deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_voice_endpoint_id: Option<String>,
}

/// A `PlaySource`: what to play.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaySource {
    /// Which member below applies.
    pub kind: PlaySourceKind,
    /// Cache key for the media (reused for an hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_source_cache_id: Option<String>,
    /// For `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileSource>,
    /// For `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextSource>,
    /// For `ssml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssml: Option<SsmlSource>,
}

impl PlaySource {
    /// An audio file by URI.
    pub fn file(uri: impl Into<String>) -> Self {
        Self {
            kind: PlaySourceKind::File,
            play_source_cache_id: None,
            file: Some(FileSource { uri: uri.into() }),
            text: None,
            ssml: None,
        }
    }
}

/// `playOptions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayOptions {
    /// Repeat until cancelled.
    #[serde(rename = "loop")]
    pub loop_: bool,
}

/// `dtmfOptions` of a recognize request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtmfOptions {
    /// 1–60 s between tones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inter_tone_timeout_in_seconds: Option<i32>,
    /// How many tones to collect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tones_to_collect: Option<i32>,
    /// Tones that end collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_tones: Option<Vec<Tone>>,
}

/// One choice of a `choices` recognize.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecognitionChoice {
    /// The label reported back.
    pub label: String,
    /// Phrases that select it.
    pub phrases: Vec<String>,
    /// A tone that selects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
}

/// `recognizeOptions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecognizeOptions {
    /// Whose input to recognize.
    pub target_participant: CommunicationIdentifier,
    /// Let input interrupt the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_prompt: Option<bool>,
    /// 0–300 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_silence_timeout_in_seconds: Option<i32>,
    /// DTMF settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtmf_options: Option<DtmfOptions>,
    /// Choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<RecognitionChoice>>,
    /// Speech language (default `en-US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_language: Option<String>,
    /// Custom speech model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_recognition_model_endpoint_id: Option<String>,
    /// `{endSilenceTimeoutInMs}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_options: Option<serde_json::Value>,
}

/// `dtmfResult` (legacy `collectTonesResult`) of RecognizeCompleted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DtmfResult {
    /// The tones collected.
    #[serde(default)]
    pub tones: Vec<Tone>,
}

/// `choiceResult` of RecognizeCompleted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceResult {
    /// The matched choice's label.
    #[serde(default)]
    pub label: String,
    /// What was heard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognized_phrase: Option<String>,
    /// 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// `speechResult` of RecognizeCompleted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpeechResult {
    /// The recognized text.
    #[serde(default)]
    pub speech: String,
    /// 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tones_round_trip() {
        let t: Vec<Tone> = serde_json::from_str(r#"["nine","pound","Asterisk"]"#).unwrap();
        assert_eq!(t, vec![Tone::Nine, Tone::Pound, Tone::Asterisk]);
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"["nine","pound","asterisk"]"#);
    }
}
