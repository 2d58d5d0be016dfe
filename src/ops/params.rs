//! Operations by name with JSON params — the dynamic surface behind the npm package's
//! `buildRequest(operation, params, ...)` and the Worker's API.
//!
//! Params mirror the REST body in camelCase plus the path parameters (`callConnectionId`,
//! `participantRawId`, `recordingId`), e.g. `{callConnectionId, participantToAdd, sourceDisplayName}`.
//! They are read straight from the JSON text (one pass, no intermediate tree).

use serde::Deserialize;
use serde_json::Value;

use super::build;
use super::*;
use crate::auth::ConnectionString;
use crate::model::from_text;
use crate::FieldError;

/// Why a by-name operation could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// No operation has this name.
    #[error("unknown operation {0:?}; known operations: {known}", known = OPERATIONS.iter().map(|m| m.name).collect::<Vec<_>>().join(", "))]
    UnknownOperation(String),
    /// A parameter is missing or wrong.
    #[error(transparent)]
    Invalid(#[from] FieldError),
}

/// Parameters that are not body members. Typed as raw values so a wrong type is reported by
/// name instead of failing the whole read.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NonBody {
    call_connection_id: Option<Value>,
    participant_raw_id: Option<Value>,
    recording_id: Option<Value>,
    next_link: Option<Value>,
}

const NON_BODY: [&str; 4] = [
    "callConnectionId",
    "participantRawId",
    "recordingId",
    "nextLink",
];

impl NonBody {
    fn take(&mut self, name: &str) -> Option<Value> {
        match name {
            "callConnectionId" => self.call_connection_id.take(),
            "participantRawId" => self.participant_raw_id.take(),
            "recordingId" => self.recording_id.take(),
            "nextLink" => self.next_link.take(),
            _ => None,
        }
    }
}

fn path_value(name: &str, v: Option<Value>) -> Result<String, FieldError> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(FieldError::new(name, "must not be empty")),
        Some(Value::Null) | None => Err(FieldError::new(name, "is required")),
        Some(_) => Err(FieldError::new(name, "must be a string")),
    }
}

fn params_object(text: &str) -> Result<NonBody, FieldError> {
    if !text.trim_start().starts_with('{') {
        return Err(FieldError::new("", "params must be a JSON object"));
    }
    crate::json_path::from_text(text)
}

/// The path parameters and paging link of operation `meta` from params text.
fn split_params(
    meta: &OperationMeta,
    body_fields: &[&str],
    text: &str,
) -> Result<(Vec<String>, Option<String>), FieldError> {
    let mut non_body = params_object(text)?;
    let mut path = Vec::with_capacity(meta.params.len());
    for p in meta.params {
        path.push(path_value(p, non_body.take(p))?);
    }
    let next_link = match non_body.next_link.take() {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if meta.name == "getParticipants" && !s.is_empty() => Some(s),
        Some(_) if meta.name == "getParticipants" => {
            return Err(FieldError::new("nextLink", "must be a non-empty string"))
        }
        Some(_) => {
            return Err(FieldError::new(
                "nextLink",
                format!("is not a parameter of {}", meta.name),
            ))
        }
    };
    for name in NON_BODY {
        if non_body.take(name).is_some()
            && !meta.params.contains(&name)
            && !body_fields.contains(&name)
        {
            return Err(FieldError::new(
                name,
                format!("is not a parameter of {}", meta.name),
            ));
        }
    }
    Ok((path, next_link))
}

/// Reads one body type from params text: unknown members refused when `strict`.
fn body_of<B: Body>(text: &str, strict: bool, operation: &'static str) -> Result<B, FieldError> {
    if !B::PRESENT {
        let extra: crate::model::Extra = crate::json_path::from_text::<crate::model::Extra>(text)?;
        if let Some(k) = extra.keys().find(|k| !NON_BODY.contains(&k.as_str())) {
            return Err(FieldError::new(
                k.as_str(),
                format!("is not a parameter of {operation} (it sends no body)"),
            ));
        }
        return crate::json_path::from_text("null");
    }
    let body: B = from_text(text, &NON_BODY)?;
    if strict {
        if let Some(k) = body.extra().and_then(|e| e.keys().next()) {
            return Err(FieldError::new(k.as_str(), format!("is not a field of the {operation} request; check the spelling, or allow unknown fields to send it anyway")));
        }
    }
    Ok(body)
}

