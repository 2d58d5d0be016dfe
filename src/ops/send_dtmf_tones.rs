//! `SendDtmfTones` — `POST .../{callConnectionId}:sendDtmfTones` → 202 (SPEC §2.3).

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::OperationContextResponse;
use super::{validate, Body};
use crate::model::{Extra, Tone};
use crate::{CommunicationIdentifier, FieldError};

operation! {
    /// Sends DTMF tones to a participant (`SendDtmfTonesCompleted` / `...Failed`).
    pub struct SendDtmfTones = "sendDtmfTones";
    Post "/calling/callConnections/{callConnectionId}:sendDtmfTones" => [202];
    repeatable: true;
    path { call_connection_id = "callConnectionId" }
    body: SendDtmfTonesRequest;
    response: OperationContextResponse;
}

/// `SendDtmfTonesRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendDtmfTonesRequest {
    /// The tones, in order.
    pub tones: Vec<Tone>,
    /// Who receives them.
    pub target_participant: CommunicationIdentifier,
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

impl Body for SendDtmfTonesRequest {
    fn validate(&self) -> Result<(), FieldError> {
        if self.tones.is_empty() {
            return Err(FieldError::new("tones", "must name at least one tone"));
        }
        if let Some((i, t)) = self.tones.iter().enumerate().find(|(_, t)| !t.is_known()) {
            return Err(FieldError::new(
                format!("tones[{i}]"),
                format!("{:?} is not a DTMF tone", t.as_str()),
            ));
        }
        validate::target("targetParticipant", &self.target_participant)?;
        validate::opt_callback_uri("operationCallbackUri", &self.operation_callback_uri)
    }

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(SendDtmfTonesRequest);
