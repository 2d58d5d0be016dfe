//! `Action`: what a capability check needs to know of a command — the operation and the few
//! body members rules look at. Built from a full params object or from a partial one
//! (`{operation: 'recognize', recognizeInputType: 'dtmf'}`), so a console can ask before the
//! agent has filled everything in.

use serde_json::Value;

use crate::model::{Extra, PlaySourceKind, RecognizeInputType};
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
}

const SINGLE_TARGETS: [&str; 4] = [
    "participantToAdd",
    "targetParticipant",
    "participantToRemove",
    "target",
];
const LIST_TARGETS: [&str; 3] = ["targets", "targetParticipants", "playTo"];

fn identifier(field: &str, v: &Value) -> Result<CommunicationIdentifier, FieldError> {
    match v {
        // A raw id string is accepted where an identifier is expected (handy in consoles).
        Value::String(s) if !s.is_empty() => Ok(CommunicationIdentifier::from_raw_id(s)),
        _ => crate::ops::from_value_at(field, v.clone()),
    }
}

impl Action {
    /// An action with only its operation (unknown names are refused, naming `operation`).
    pub fn new(operation: &str) -> Result<Self, FieldError> {
        let meta = operation_by_name(operation).ok_or_else(|| {
            FieldError::new("operation", format!("unknown operation {operation:?}"))
        })?;
        Ok(Self {
            operation: meta.name,
            ..Self::default()
        })
    }

    /// From `{operation, ...params}`.
    pub fn from_json(value: &Extra) -> Result<Self, FieldError> {
        match value.get("operation") {
            Some(Value::String(op)) => Self::from_params(op, value),
            Some(_) => Err(FieldError::new("operation", "must be a string")),
            None => Err(FieldError::new("operation", "is required")),
        }
    }

    /// From an operation name and its (possibly partial) params.
    pub fn from_params(operation: &str, params: &Extra) -> Result<Self, FieldError> {
        let mut a = Self::new(operation)?;
        for field in SINGLE_TARGETS {
            if let Some(v) = params.get(field).filter(|v| !v.is_null()) {
                a.targets.push(identifier(field, v)?);
            }
        }
        for field in LIST_TARGETS {
            match params.get(field) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (i, v) in items.iter().enumerate() {
                        a.targets.push(identifier(&format!("{field}[{i}]"), v)?);
                    }
                }
                Some(_) => return Err(FieldError::new(field, "must be an array of identifiers")),
            }
        }
        if let Some(v) = params.get("participantRawId") {
            let raw = v
                .as_str()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| FieldError::new("participantRawId", "must be a non-empty string"))?;
            a.targets.push(CommunicationIdentifier::from_raw_id(raw));
        }
        if let Some(v) = params.get("transferee").filter(|v| !v.is_null()) {
            a.transferee = Some(identifier("transferee", v)?);
        }
        if let Some(v) = params.get("recognizeInputType") {
            let s = v
                .as_str()
                .ok_or_else(|| FieldError::new("recognizeInputType", "must be a string"))?;
            a.recognize_input_type = Some(RecognizeInputType::parse(s));
        }
        if let Some(v) = params
            .get("invitationTimeoutInSeconds")
            .filter(|v| !v.is_null())
        {
            a.invitation_timeout_in_seconds = Some(v.as_i64().ok_or_else(|| {
                FieldError::new("invitationTimeoutInSeconds", "must be an integer")
            })?);
        }
        for key in ["invitationId", "sourceDisplayName"] {
            if let Some(v) = params.get(key).filter(|v| !v.is_null()) {
                let s = v
                    .as_str()
                    .ok_or_else(|| FieldError::new(key, "must be a string"))?
                    .to_owned();
                if key == "invitationId" {
                    a.invitation_id = Some(s);
                } else {
                    a.source_display_name = Some(s);
                }
            }
        }
        for field in ["playSources", "playPrompts"] {
            if let Some(Value::Array(sources)) = params.get(field) {
                for (i, s) in sources.iter().enumerate() {
                    let kind = s.get("kind").and_then(Value::as_str).ok_or_else(|| {
                        FieldError::new(format!("{field}[{i}].kind"), "is required")
                    })?;
                    a.play_source_kinds.push(PlaySourceKind::parse(kind));
                }
            }
        }
        if let Some(kind) = params
            .get("playPrompt")
            .and_then(|p| p.get("kind"))
            .and_then(Value::as_str)
        {
            a.play_source_kinds.push(PlaySourceKind::parse(kind));
        }
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Extra {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_partial_and_full_params() {
        let a = Action::from_json(&obj(
            json!({"operation": "recognize", "recognizeInputType": "dtmf"}),
        ))
        .unwrap();
        assert_eq!(
            (a.operation, a.recognize_input_type),
            ("recognize", Some(RecognizeInputType::Dtmf))
        );
        let a = Action::from_json(&obj(
            json!({"operation": "playToAll", "playSources": [{"kind": "file"}, {"kind": "text"}]}),
        ))
        .unwrap();
        assert_eq!((a.operation, a.play_source_kinds.len()), ("play", 2));
        let a = Action::from_json(&obj(json!({"operation": "addParticipant", "participantToAdd": "8:orgid:x", "invitationTimeoutInSeconds": 200}))).unwrap();
        assert_eq!(
            (a.targets[0].kind_name(), a.invitation_timeout_in_seconds),
            ("microsoftTeamsUser", Some(200))
        );
        let a = Action::from_json(&obj(json!({"operation": "muteParticipants", "targetParticipants": [{"rawId": "4:+1555"}, "8:acs:r_u"]}))).unwrap();
        assert_eq!(a.targets.len(), 2);
    }

    #[test]
    fn names_the_bad_field() {
        let e = |v| Action::from_json(&obj(v)).unwrap_err().field;
        assert_eq!(e(json!({})), "operation");
        assert_eq!(e(json!({"operation": "teleport"})), "operation");
        assert_eq!(
            e(
                json!({"operation": "addParticipant", "participantToAdd": {"kind": "microsoftTeamsUser"}})
            ),
            "participantToAdd.microsoftTeamsUser"
        );
        assert_eq!(
            e(json!({"operation": "muteParticipants", "targetParticipants": "x"})),
            "targetParticipants"
        );
        assert_eq!(
            e(json!({"operation": "addParticipant", "invitationTimeoutInSeconds": "10"})),
            "invitationTimeoutInSeconds"
        );
        assert_eq!(
            e(json!({"operation": "play", "playSources": [{}]})),
            "playSources[0].kind"
        );
    }
}
