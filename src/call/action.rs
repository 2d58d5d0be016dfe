//! `Action`: what a capability check needs to know of a command — the operation and the few
//! body members rules look at. Built from a full params object or from a partial one
//! (`{operation: 'recognize', recognizeInputType: 'dtmf'}`), so a console can ask before the
//! agent has filled everything in.

use serde::Deserialize;

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
}

/// The members rules look at, read from params text in one pass.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ActionIn {
    operation: Option<String>,
    participant_to_add: Option<CommunicationIdentifier>,
    target_participant: Option<CommunicationIdentifier>,
    participant_to_remove: Option<CommunicationIdentifier>,
    target: Option<CommunicationIdentifier>,
    targets: Option<Vec<CommunicationIdentifier>>,
    target_participants: Option<Vec<CommunicationIdentifier>>,
    play_to: Option<Vec<CommunicationIdentifier>>,
    participant_raw_id: Option<String>,
    transferee: Option<CommunicationIdentifier>,
    recognize_input_type: Option<RecognizeInputType>,
    invitation_timeout_in_seconds: Option<i64>,
    invitation_id: Option<String>,
    source_display_name: Option<String>,
    play_sources: Option<Vec<KindOnly>>,
    play_prompts: Option<Vec<KindOnly>>,
    play_prompt: Option<KindOnly>,
}

#[derive(Deserialize)]
struct KindOnly {
    kind: PlaySourceKind,
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

    /// From `{operation, ...params}` text.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let a: ActionIn = crate::json_path::from_text(text)?;
        let op = a
            .operation
            .clone()
            .ok_or_else(|| FieldError::new("operation", "is required"))?;
        Self::from_in(&op, a)
    }

    /// From an operation name and its (possibly partial) params text.
    pub fn from_params(operation: &str, params: &str) -> Result<Self, FieldError> {
        Self::from_in(operation, crate::json_path::from_text(params)?)
    }

    fn from_in(operation: &str, a: ActionIn) -> Result<Self, FieldError> {
        let mut action = Self::new(operation)?;
        let singles = [
            a.participant_to_add,
            a.target_participant,
            a.participant_to_remove,
            a.target,
        ];
        action.targets.extend(singles.into_iter().flatten());
        for list in [a.targets, a.target_participants, a.play_to]
            .into_iter()
            .flatten()
        {
            action.targets.extend(list);
        }
        if let Some(raw) = a.participant_raw_id {
            if raw.is_empty() {
                return Err(FieldError::new("participantRawId", "must not be empty"));
            }
            action
                .targets
                .push(CommunicationIdentifier::from_raw_id(&raw));
        }
        action.transferee = a.transferee;
        action.recognize_input_type = a.recognize_input_type;
        action.invitation_timeout_in_seconds = a.invitation_timeout_in_seconds;
        action.invitation_id = a.invitation_id;
        action.source_display_name = a.source_display_name;
        let prompts = a
            .play_sources
            .into_iter()
            .chain(a.play_prompts)
            .flatten()
            .chain(a.play_prompt);
        action.play_source_kinds = prompts.map(|k| k.kind).collect();
        Ok(action)
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
        assert_eq!(
            (a.operation, a.recognize_input_type),
            ("recognize", Some(RecognizeInputType::Dtmf))
        );
        let a = parse(
            json!({"operation": "playToAll", "playSources": [{"kind": "file"}, {"kind": "text"}]}),
        )
        .unwrap();
        assert_eq!((a.operation, a.play_source_kinds.len()), ("play", 2));
        let a = parse(json!({"operation": "addParticipant", "participantToAdd": {"rawId": "8:orgid:x"}, "invitationTimeoutInSeconds": 200})).unwrap();
        assert_eq!(
            (a.targets[0].kind_name(), a.invitation_timeout_in_seconds),
            ("microsoftTeamsUser", Some(200))
        );
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
        assert_eq!(e(json!({"operation": 5})), "operation");
    }
}
