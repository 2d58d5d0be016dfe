//! `TransferToParticipant` — `POST .../{callConnectionId}:transferToParticipant` → 202
//! (SPEC §2.2): blind transfer; in a group call `transferee` says who is moved.

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::properties::OperationContextResponse;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::{CustomCallingContext, Extra, PhoneNumberModel};
use crate::CommunicationIdentifier;

operation! {
    /// Transfers the call to another participant (`CallTransferAccepted` / `CallTransferFailed`).
    pub struct TransferToParticipant = "transferToParticipant";
    Post "/calling/callConnections/{callConnectionId}:transferToParticipant" => [202];
    repeatable: true;
    path { call_connection_id = "callConnectionId" }
    body: TransferToParticipantRequest;
    response: OperationContextResponse;
}

/// `TransferToParticipantRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferToParticipantRequest {
    /// Where the call goes.
    pub target_participant: CommunicationIdentifier,
    /// Echoed in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Who is transferred away (needed in multi-party calls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferee: Option<CommunicationIdentifier>,
    /// Overrides the call's callback URI for this operation's events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
    /// VoIP / SIP headers for the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_calling_context: Option<CustomCallingContext>,
    /// Caller id shown when transferring to PSTN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberModel>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

impl TransferToParticipantRequest {
    /// A blind transfer to `target`.
    pub fn new(target: CommunicationIdentifier) -> Self {
        Self {
            target_participant: target,
            operation_context: None,
            transferee: None,
            operation_callback_uri: None,
            custom_calling_context: None,
            source_caller_id_number: None,
            extra: Extra::new(),
        }
    }
}

static SCHEMA: Schema = Schema {
    fields: &[
        req("targetParticipant", Kind::Target),
        opt("operationContext", Kind::Str),
        opt("transferee", Kind::Target),
        opt("operationCallbackUri", Kind::CallbackUri),
        opt("customCallingContext", Kind::Object(&schema::CUSTOM_CALLING_CONTEXT)),
        opt("sourceCallerIdNumber", Kind::Object(&schema::PHONE_MODEL)),
    ],
    check: None,
};

impl Body for TransferToParticipantRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

crate::model::keeps_unknown!(TransferToParticipantRequest);