/// Deserialises, checks and serialises one body type; one instance per body type.
type BodyFn = fn(&str, bool, &'static str) -> Result<Vec<u8>, FieldError>;

fn body_bytes<B: Body>(
    text: &str,
    strict: bool,
    operation: &'static str,
) -> Result<Vec<u8>, FieldError> {
    let body: B = body_of(text, strict, operation)?;
    if !B::PRESENT {
        return Ok(Vec::new());
    }
    body.validate()?;
    serde_json::to_vec(&body).map_err(|e| FieldError::new("", e.to_string()))
}

/// Builds operation `O` from params text. With `strict`, a member the body does not model is
/// refused (a typo such as `sourceDisplayname` would otherwise be sent and silently ignored).
pub fn from_params<O: Operation>(text: &str, strict: bool) -> Result<O, FieldError> {
    let (path, next_link) = split_params(&O::META, crate::model::struct_fields::<O::Body>(), text)?;
    let body = body_of::<O::Body>(text, strict, O::META.name)?;
    let mut op = O::from_parts(path, body);
    if let Some(link) = next_link {
        let mut extra = crate::model::Extra::new();
        extra.insert("nextLink".into(), Value::String(link));
        op.set_extra_params(extra)?;
    }
    Ok(op)
}

/// An operation parsed by name (see [`parse_by_name`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedOperation {
    /// Its metadata.
    pub meta: &'static OperationMeta,
    /// The body as it would be sent (`null` for operations without one).
    pub body: Value,
    /// Why [`Body::validate`] would refuse it, if it would.
    pub invalid: Option<FieldError>,
}

macro_rules! by_name {
    ($($name:literal => $ty:ty),+ $(,)?) => {
        /// Every operation's metadata, in SPEC §2 order (the route table of the emulator).
        pub const OPERATIONS: &[OperationMeta] = &[$(<$ty as Operation>::META),+];

        /// Builds and signs the operation called `name` from JSON params text.
        pub fn build_by_name(name: &str, params: &str, cs: &ConnectionString, opts: &RequestOptions<'_>, strict: bool) -> Result<HttpRequest, OpError> {
            let canonical = canonical_name(name, params)?;
            let (body_fn, fields): (BodyFn, &[&str]) = match canonical {
                $($name => (body_bytes::<<$ty as Operation>::Body>, crate::model::struct_fields::<<$ty as Operation>::Body>()),)+
                _ => return Err(OpError::UnknownOperation(name.to_owned())),
            };
            let meta = operation_by_name(canonical).ok_or_else(|| OpError::UnknownOperation(name.to_owned()))?;
            let (path, next_link) = split_params(meta, fields, params)?;
            let body = body_fn(params, strict, meta.name)?;
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            Ok(build::assemble(meta, &path, next_link.as_deref(), body, cs, opts)?)
        }

        /// Parses the operation called `name` from params text without signing anything: its
        /// metadata, its body as JSON (what would be sent) and whether that body would pass
        /// [`Body::validate`].
        pub fn parse_by_name(name: &str, params: &str, strict: bool) -> Result<ParsedOperation, OpError> {
            fn go<O: Operation>(params: &str, strict: bool) -> Result<ParsedOperation, OpError> {
                let op = from_params::<O>(params, strict)?;
                let body = serde_json::to_value(op.body()).map_err(|e| FieldError::new("", e.to_string()))?;
                Ok(ParsedOperation { meta: operation_by_name(O::META.name).unwrap_or(&OPERATIONS[0]), body, invalid: op.body().validate().err() })
            }
            match canonical_name(name, params)? {
                $($name => go::<$ty>(params, strict),)+
                _ => Err(OpError::UnknownOperation(name.to_owned())),
            }
        }

        /// Parses a response to the operation called `name` into its typed success body (returned
        /// re-serialised as JSON) or the service's error.
        pub fn parse_response_by_name(name: &str, status: u16, body: &[u8]) -> Result<Result<Value, ResponseError>, OpError> {
            fn go<O: Operation>(status: u16, body: &[u8]) -> Result<Value, ResponseError> {
                let typed = parse_response::<O>(status, body)?;
                serde_json::to_value(&typed).map_err(|e| ResponseError::Malformed { status, message: e.to_string() })
            }
            match canonical_name(name, "{}")? {
                $($name => Ok(go::<$ty>(status, body)),)+
                _ => Err(OpError::UnknownOperation(name.to_owned())),
            }
        }
    };
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlayTo {
    play_to: Option<Value>,
}

/// Maps aliases to the REST name: `playToAll` is `play` without `playTo` (SPEC §2.3), `mute` is
/// `muteParticipants`, `hangUp` is `hangupCall`.
fn canonical_name<'a>(name: &'a str, params: &str) -> Result<&'a str, FieldError> {
    Ok(match name {
        "playToAll" => {
            let p: PlayTo = crate::json_path::from_text(params)?;
            match p.play_to {
                None | Some(Value::Null) => {}
                Some(Value::Array(a)) if a.is_empty() => {}
                Some(_) => {
                    return Err(FieldError::new(
                        "playTo",
                        "must be absent for playToAll (use play to target participants)",
                    ))
                }
            }
            "play"
        }
        "mute" => "muteParticipants",
        "hangUp" => "hangupCall",
        other => other,
    })
}

