//! CommunicationIdentifier: every identity kind ACS knows, its JSON shape (SPEC §4.1) and raw id
//! (SPEC §4.2).
//!
//! Receiving is tolerant (kind inferred from the typed member or the raw id, any casing of `kind`
//! and `cloud`, a remembered `rawId` always wins); sending is strict ([`CommunicationIdentifier::validate_target`]
//! checks GUIDs and E.164 numbers before anything reaches ACS).

mod entra;
mod raw;

use serde::de::Error as _;
use serde::{Deserialize, Serialize};

pub use entra::EntraObjectId;
pub use raw::{canonical as canonical_raw_id, RawId};

use crate::FieldError;

/// Why an identifier value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// A raw id must not be empty.
    #[error("rawId must not be empty")]
    EmptyRawId,
    /// A raw id with characters no identity can hold.
    #[error("rawId {value:?} is invalid: {reason}")]
    InvalidRawId {
        /// The refused value.
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// A Microsoft Entra object id that is not a GUID.
    #[error("{value:?} is not a Microsoft Entra object id: {reason}")]
    InvalidObjectId {
        /// The refused value.
        value: String,
        /// What exactly is wrong.
        reason: String,
    },
}

/// The Microsoft cloud a Teams identity lives in (`cloud` in the JSON; default `public`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TeamsCloud {
    /// Commercial Microsoft 365 (`public`).
    #[default]
    Public,
    /// US Department of Defense cloud (`dod`).
    Dod,
    /// US Government Community Cloud High (`gcch`).
    Gcch,
}

impl TeamsCloud {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Dod => "dod",
            Self::Gcch => "gcch",
        }
    }

    /// Parses a wire value, accepting any casing.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        [Self::Public, Self::Dod, Self::Gcch]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(value))
            .ok_or_else(|| FieldError::new("cloud", format!("unknown cloud {value:?}; expected public, dod or gcch")))
    }
}

/// An Azure Communication Services user (`8:acs:...`) or any other `8:` id ACS treats as one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunicationUser {
    /// The full ACS user id (also its raw id).
    pub id: String,
}

/// A phone number (PSTN / Direct Routing leg).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber {
    /// E.164 number (`+14255550123`), or `anonymous`.
    pub value: String,
    /// True for a withheld caller id.
    pub is_anonymous: bool,
    /// Distinguishes repeated joins of the same number.
    pub asserted_id: Option<String>,
}

/// A Microsoft Teams user, addressed by Entra object id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MicrosoftTeamsUser {
    /// Entra object id (a GUID for real users; kept as received).
    pub user_id: String,
    /// True for an anonymous Teams meeting guest (`8:teamsvisitor:`).
    pub is_anonymous: bool,
    /// The user's cloud.
    pub cloud: TeamsCloud,
}

/// A Teams app: resource account, call queue or auto attendant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MicrosoftTeamsApp {
    /// The app's (resource account's) object id.
    pub app_id: String,
    /// The app's cloud.
    pub cloud: TeamsCloud,
}

/// A Teams Phone user extended through ACS (`8:acs:<resource>_<tenant>_<user>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamsExtensionUser {
    /// The user's Entra object id.
    pub user_id: String,
    /// The user's Entra tenant id.
    pub tenant_id: String,
    /// The ACS resource id.
    pub resource_id: Option<String>,
    /// The user's cloud.
    pub cloud: TeamsCloud,
}

/// An identity of a kind this version does not know; only its raw id is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownIdentifier {
    /// The raw id as received.
    pub id: String,
}

/// The typed part of an identifier: one variant per `kind`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentifierKind {
    /// `communicationUser`.
    CommunicationUser(CommunicationUser),
    /// `phoneNumber`.
    PhoneNumber(PhoneNumber),
    /// `microsoftTeamsUser`.
    MicrosoftTeamsUser(MicrosoftTeamsUser),
    /// `microsoftTeamsApp`.
    MicrosoftTeamsApp(MicrosoftTeamsApp),
    /// `teamsExtensionUser`.
    TeamsExtensionUser(TeamsExtensionUser),
    /// `unknown` (or a kind newer than this crate).
    Unknown(UnknownIdentifier),
}

