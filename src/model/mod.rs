//! Wire models shared by operations and events: participants, result information, state enums,
//! play sources, errors (SPEC §2, §3.2, §5.1, §6).

mod keep;
mod media;
mod open_enum;
pub mod results;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub(crate) use keep::keeps_unknown;
pub use keep::{from_text, struct_fields, KeepsUnknown};
pub use media::{
    ChoiceResult, DtmfOptions, DtmfResult, FileSource, PlayOptions, PlaySource, PlaySourceKind, RecognitionChoice,
    RecognizeInputType, RecognizeOptions, SpeechResult, SsmlSource, TextSource, Tone,
};
pub(crate) use open_enum::open_enum;

use crate::CommunicationIdentifier;

/// Members this crate does not model, kept so nothing is lost on a round trip.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A string that borrows from the input when it can (no escapes) and owns it otherwise.
pub(crate) struct CowStr<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

open_enum! {
    /// `callConnectionState` (SPEC §6).
    pub enum CallConnectionState {
        /// State not reported.
        Unknown = "unknown",
        /// Placing or answering.
        Connecting = "connecting",
        /// Media flowing.
        Connected = "connected",
        /// A transfer is in progress.
        Transferring = "transferring",
        /// The transfer target accepted.
        TransferAccepted = "transferAccepted",
        /// Hanging up.
        Disconnecting = "disconnecting",
        /// Over (for this connection).
        Disconnected = "disconnected",
    }
}

open_enum! {
    /// `recordingState` / `state` of a recording (SPEC §6).
    pub enum RecordingState {
        /// Recording media.
        Active = "active",
        /// Started paused, paused, or stopped.
        Inactive = "inactive",
    }
}

open_enum! {
    /// Who owns a recording (SPEC §6; ACS sends both casings).
    pub enum RecordingKind {
        /// Started through Call Automation.
        AzureCommunicationServices = "azureCommunicationServices",
        /// Started by a Teams user.
        Teams = "teams",
        /// A Teams compliance-recording policy.
        TeamsCompliance = "teamsCompliance",
    }
}

/// `resultInformation` of an event: `code` is HTTP-like, `subCode` says why (SPEC §5.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultInformation {
    /// 2xx success, 4xx/5xx failure, 6xx global (603 declined).
    #[serde(default)]
    pub code: i32,
    /// The precise reason (e.g. 8522 not found, 7604 unauthorized Teams interop).
    #[serde(default)]
    pub sub_code: i32,
    /// Human-readable text (may end with `DiagCode: ...` tags).
    #[serde(default)]
    pub message: String,
    /// SIP details when a PSTN leg failed (casing unverified; kept as received).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_details: Option<serde_json::Value>,
    /// Q.850 cause when a PSTN leg failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q850_details: Option<serde_json::Value>,
}

impl ResultInformation {
    /// True for a 2xx code.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

/// A participant as ACS lists it: identifier plus mute and hold flags.
///
/// Also reads the 2022 shape of ParticipantsUpdated, where each entry was a bare identifier
/// (the recording bot even as `{rawId}` without `kind`, SPEC §9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallParticipant {
    /// Who.
    pub identifier: CommunicationIdentifier,
    /// Muted by the service (only ACS users can be muted).
    #[serde(default)]
    pub is_muted: bool,
    /// On hold (absent in older payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_on_hold: Option<bool>,
}

impl<'de> Deserialize<'de> for CallParticipant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Checked inside the object's own visit, as for identifiers (see json_path).
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = CallParticipant;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a participant object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let obj = serde_json::Map::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                CallParticipant::from_json_object(&obj).map_err(serde::de::Error::custom)
            }
        }
        d.deserialize_map(V)
    }
}

impl CallParticipant {
    fn from_json_object(obj: &serde_json::Map<String, serde_json::Value>) -> Result<Self, crate::FieldError> {
        use serde_json::Value;
        let flag = |k: &str| match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(crate::FieldError::new(k, "must be true or false")),
        };
        let identifier = match obj.get("identifier") {
            Some(id) => CommunicationIdentifier::from_json_value(id),
            // The 2022 shape: the entry is the identifier itself.
            None => CommunicationIdentifier::from_json_object(obj),
        }
        .map_err(|e| e.within("identifier"))?;
        Ok(Self { identifier, is_muted: flag("isMuted")?.unwrap_or(false), is_on_hold: flag("isOnHold")? })
    }
}

impl KeepsUnknown for CallParticipant {}