/// The metadata of the operation called `name` (aliases included).
pub fn operation_by_name(name: &str) -> Option<&'static OperationMeta> {
    let name = match name {
        "playToAll" => "play",
        "mute" => "muteParticipants",
        "hangUp" => "hangupCall",
        other => other,
    };
    OPERATIONS.iter().find(|m| m.name == name)
}

by_name! {
    "createCall" => create_call::CreateCall,
    "answerCall" => answer_call::AnswerCall,
    "redirectCall" => redirect_call::RedirectCall,
    "rejectCall" => reject_call::RejectCall,
    "connect" => connect::Connect,
    "getCall" => get_call::GetCall,
    "hangupCall" => hangup_call::HangupCall,
    "terminateCall" => terminate_call::TerminateCall,
    "transferToParticipant" => transfer_to_participant::TransferToParticipant,
    "getParticipants" => get_participants::GetParticipants,
    "getParticipant" => get_participant::GetParticipant,
    "addParticipant" => add_participant::AddParticipant,
    "removeParticipant" => remove_participant::RemoveParticipant,
    "muteParticipants" => mute_participants::MuteParticipants,
    "unmuteParticipants" => unmute_participants::UnmuteParticipants,
    "cancelAddParticipant" => cancel_add_participant::CancelAddParticipant,
    "play" => play::Play,
    "cancelAllMediaOperations" => cancel_all_media_operations::CancelAllMediaOperations,
    "recognize" => recognize::Recognize,
    "startContinuousDtmfRecognition" => continuous_dtmf::StartContinuousDtmfRecognition,
    "stopContinuousDtmfRecognition" => continuous_dtmf::StopContinuousDtmfRecognition,
    "sendDtmfTones" => send_dtmf_tones::SendDtmfTones,
    "hold" => hold::Hold,
    "unhold" => hold::Unhold,
    "startTranscription" => transcription::StartTranscription,
    "stopTranscription" => transcription::StopTranscription,
    "updateTranscription" => transcription::UpdateTranscription,
    "startMediaStreaming" => media_streaming::StartMediaStreaming,
    "stopMediaStreaming" => media_streaming::StopMediaStreaming,
    "interruptAudioAndAnnounce" => interrupt_audio_and_announce::InterruptAudioAndAnnounce,
    "startRecording" => recording::StartRecording,
    "getRecordingProperties" => recording::GetRecordingProperties,
    "stopRecording" => recording::StopRecording,
    "pauseRecording" => recording::PauseRecording,
    "resumeRecording" => recording::ResumeRecording,
}