impl IdentifierKind {
    fn communication_user(id: &str) -> Self {
        Self::CommunicationUser(CommunicationUser { id: id.to_owned() })
    }

    /// The `kind` wire value.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CommunicationUser(_) => "communicationUser",
            Self::PhoneNumber(_) => "phoneNumber",
            Self::MicrosoftTeamsUser(_) => "microsoftTeamsUser",
            Self::MicrosoftTeamsApp(_) => "microsoftTeamsApp",
            Self::TeamsExtensionUser(_) => "teamsExtensionUser",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// A CommunicationIdentifierModel: who a participant, target or source is.
///
/// Serialises in the fully expanded form the official JS SDK sends (`kind`, `rawId`, and the typed
/// member with its defaults spelled out), which is also what ACS returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunicationIdentifier {
    kind: IdentifierKind,
    raw_id: RawId,
}

impl CommunicationIdentifier {
    /// An identifier from its typed part; the raw id is built by SPEC §4.2.
    pub fn new(kind: IdentifierKind) -> Self {
        let raw_id = RawId::new_unchecked(raw::build(&kind));
        Self { kind, raw_id }
    }

    /// Keeps a raw id given by the service even when it differs from what §4.2 would build
    /// (e.g. an old-style `4:` id without `+`): the service's raw id is the identity key.
    pub fn with_raw_id(kind: IdentifierKind, raw_id: RawId) -> Self {
        Self { kind, raw_id }
    }

    /// Parses a raw id (never fails: unrecognised shapes become `unknown`).
    pub fn from_raw_id(raw: &str) -> Self {
        Self { kind: raw::parse(raw), raw_id: RawId::new_unchecked(raw.to_owned()) }
    }

    /// A Teams user by Entra object id in the given cloud; the id is validated as a GUID.
    pub fn teams_user(object_id: &str, cloud: TeamsCloud) -> Result<Self, IdError> {
        let oid = EntraObjectId::parse(object_id)?;
        Ok(Self::new(IdentifierKind::MicrosoftTeamsUser(MicrosoftTeamsUser {
            user_id: oid.as_str().to_owned(),
            is_anonymous: false,
            cloud,
        })))
    }

    /// An ACS user (`8:acs:...`).
    pub fn communication_user(id: &str) -> Self {
        Self::new(IdentifierKind::communication_user(id))
    }

    /// A phone number in E.164 form.
    pub fn phone_number(value: &str) -> Self {
        Self::new(IdentifierKind::PhoneNumber(PhoneNumber {
            value: value.to_owned(),
            is_anonymous: false,
            asserted_id: None,
        }))
    }

    /// The typed part.
    pub fn kind(&self) -> &IdentifierKind {
        &self.kind
    }

