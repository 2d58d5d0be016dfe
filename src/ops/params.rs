//! Operations by name with JSON params — the dynamic surface behind the npm package's
//! `buildRequest(operation, params, ...)` and the Worker's API.
//!
//! Params mirror the REST body in camelCase plus the path parameters (`callConnectionId`,
//! `participantRawId`, `recordingId`), e.g. `{callConnectionId, participantToAdd, sourceDisplayName}`.
//! They are read straight from the JSON text (one pass, no intermediate tree).

use serde_json::{Map, Value};

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

/// Parameters that are not body members (unless a body names one, as startRecording does
/// with `callConnectionId`).
const NON_BODY: [&str; 4] = ["callConnectionId", "participantRawId", "recordingId", "nextLink"];

fn path_value(name: &str, v: Option<&Value>) -> Result<String, FieldError> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(FieldError::new(name, "must not be empty")),
        Some(Value::Null) | None => Err(FieldError::new(name, "is required")),
        Some(_) => Err(FieldError::new(name, "must be a string")),
    }
}

/// Params text as an object.
fn members(text: &str) -> Result<Map<String, Value>, FieldError> {
    if !text.trim_start().starts_with('{') {
        return Err(FieldError::new("", "params must be a JSON object"));
    }
    crate::json_path::from_text(text)
}

/// The path parameters and paging link of operation `meta` from its params.
fn split_params(
    meta: &OperationMeta,
    body_fields: &[&str],
    params: &Map<String, Value>,
) -> Result<(Vec<String>, Option<String>), FieldError> {
    let mut path = Vec::with_capacity(meta.params.len());
    for p in meta.params {
        path.push(path_value(p, params.get(*p))?);
    }
    let next_link = match params.get("nextLink") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if meta.name == "getParticipants" && !s.is_empty() => Some(s.clone()),
        Some(_) if meta.name == "getParticipants" => {
            return Err(FieldError::new("nextLink", "must be a non-empty string"))
        }
        Some(_) => return Err(FieldError::new("nextLink", format!("is not a parameter of {}", meta.name))),
    };
    for name in NON_BODY {
        let given = params.get(name).is_some_and(|v| !v.is_null());
        if given && name != "nextLink" && !meta.params.contains(&name) && !body_fields.contains(&name) {
            return Err(FieldError::new(name, format!("is not a parameter of {}", meta.name)));
        }
    }
    Ok((path, next_link))
}

/// Reads one body type from params text: unknown members refused when `strict`.
fn body_of<B: Body>(text: &str, strict: bool, operation: &'static str) -> Result<B, FieldError> {
    if !B::PRESENT {
        let extra: crate::model::Extra = crate::json_path::from_text::<crate::model::Extra>(text)?;
        if let Some(k) = extra.keys().find(|k| !NON_BODY.contains(&k.as_str())) {
            return Err(FieldError::new(k.as_str(), format!("is not a parameter of {operation} (it sends no body)")));
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

/// Builds operation `O` from params text. With `strict`, a member the body does not model is
/// refused (a typo such as `sourceDisplayname` would otherwise be sent and silently ignored).
pub fn from_params<O: Operation>(text: &str, strict: bool) -> Result<O, FieldError> {
    let (path, next_link) = split_params(&O::META, crate::model::struct_fields::<O::Body>(), &members(text)?)?;
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

        /// The body schema of the operation called `name` (canonical or alias).
        pub fn schema_by_name(name: &str) -> Option<&'static schema::Schema> {
            Some(match operation_by_name(name)?.name {
                $($name => <<$ty as Operation>::Body as Body>::SCHEMA,)+
                _ => return None,
            })
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
            match canonical_name(name, &members(params)?)? {
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
            match canonical_name(name, &Map::new())? {
                $($name => Ok(go::<$ty>(status, body)),)+
                _ => Err(OpError::UnknownOperation(name.to_owned())),
            }
        }
    };
}

/// Builds and signs the operation called `name` from JSON params text, checked and normalised
/// by the body's schema (no typed body in between: this is the npm package's path).
pub fn build_by_name(
    name: &str,
    params: &str,
    cs: &ConnectionString,
    opts: &RequestOptions<'_>,
    strict: bool,
) -> Result<HttpRequest, OpError> {
    build_by_members(name, &members(params)?, cs, opts, strict)
}

/// [`build_by_name`] from params already parsed into an object.
pub fn build_by_members(
    name: &str,
    members: &Map<String, Value>,
    cs: &ConnectionString,
    opts: &RequestOptions<'_>,
    strict: bool,
) -> Result<HttpRequest, OpError> {
    let canonical = canonical_name(name, members)?;
    let meta = operation_by_name(canonical).ok_or_else(|| OpError::UnknownOperation(name.to_owned()))?;
    let schema = schema_by_name(canonical).ok_or_else(|| OpError::UnknownOperation(name.to_owned()))?;
    let body_fields: Vec<&str> = schema.fields.iter().map(|f| f.name).collect();
    let (path, next_link) = split_params(meta, &body_fields, members)?;
    let body = if meta.has_body {
        let skip: Vec<&str> = NON_BODY.iter().copied().filter(|n| !body_fields.contains(n)).collect();
        schema::write_body(schema, members, strict, &skip)?.into_bytes()
    } else {
        if let Some(k) = members.keys().find(|k| !NON_BODY.contains(&k.as_str())) {
            return Err(
                FieldError::new(k.as_str(), format!("is not a parameter of {} (it sends no body)", meta.name)).into()
            );
        }
        Vec::new()
    };
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    Ok(build::assemble(meta, &path, next_link.as_deref(), body, cs, opts)?)
}

/// Maps aliases to the REST name: `playToAll` is `play` without `playTo` (SPEC §2.3), `mute` is
/// `muteParticipants`, `hangUp` is `hangupCall`.
fn canonical_name<'a>(name: &'a str, params: &Map<String, Value>) -> Result<&'a str, FieldError> {
    if name == "playToAll" {
        match params.get("playTo") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(_) => {
                return Err(FieldError::new("playTo", "must be absent for playToAll (use play to target participants)"))
            }
        }
    }
    Ok(operation_by_name(name).map_or(name, |m| m.name))
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
