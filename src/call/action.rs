//! `Action`: what a capability check needs to know of a command — the operation and the few
//! body members rules look at. Built from a full params object or from a partial one
//! (`{operation: 'recognize', recognizeInputType: 'dtmf'}`), so a console can ask before the
//! agent has filled everything in.

use serde_json::{Map, Value};

use crate::model::{PlaySourceKind, RecognizeInputType};
use crate::ops::operation_by_name;
use crate::{CommunicationIdentifier, FieldError};

/// A command, as the capability rules see it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Action {
    /// Canonical REST name (`addParticipant`; aliases such as `playToAll` resolved).
    pub operation: &'static str,
    /// The participants it names (`participantToAdd`, `targetParticipant`, `targets`,
    /// `targetParticipants`, `participantToRemove`, `target`, `playTo`, `participantRawId`).
    pub targets: Vec<CommunicationIdentifier>,
    /// `recognizeInputType` of a recognize.
    pub recognize_input_type: Option<RecognizeInputType>,
    /// The `kind` of each play source / prompt.
    pub play_source_kinds: Vec<PlaySourceKind>,
    /// `invitationTimeoutInSeconds` of an add.
    pub invitation_timeout_in_seconds: Option<i64>,
    /// `transferee` of a transfer.
    pub transferee: Option<CommunicationIdentifier>,
    /// `invitationId` of a cancel.
    pub invitation_id: Option<String>,
    /// `sourceDisplayName` of an add or create.
    pub source_display_name: Option<String>,
    /// `recordingId` of a pause, resume or stop.
    pub recording_id: Option<String>,
}

impl Action {
    /// An action with only its operation (unknown names are refused, naming `operation`).
    pub fn new(operation: &str) -> Result<Self, FieldError> {
        let meta = operation_by_name(operation)
            .ok_or_else(|| FieldError::new("operation", format!("unknown operation {operation:?}")))?;
        Ok(Self { operation: meta.name, ..Self::default() })
    }

    /// From `{operation, ...params}` text.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let members: Map<String, Value> = crate::json_path::from_text(text)?;
        match members.get("operation") {
            Some(Value::String(op)) => Self::from_members(op, &members),
            Some(_) => Err(FieldError::new("operation", "must be a string")),
            None => Err(FieldError::new("operation", "is required")),
        }
    }

    /// From an operation name and its (possibly partial) params text.
    pub fn from_params(operation: &str, params: &str) -> Result<Self, FieldError> {
        Self::from_members(operation, &crate::json_path::from_text(params)?)
    }

    /// From an operation name and its (possibly partial) params, already parsed.
    pub fn from_members(operation: &str, params: &Map<String, Value>) -> Result<Self, FieldError> {
        let mut a = Self::new(operation)?;
        let id = |field: &str, v: &Value| CommunicationIdentifier::from_json_value(v).map_err(|e| e.within(field));
        for field in ["participantToAdd", "targetParticipant", "participantToRemove", "target"] {
            if let Some(v) = params.get(field).filter(|v| !v.is_null()) {
                a.targets.push(id(field, v)?);
            }
        }
        for field in ["targets", "targetParticipants", "playTo"] {
            match params.get(field) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (i, v) in items.iter().enumerate() {
                        a.targets.push(id(&format!("{field}[{i}]"), v)?);
                    }
                }
                Some(_) => return Err(FieldError::new(field, "must be an array of identifiers")),
            }
        }
        if let Some(v) = params.get("participantRawId").filter(|v| !v.is_null()) {
            let raw = v
                .as_str()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| FieldError::new("participantRawId", "must be a non-empty string"))?;
            a.targets.push(CommunicationIdentifier::from_raw_id(raw));
        }
        if let Some(v) = params.get("transferee").filter(|v| !v.is_null()) {
            a.transferee = Some(id("transferee", v)?);
        }
        let text = |k: &str| -> Result<Option<String>, FieldError> {
            match params.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(FieldError::new(k, "must be a string")),
            }
        };
        a.recognize_input_type = text("recognizeInputType")?.map(|t| RecognizeInputType::parse(&t));
        a.invitation_id = text("invitationId")?;
        a.source_display_name = text("sourceDisplayName")?;
        a.recording_id = text("recordingId")?;
        if let Some(v) = params.get("invitationTimeoutInSeconds").filter(|v| !v.is_null()) {
            a.invitation_timeout_in_seconds =
                Some(v.as_i64().ok_or_else(|| FieldError::new("invitationTimeoutInSeconds", "must be an integer"))?);
        }
        for field in ["playSources", "playPrompts"] {
            if let Some(Value::Array(sources)) = params.get(field) {
                for (i, s) in sources.iter().enumerate() {
                    let kind = s
                        .get("kind")
                        .and_then(Value::as_str)
                        .ok_or_else(|| FieldError::new(format!("{field}[{i}].kind"), "is required"))?;
                    a.play_source_kinds.push(PlaySourceKind::parse(kind));
                }
            }
        }
        if let Some(kind) = params.get("playPrompt").and_then(|p| p.get("kind")).and_then(Value::as_str) {
            a.play_source_kinds.push(PlaySourceKind::parse(kind));
        }
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<Action, FieldError> {
        Action::parse(&v.to_string())
    }

    #[test]
    fn reads_partial_and_full_params() {
        let a = parse(json!({"operation": "recognize", "recognizeInputType": "dtmf"})).unwrap();
        assert_eq!((a.operation, a.recognize_input_type), ("recognize", Some(RecognizeInputType::Dtmf)));
        let a = parse(json!({"operation": "playToAll", "playSources": [{"kind": "file"}, {"kind": "text"}]})).unwrap();
        assert_eq!((a.operation, a.play_source_kinds.len()), ("play", 2));
        let a = parse(json!({"operation": "addParticipant", "participantToAdd": {"rawId": "8:orgid:x"}, "invitationTimeoutInSeconds": 200})).unwrap();
        assert_eq!((a.targets[0].kind_name(), a.invitation_timeout_in_seconds), ("microsoftTeamsUser", Some(200)));
        let a = parse(json!({"operation": "muteParticipants", "targetParticipants": [{"rawId": "4:+1555"}, {"rawId": "8:acs:r_u"}]})).unwrap();
        assert_eq!(a.targets.len(), 2);
        let a = Action::from_params("getParticipant", r#"{"participantRawId":"4:+1555"}"#).unwrap();
        assert_eq!(a.targets[0].raw_id().as_str(), "4:+1555");
    }

    #[test]
    fn names_the_bad_field() {
        let e = |v| parse(v).unwrap_err().field;
        assert_eq!(e(json!({})), "operation");
        assert_eq!(e(json!({"operation": "teleport"})), "operation");
        assert_eq!(
            e(json!({"operation": "addParticipant", "participantToAdd": {"kind": "microsoftTeamsUser"}})),
            "participantToAdd.microsoftTeamsUser"
        );
        assert_eq!(e(json!({"operation": "muteParticipants", "targetParticipants": "x"})), "targetParticipants");
        assert_eq!(
            e(json!({"operation": "addParticipant", "invitationTimeoutInSeconds": "10"})),
            "invitationTimeoutInSeconds"
        );
        assert_eq!(e(json!({"operation": "play", "playSources": [{}]})), "playSources[0].kind");
        assert_eq!(e(json!({"operation": 5})), "operation");
    }
}