    /// The `kind` wire value (`microsoftTeamsUser`, ...).
    pub fn kind_name(&self) -> &'static str {
        self.kind.name()
    }

    /// The raw id (identity key).
    pub fn raw_id(&self) -> &RawId {
        &self.raw_id
    }

    /// True for a Microsoft Teams user (the case that switches on the Teams-interop rules).
    pub fn is_teams_user(&self) -> bool {
        matches!(self.kind, IdentifierKind::MicrosoftTeamsUser(_))
    }

    /// Checks the identifier is one ACS can call or act on, before any request is sent:
    /// Teams users and apps by GUID, phone numbers in E.164, ACS users non-empty, no `unknown`.
    /// Errors name the field below the identifier (`microsoftTeamsUser.userId`).
    pub fn validate_target(&self) -> Result<(), FieldError> {
        fn guid(field: &str, value: &str) -> Result<(), FieldError> {
            EntraObjectId::parse(value).map(drop).map_err(|e| FieldError::new(field, e.to_string()))
        }
        match &self.kind {
            IdentifierKind::CommunicationUser(u) => {
                if u.id.trim().is_empty() {
                    return Err(FieldError::new("communicationUser.id", "must not be empty"));
                }
                Ok(())
            }
            IdentifierKind::PhoneNumber(p) => {
                let digits = p.value.strip_prefix('+').unwrap_or("");
                let ok = (2..=15).contains(&digits.len())
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && !digits.starts_with('0');
                if ok {
                    Ok(())
                } else {
                    Err(FieldError::new(
                        "phoneNumber.value",
                        format!("{:?} is not an E.164 number such as +14255550123", p.value),
                    ))
                }
            }
            IdentifierKind::MicrosoftTeamsUser(u) => {
                if u.is_anonymous {
                    return Err(FieldError::new(
                        "microsoftTeamsUser.isAnonymous",
                        "an anonymous Teams visitor cannot be called",
                    ));
                }
                guid("microsoftTeamsUser.userId", &u.user_id)
            }
            IdentifierKind::MicrosoftTeamsApp(a) => guid("microsoftTeamsApp.appId", &a.app_id),
            IdentifierKind::TeamsExtensionUser(t) => {
                guid("teamsExtensionUser.userId", &t.user_id)?;
                guid("teamsExtensionUser.tenantId", &t.tenant_id)?;
                match &t.resource_id {
                    Some(r) => guid("teamsExtensionUser.resourceId", r),
                    None => Ok(()),
                }
            }
            IdentifierKind::Unknown(_) => Err(FieldError::new(
                "kind",
                "an identifier of unknown kind cannot be a target; use communicationUser, \
                 phoneNumber, microsoftTeamsUser, microsoftTeamsApp or teamsExtensionUser",
            )),
        }
    }
}