/// `PhoneNumberIdentifierModel`: the bare phone model of `sourceCallerIdNumber` and `answeredFor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberModel {
    /// E.164 number.
    pub value: String,
    /// Withheld caller id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// Distinguishes repeated joins of one number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asserted_id: Option<String>,
}

impl PhoneNumberModel {
    /// A caller id in E.164 form.
    pub fn new(value: impl Into<String>) -> Self {
        Self { value: value.into(), is_anonymous: None, asserted_id: None }
    }
}

/// `CommunicationUserIdentifierModel`: the bare `{ "id": ... }` of `source` and `answeredBy`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationUserModel {
    /// The ACS user id.
    pub id: String,
}

/// `MicrosoftTeamsAppIdentifierModel`: `teamsAppSource` of CreateCall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsAppModel {
    /// The Teams app / resource account object id.
    pub app_id: String,
    /// `public`, `dod` or `gcch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
}

/// `customCallingContext`: VoIP headers (for ACS and Teams targets) and SIP headers (PSTN legs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomCallingContext {
    /// Delivered to VoIP (ACS / Teams) targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voip_headers: Option<BTreeMap<String, String>>,
    /// Delivered to SIP (PSTN / Direct Routing) targets; `X-MS-Custom-` and `User-to-User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_headers: Option<BTreeMap<String, String>>,
    /// Teams Phone extensibility call card (preview, SPEC §2.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams_phone_call_details: Option<serde_json::Value>,
}

/// `CallLocator`: names an existing call by group, server call or room id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLocator {
    /// Group call id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_call_id: Option<String>,
    /// Server call id (what events and IncomingCall carry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// Rooms id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// `groupCallLocator`, `serverCallLocator` or `roomCallLocator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `CommunicationErrorResponse`: the body of every non-success REST answer (SPEC §5.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationErrorResponse {
    /// The error.
    pub error: CommunicationError,
}

/// One `CommunicationError` (code is a string on REST answers, e.g. `"8522"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationError {
    /// Error code.
    pub code: String,
    /// Message.
    pub message: String,
    /// The field or resource the error is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Nested errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<CommunicationError>>,
    /// Inner error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innererror: Option<Box<CommunicationError>>,
}

impl CommunicationErrorResponse {
    /// An error body with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: CommunicationError {
                code: code.into(),
                message: message.into(),
                target: None,
                details: None,
                innererror: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_accept_both_casings_and_keep_unknown_values() {
        assert_eq!(RecordingKind::parse("TeamsCompliance"), RecordingKind::TeamsCompliance);
        assert_eq!(
            serde_json::to_string(&RecordingKind::parse("AzureCommunicationServices")).unwrap(),
            "\"azureCommunicationServices\""
        );
        let future: CallConnectionState = serde_json::from_str("\"onHoldSomewhere\"").unwrap();
        assert_eq!(future, CallConnectionState::Other("onHoldSomewhere".into()));
        assert_eq!(serde_json::to_string(&future).unwrap(), "\"onHoldSomewhere\"");
        assert!(!future.is_known());
        // Escaped input (no borrow possible) still parses.
        let escaped: RecordingState = serde_json::from_str("\"\\u0061ctive\"").unwrap();
        assert_eq!(escaped, RecordingState::Active);
    }

    #[test]
    fn participants_in_current_and_2022_shapes() {
        let now: CallParticipant =
            serde_json::from_str(r#"{"identifier":{"rawId":"4:+1555"},"isMuted":true,"isOnHold":false}"#).unwrap();
        assert_eq!((now.identifier.raw_id().as_str(), now.is_muted, now.is_on_hold), ("4:+1555", true, Some(false)));
        let bare: CallParticipant = serde_json::from_str(r#"{"rawId":"28:bot"}"#).unwrap();
        assert_eq!((bare.identifier.kind_name(), bare.is_muted), ("unknown", false));
        let bare_typed: CallParticipant =
            serde_json::from_str(r#"{"kind":"communicationUser","communicationUser":{"id":"8:acs:r_u"}}"#).unwrap();
        assert_eq!(bare_typed.identifier.raw_id().as_str(), "8:acs:r_u");
        let e = serde_json::from_str::<CallParticipant>(r#"{"isMuted":true}"#).unwrap_err().to_string();
        assert!(e.starts_with("identifier: an identifier needs"), "{e}");
    }

    #[test]
    fn result_information_tolerates_missing_members() {
        let r: ResultInformation = serde_json::from_str(r#"{"code":200}"#).unwrap();
        assert!(r.is_success());
        assert_eq!((r.sub_code, r.message.as_str()), (0, ""));
    }
}
