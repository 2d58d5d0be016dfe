//! `AddParticipant` — `POST .../{callConnectionId}/participants:add` → 202 (SPEC §2.2): invite
//! one more participant, e.g. a Teams expert by Entra object id. The outcome arrives as
//! `AddParticipantSucceeded` / `AddParticipantFailed`; cancel a ringing invite with its
//! `invitationId`.

use serde::{Deserialize, Serialize};

use super::macros::operation;
use super::schema::{self, opt, req, Kind, Schema};
use super::Body;
use crate::model::{CallParticipant, CustomCallingContext, Extra, PhoneNumberModel};
use crate::{CommunicationIdentifier, FieldError};

/// `invitationTimeoutInSeconds` bounds ACS accepts.
pub const INVITATION_TIMEOUT_RANGE: std::ops::RangeInclusive<i32> = 0..=180;

operation! {
    /// Adds a participant to a connected call.
    pub struct AddParticipant = "addParticipant";
    Post "/calling/callConnections/{callConnectionId}/participants:add" => [202];
    repeatable: true;
    path { call_connection_id = "callConnectionId" }
    body: AddParticipantRequest;
    response: AddParticipantResponse;
}

/// `AddParticipantRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantRequest {
    /// Who to invite.
    pub participant_to_add: CommunicationIdentifier,
    /// Caller id for a PSTN invitee (required for phone numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberModel>,
    /// Name in the invitee's toast (PSTN; Teams desktop and web only). The roster is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    /// How long it rings, 0–180 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_timeout_in_seconds: Option<i32>,
    /// Echoed in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Overrides the call's callback URI for this operation's events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
    /// VoIP headers (Teams / ACS targets) or SIP headers (PSTN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_calling_context: Option<CustomCallingContext>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

impl AddParticipantRequest {
    /// An invitation for `participant`.
    pub fn new(participant: CommunicationIdentifier) -> Self {
        Self {
            participant_to_add: participant,
            source_caller_id_number: None,
            source_display_name: None,
            invitation_timeout_in_seconds: None,
            operation_context: None,
            operation_callback_uri: None,
            custom_calling_context: None,
            extra: Extra::new(),
        }
    }
}

static SCHEMA: Schema = Schema {
    fields: &[
        req("participantToAdd", Kind::Target),
        opt("sourceCallerIdNumber", Kind::Object(&schema::PHONE_MODEL)),
        opt("sourceDisplayName", Kind::Str),
        opt(
            "invitationTimeoutInSeconds",
            Kind::Int(*INVITATION_TIMEOUT_RANGE.start() as i64, *INVITATION_TIMEOUT_RANGE.end() as i64),
        ),
        opt("operationContext", Kind::Str),
        opt("operationCallbackUri", Kind::CallbackUri),
        opt("customCallingContext", Kind::Object(&schema::CUSTOM_CALLING_CONTEXT)),
    ],
    check: Some(|body| {
        if schema::is_phone(body.get("participantToAdd"))
            && body.get("sourceCallerIdNumber").is_none_or(|v| v.is_null())
        {
            return Err(FieldError::new("sourceCallerIdNumber", "is required when adding a phone number"));
        }
        Ok(())
    }),
};

impl Body for AddParticipantRequest {
    const SCHEMA: &'static schema::Schema = &SCHEMA;

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

/// `AddParticipantResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantResponse {
    /// The invitee as ACS will list it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<CallParticipant>,
    /// Echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// For `cancelAddParticipant` while it rings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// Members this crate does not model.
    #[serde(default, flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::model::keeps_unknown!(AddParticipantRequest, AddParticipantResponse);