// ---- JSON shape (SPEC §4.1) -------------------------------------------------------------------

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommunicationUserModel {
    pub(crate) id: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PhoneNumberModel {
    pub(crate) value: String,
    #[serde(default)]
    pub(crate) is_anonymous: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) asserted_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamsUserModel {
    pub(crate) user_id: String,
    #[serde(default)]
    pub(crate) is_anonymous: bool,
    #[serde(default)]
    pub(crate) cloud: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamsAppModel {
    pub(crate) app_id: String,
    #[serde(default)]
    pub(crate) cloud: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamsExtensionUserModel {
    pub(crate) user_id: String,
    pub(crate) tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resource_id: Option<String>,
    #[serde(default)]
    pub(crate) cloud: Option<String>,
}

pub(crate) struct IdentifierModelIn {
    pub(crate) kind: Option<String>,
    pub(crate) raw_id: Option<String>,
    pub(crate) communication_user: Option<CommunicationUserModel>,
    pub(crate) phone_number: Option<PhoneNumberModel>,
    pub(crate) microsoft_teams_user: Option<TeamsUserModel>,
    pub(crate) microsoft_teams_app: Option<TeamsAppModel>,
    pub(crate) teams_extension_user: Option<TeamsExtensionUserModel>,
}

const KINDS: [&str; 6] =
    ["communicationUser", "phoneNumber", "microsoftTeamsUser", "microsoftTeamsApp", "teamsExtensionUser", "unknown"];

/// A typed member's id: not empty, and without control characters (the raw id built from it
/// must be one the crate reads back; found by the `raw_id` fuzz target).
fn non_empty(field: &str, value: String) -> Result<String, FieldError> {
    if value.is_empty() {
        Err(FieldError::new(field, "must not be empty"))
    } else if value.chars().any(char::is_control) {
        Err(FieldError::new(field, "must not contain control characters"))
    } else {
        Ok(value)
    }
}

fn cloud(field: &str, value: Option<String>) -> Result<TeamsCloud, FieldError> {
    match value {
        None => Ok(TeamsCloud::Public),
        Some(v) => TeamsCloud::parse(&v).map_err(|e| e.within(field)),
    }
}

impl IdentifierModelIn {
    pub(crate) fn into_identifier(self) -> Result<CommunicationIdentifier, FieldError> {
        let raw_id = match self.raw_id {
            Some(r) => Some(RawId::new(r).map_err(|e| FieldError::new("rawId", e.to_string()))?),
            None => None,
        };
        // Which kind: the declared one (any casing), else the populated typed member.
        let declared = self
            .kind
            .as_deref()
            .map(|k| KINDS.iter().copied().find(|known| known.eq_ignore_ascii_case(k)).unwrap_or("unknown"));
        let members = [
            self.communication_user.is_some(),
            self.phone_number.is_some(),
            self.microsoft_teams_user.is_some(),
            self.microsoft_teams_app.is_some(),
            self.teams_extension_user.is_some(),
        ];
        let mut present = members.iter().enumerate().filter(|(_, p)| **p).map(|(i, _)| KINDS[i]);
        let populated = present.next();
        // SPEC §4.1: at most one typed member. Two would leave which one is meant to a guess.
        if let (Some(first), Some(second)) = (populated, present.next()) {
            return Err(FieldError::new(
                second,
                format!("an identifier has one typed member; this one also has `{first}`"),
            ));
        }
        let kind = match declared.or(populated) {
            Some(k) => k,
            None => {
                return match raw_id {
                    Some(r) => Ok(CommunicationIdentifier::from_raw_id(r.as_str())),
                    None => Err(FieldError::new(
                        "",
                        "an identifier needs `kind` with its typed member (e.g. \
                         {\"kind\":\"microsoftTeamsUser\",\"microsoftTeamsUser\":{\"userId\":\"<guid>\"}}) or a `rawId`",
                    )),
                }
            }
        };
        let typed = match kind {
            "communicationUser" => self.communication_user.map(|m| {
                Ok(IdentifierKind::CommunicationUser(CommunicationUser {
                    id: non_empty("communicationUser.id", m.id)?,
                }))
            }),
            "phoneNumber" => self.phone_number.map(|m| {
                Ok(IdentifierKind::PhoneNumber(PhoneNumber {
                    value: non_empty("phoneNumber.value", m.value)?,
                    is_anonymous: m.is_anonymous,
                    asserted_id: m.asserted_id,
                }))
            }),
            "microsoftTeamsUser" => self.microsoft_teams_user.map(|m| {
                Ok(IdentifierKind::MicrosoftTeamsUser(MicrosoftTeamsUser {
                    user_id: non_empty("microsoftTeamsUser.userId", m.user_id)?,
                    is_anonymous: m.is_anonymous,
                    cloud: cloud("microsoftTeamsUser", m.cloud)?,
                }))
            }),
            "microsoftTeamsApp" => self.microsoft_teams_app.map(|m| {
                Ok(IdentifierKind::MicrosoftTeamsApp(MicrosoftTeamsApp {
                    app_id: non_empty("microsoftTeamsApp.appId", m.app_id)?,
                    cloud: cloud("microsoftTeamsApp", m.cloud)?,
                }))
            }),
            "teamsExtensionUser" => self.teams_extension_user.map(|m| {
                Ok(IdentifierKind::TeamsExtensionUser(TeamsExtensionUser {
                    user_id: non_empty("teamsExtensionUser.userId", m.user_id)?,
                    tenant_id: non_empty("teamsExtensionUser.tenantId", m.tenant_id)?,
                    resource_id: m.resource_id,
                    cloud: cloud("teamsExtensionUser", m.cloud)?,
                }))
            }),
            _ => {
                // `unknown`, or a kind newer than this crate: the raw id is all there is.
                let Some(r) = raw_id else {
                    return Err(FieldError::new(
                        "rawId",
                        format!("is required for kind {:?}", self.kind.unwrap_or_default()),
                    ));
                };
                let id = r.as_str().to_owned();
                return Ok(CommunicationIdentifier::with_raw_id(IdentifierKind::Unknown(UnknownIdentifier { id }), r));
            }
        };
        let typed: IdentifierKind = match typed {
            Some(t) => t?,
            None => {
                // `kind` without its member: accept a raw id that parses to that kind.
                let parsed = raw_id.as_ref().map(|r| raw::parse(r.as_str()));
                match parsed {
                    Some(p) if p.name() == kind => p,
                    _ => return Err(FieldError::new(kind, "is required for this kind")),
                }
            }
        };
        Ok(match raw_id {
            Some(r) => CommunicationIdentifier::with_raw_id(typed, r),
            None => CommunicationIdentifier::new(typed),
        })
    }
}

impl CommunicationIdentifier {
    /// Reads an identifier from an already-parsed JSON value (same rules as deserialising it).
    pub fn from_json_value(v: &serde_json::Value) -> Result<Self, FieldError> {
        let obj = v.as_object().ok_or_else(|| {
            FieldError::new("", "must be an identifier object such as {\"rawId\": \"8:orgid:<guid>\"}")
        })?;
        Self::from_json_object(obj)
    }

    /// Reads an identifier from a parsed JSON object (the one implementation every reader uses).
    pub fn from_json_object(obj: &serde_json::Map<String, serde_json::Value>) -> Result<Self, FieldError> {
        use serde_json::Value;
        fn text(o: &serde_json::Map<String, Value>, k: &str) -> Result<Option<String>, FieldError> {
            match o.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(FieldError::new(k, "must be a string")),
            }
        }
        fn required(o: &serde_json::Map<String, Value>, k: &str) -> Result<String, FieldError> {
            text(o, k)?.ok_or_else(|| FieldError::new(k, "is required"))
        }
        fn flag(o: &serde_json::Map<String, Value>, k: &str) -> Result<bool, FieldError> {
            match o.get(k) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(FieldError::new(k, "must be true or false")),
            }
        }
        fn member<T>(
            o: &serde_json::Map<String, Value>,
            k: &str,
            read: impl Fn(&serde_json::Map<String, Value>) -> Result<T, FieldError>,
        ) -> Result<Option<T>, FieldError> {
            match o.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(m)) => read(m).map(Some).map_err(|e| e.within(k)),
                Some(_) => Err(FieldError::new(k, "must be an object")),
            }
        }
        IdentifierModelIn {
            kind: text(obj, "kind")?,
            raw_id: text(obj, "rawId")?,
            communication_user: member(obj, "communicationUser", |m| {
                Ok(CommunicationUserModel { id: required(m, "id")? })
            })?,
            phone_number: member(obj, "phoneNumber", |m| {
                Ok(PhoneNumberModel {
                    value: required(m, "value")?,
                    is_anonymous: flag(m, "isAnonymous")?,
                    asserted_id: text(m, "assertedId")?,
                })
            })?,
            microsoft_teams_user: member(obj, "microsoftTeamsUser", |m| {
                Ok(TeamsUserModel {
                    user_id: required(m, "userId")?,
                    is_anonymous: flag(m, "isAnonymous")?,
                    cloud: text(m, "cloud")?,
                })
            })?,
            microsoft_teams_app: member(obj, "microsoftTeamsApp", |m| {
                Ok(TeamsAppModel { app_id: required(m, "appId")?, cloud: text(m, "cloud")? })
            })?,
            teams_extension_user: member(obj, "teamsExtensionUser", |m| {
                Ok(TeamsExtensionUserModel {
                    user_id: required(m, "userId")?,
                    tenant_id: required(m, "tenantId")?,
                    resource_id: text(m, "resourceId")?,
                    cloud: text(m, "cloud")?,
                })
            })?,
        }
        .into_identifier()
    }
}

