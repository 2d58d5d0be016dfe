//! Operations by name with JSON params — the dynamic surface behind the npm package's
//! `buildRequest(operation, params, ...)` and the Worker's API.
//!
//! Params mirror the REST body in camelCase plus the path parameters (`callConnectionId`,
//! `participantRawId`, `recordingId`), e.g. `{callConnectionId, participantToAdd, sourceDisplayName}`.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::*;
use crate::auth::ConnectionString;
use crate::model::Extra;
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

/// Turns a serde error into a field error: the path where it happened plus any field path the
/// inner message already carries (identifier errors say `microsoftTeamsUser.userId: ...`).
pub(crate) fn field_error(path: String, message: String) -> FieldError {
    let path = if path == "." { String::new() } else { path };
    if let Some(rest) = message.strip_prefix("missing field `") {
        if let Some(end) = rest.find('`') {
            return FieldError::new(&rest[..end], "is required").within(&path);
        }
    }
    if let Some((inner, msg)) = message.split_once(": ") {
        if !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._[]".contains(&b))
        {
            return FieldError::new(inner, msg).within(&path);
        }
    }
    FieldError::new(path, message)
}

/// Deserialises `T` from a JSON value, reporting the failing field's path.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        field_error(path, e.into_inner().to_string())
    })
}

/// [`from_value`], with the error's field under `field`.
pub(crate) fn from_value_at<T: DeserializeOwned>(
    field: &str,
    value: Value,
) -> Result<T, FieldError> {
    from_value(value).map_err(|e| e.within(field))
}

fn take_string(params: &mut Extra, name: &str) -> Result<String, FieldError> {
    match params.remove(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(FieldError::new(name, "must not be empty")),
        Some(_) => Err(FieldError::new(name, "must be a string")),
        None => Err(FieldError::new(name, "is required")),
    }
}

/// Builds operation `O` from a params object. With `strict`, a member the body does not model is
/// refused (a typo such as `sourceDisplayname` would otherwise be sent and silently ignored).
pub fn from_params<O: Operation>(mut params: Extra, strict: bool) -> Result<O, FieldError> {
    let mut path = Vec::with_capacity(O::META.params.len());
    for name in O::META.params {
        path.push(take_string(&mut params, name)?);
    }
    let mut extra = Extra::new();
    for name in O::EXTRA_PARAMS {
        if let Some(v) = params.remove(*name) {
            extra.insert((*name).to_owned(), v);
        }
    }
    let body: O::Body = if <O::Body as Body>::PRESENT {
        from_value(Value::Object(params))?
    } else {
        if let Some(k) = params.keys().next() {
            return Err(FieldError::new(
                k.as_str(),
                format!("is not a parameter of {} (it sends no body)", O::META.name),
            ));
        }
        from_value(Value::Null)?
    };
    if strict {
        if let Some(k) = body.extra().and_then(|e| e.keys().next()) {
            return Err(FieldError::new(
                k.as_str(),
                format!("is not a field of the {} request; check the spelling, or allow unknown fields to send it anyway", O::META.name),
            ));
        }
    }
    let mut op = O::from_parts(path, body);
    op.set_extra_params(extra)?;
    Ok(op)
}

macro_rules! by_name {
    ($($name:literal => $ty:ty),+ $(,)?) => {
        /// Every operation's metadata, in SPEC §2 order (the route table of the emulator).
        pub const OPERATIONS: &[OperationMeta] = &[$(<$ty as Operation>::META),+];

        /// Builds and signs the operation called `name` from JSON params.
        pub fn build_by_name(name: &str, params: Extra, cs: &ConnectionString, opts: &RequestOptions<'_>, strict: bool) -> Result<HttpRequest, OpError> {
            fn go<O: Operation>(params: Extra, cs: &ConnectionString, opts: &RequestOptions<'_>, strict: bool) -> Result<HttpRequest, OpError> {
                Ok(build_request(&from_params::<O>(params, strict)?, cs, opts)?)
            }
            match canonical_name(name, &params)? {
                $($name => go::<$ty>(params, cs, opts, strict),)+
                _ => Err(OpError::UnknownOperation(name.to_owned())),
            }
        }

        /// Parses the operation called `name` from JSON params without signing anything: its
        /// canonical name, its body as JSON (what would be sent) and whether that body would pass
        /// [`Body::validate`].
        pub fn parse_by_name(name: &str, params: Extra, strict: bool) -> Result<ParsedOperation, OpError> {
            fn go<O: Operation>(params: Extra, strict: bool) -> Result<ParsedOperation, OpError> {
                let op = from_params::<O>(params, strict)?;
                let body = serde_json::to_value(op.body()).map_err(|e| FieldError::new("", e.to_string()))?;
                Ok(ParsedOperation { meta: &O::META, body, invalid: op.body().validate().err() })
            }
            match canonical_name(name, &params)? {
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
            match canonical_name(name, &Extra::new())? {
                $($name => Ok(go::<$ty>(status, body)),)+
                _ => Err(OpError::UnknownOperation(name.to_owned())),
            }
        }
    };
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

/// Maps aliases to the REST name: `playToAll` is `play` without `playTo` (SPEC §2.3), `mute` is
/// `muteParticipants`, `hangUp` is `hangupCall`.
fn canonical_name<'a>(name: &'a str, params: &Extra) -> Result<&'a str, FieldError> {
    Ok(match name {
        "playToAll" => {
            match params.get("playTo") {
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
    let name = canonical_name(name, &Extra::new()).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_field_paths() {
        assert_eq!(
            field_error(
                "participantToAdd".into(),
                "microsoftTeamsUser.userId: must not be empty".into()
            ),
            FieldError::new(
                "participantToAdd.microsoftTeamsUser.userId",
                "must not be empty"
            )
        );
        assert_eq!(
            field_error(".".into(), "missing field `participantToAdd`".into()),
            FieldError::new("participantToAdd", "is required")
        );
        assert_eq!(
            field_error("playSources[0]".into(), "missing field `kind`".into()).field,
            "playSources[0].kind"
        );
        let e = field_error(
            "invitationTimeoutInSeconds".into(),
            "invalid type: string \"x\", expected i32".into(),
        );
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            (
                "invitationTimeoutInSeconds",
                "invalid type: string \"x\", expected i32"
            )
        );
    }
}