impl<'de> Deserialize<'de> for CommunicationIdentifier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read as a plain object and checked inside the object's own visit, so a JSON
        // deserializer reports an error at this object (json_path maps positions to fields).
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = CommunicationIdentifier;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a CommunicationIdentifier object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let obj = serde_json::Map::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                CommunicationIdentifier::from_json_object(&obj).map_err(A::Error::custom)
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for CommunicationIdentifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("kind", self.kind_name())?;
        map.serialize_entry("rawId", self.raw_id.as_str())?;
        match &self.kind {
            IdentifierKind::CommunicationUser(u) => {
                map.serialize_entry("communicationUser", &CommunicationUserModel { id: u.id.clone() })?
            }
            IdentifierKind::PhoneNumber(p) => map.serialize_entry(
                "phoneNumber",
                &PhoneNumberModel {
                    value: p.value.clone(),
                    is_anonymous: p.is_anonymous,
                    asserted_id: p.asserted_id.clone(),
                },
            )?,
            IdentifierKind::MicrosoftTeamsUser(u) => map.serialize_entry(
                "microsoftTeamsUser",
                &TeamsUserModel {
                    user_id: u.user_id.clone(),
                    is_anonymous: u.is_anonymous,
                    cloud: Some(u.cloud.as_str().to_owned()),
                },
            )?,
            IdentifierKind::MicrosoftTeamsApp(a) => map.serialize_entry(
                "microsoftTeamsApp",
                &TeamsAppModel { app_id: a.app_id.clone(), cloud: Some(a.cloud.as_str().to_owned()) },
            )?,
            IdentifierKind::TeamsExtensionUser(t) => map.serialize_entry(
                "teamsExtensionUser",
                &TeamsExtensionUserModel {
                    user_id: t.user_id.clone(),
                    tenant_id: t.tenant_id.clone(),
                    resource_id: t.resource_id.clone(),
                    cloud: Some(t.cloud.as_str().to_owned()),
                },
            )?,
            IdentifierKind::Unknown(_) => {}
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OID: &str = "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b";

    fn from(v: serde_json::Value) -> Result<CommunicationIdentifier, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn serialises_the_expanded_form_the_sdk_sends() {
        let teams = CommunicationIdentifier::teams_user(OID, TeamsCloud::Public).unwrap();
        assert_eq!(
            serde_json::to_value(&teams).unwrap(),
            json!({"kind":"microsoftTeamsUser","rawId":format!("8:orgid:{OID}"),
                   "microsoftTeamsUser":{"userId":OID,"isAnonymous":false,"cloud":"public"}})
        );
        assert_eq!(
            serde_json::to_value(CommunicationIdentifier::phone_number("+14255550123")).unwrap(),
            json!({"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123","isAnonymous":false}})
        );
        assert_eq!(
            serde_json::to_value(CommunicationIdentifier::from_raw_id("48:x")).unwrap(),
            json!({"kind":"unknown","rawId":"48:x"})
        );
    }

    #[test]
    fn minimal_and_expanded_forms_are_the_same_identifier() {
        let minimal = from(json!({"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":OID}})).unwrap();
        let expanded = from(json!({"kind":"microsoftTeamsUser","rawId":format!("8:orgid:{OID}"),
            "microsoftTeamsUser":{"userId":OID,"isAnonymous":false,"cloud":"public"}}))
        .unwrap();
        assert_eq!(minimal, expanded);
        // Round trip through the wire form is the identity.
        let again = from(serde_json::to_value(&minimal).unwrap()).unwrap();
        assert_eq!(again, minimal);
    }

    #[test]
    fn kind_is_inferred_and_casing_tolerated() {
        let no_kind = from(json!({"phoneNumber":{"value":"+1555"}})).unwrap();
        assert_eq!(no_kind.raw_id().as_str(), "4:+1555");
        let raw_only = from(json!({"rawId":format!("8:gcch:{OID}")})).unwrap();
        assert_eq!(
            raw_only.kind(),
            &IdentifierKind::MicrosoftTeamsUser(MicrosoftTeamsUser {
                user_id: OID.into(),
                is_anonymous: false,
                cloud: TeamsCloud::Gcch
            })
        );
        let pascal =
            from(json!({"kind":"MicrosoftTeamsUser","microsoftTeamsUser":{"userId":OID,"cloud":"GCCH"}})).unwrap();
        assert_eq!(pascal.raw_id().as_str(), format!("8:gcch:{OID}"));
        let kind_without_member = from(json!({"kind":"communicationUser","rawId":"8:acs:r_u"})).unwrap();
        assert_eq!(kind_without_member.kind_name(), "communicationUser");
        let newer_kind = from(json!({"kind":"microsoftBot","rawId":"28:bot"})).unwrap();
        assert_eq!((newer_kind.kind_name(), newer_kind.raw_id().as_str()), ("unknown", "28:bot"));
    }

    #[test]
    fn service_raw_id_wins_over_the_built_one() {
        let id =
            from(json!({"kind":"phoneNumber","rawId":"4:14255550123","phoneNumber":{"value":"+14255550123"}})).unwrap();
        assert_eq!(id.raw_id().as_str(), "4:14255550123");
    }

    #[test]
    fn malformed_identifiers_name_the_field() {
        let err = |v| from(v).unwrap_err();
        assert!(err(json!({})).contains("needs `kind`"));
        assert!(err(json!({"kind":"microsoftTeamsUser"})).starts_with("microsoftTeamsUser: is required"));
        assert!(err(json!({"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":""}}))
            .starts_with("microsoftTeamsUser.userId: must not be empty"));
        assert!(err(json!({"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":OID,"cloud":"mars"}}))
            .starts_with("microsoftTeamsUser.cloud: unknown cloud"));
        assert!(err(json!({"kind":"unknown"})).starts_with("rawId: is required"));
        assert!(err(json!({"rawId":""})).starts_with("rawId: rawId must not be empty"));
        assert!(err(json!("8:acs:x")).contains("invalid type"));
        // Two typed members: which one is meant would be a guess (SPEC §4.1: at most one).
        let two = json!({"communicationUser":{"id":"8:acs:a"},"phoneNumber":{"value":"+1425"}});
        assert!(err(two.clone())
            .starts_with("phoneNumber: an identifier has one typed member; this one also has `communicationUser`"));
        let mut declared = two;
        declared["kind"] = json!("phoneNumber");
        assert!(err(declared).starts_with("phoneNumber: an identifier has one typed member"));
    }

    #[test]
    fn validate_target_checks_guids_and_e164() {
        let field = |v| from(v).unwrap().validate_target().unwrap_err().field;
        assert_eq!(
            field(json!({"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":"bob"}})),
            "microsoftTeamsUser.userId"
        );
        assert_eq!(field(json!({"kind":"phoneNumber","phoneNumber":{"value":"0800 123"}})), "phoneNumber.value");
        assert_eq!(
            field(json!({"kind":"microsoftTeamsApp","microsoftTeamsApp":{"appId":"x"}})),
            "microsoftTeamsApp.appId"
        );
        assert_eq!(field(json!({"rawId":"8:teamsvisitor:x"})), "microsoftTeamsUser.isAnonymous");
        assert_eq!(field(json!({"rawId":"99:x"})), "kind");
        assert_eq!(field(json!({"rawId":"8:acs:r_t_u"})), "teamsExtensionUser.userId");
        let ok = |v| from(v).unwrap().validate_target();
        assert_eq!(ok(json!({"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":OID}})), Ok(()));
        assert_eq!(ok(json!({"kind":"phoneNumber","phoneNumber":{"value":"+14255550123"}})), Ok(()));
        assert_eq!(ok(json!({"kind":"communicationUser","communicationUser":{"id":"8:acs:r_u"}})), Ok(()));
    }

    #[test]
    fn teams_user_constructor_explains_a_bad_object_id() {
        let e = CommunicationIdentifier::teams_user("not-a-guid", TeamsCloud::Public).unwrap_err();
        assert_eq!(e.to_string(), "\"not-a-guid\" is not a Microsoft Entra object id: expected 36 characters (8-4-4-4-12 hex digits with dashes), got 10");
    }
}
