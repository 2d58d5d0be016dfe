//! Raw ids: the single-string form of a CommunicationIdentifier (SPEC §4.2).

use std::borrow::Cow;
use std::fmt;

use super::{
    CommunicationIdentifier, IdError, IdentifierKind, MicrosoftTeamsApp, MicrosoftTeamsUser, PhoneNumber, TeamsCloud,
    TeamsExtensionUser,
};

/// A participant's raw id (`8:orgid:<guid>`, `4:+14255550123`, `8:acs:<resource>_<user>`, ...).
///
/// This is the identity key ACS uses in paths (`participants/{participantRawId}`) and the one the
/// call state keys participants by. Compare with [`RawId::same_participant`], which folds the
/// `4:` with/without `+` drift (SPEC §7.9).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawId(String);

impl RawId {
    /// Wraps a raw id; refuses the empty string and control characters.
    pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
        let value = value.into();
        if value.is_empty() {
            return Err(IdError::EmptyRawId);
        }
        if value.chars().any(char::is_control) {
            return Err(IdError::InvalidRawId { value, reason: "it contains a control character" });
        }
        Ok(Self(value))
    }

    /// For values built from typed parts or parsed by §4.2 (callers check emptiness).
    pub(crate) fn new_unchecked(value: String) -> Self {
        Self(value)
    }

    /// The raw id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The comparison key: phone raw ids always with `+` (older SDKs built `4:14255550123`,
    /// the service sends `4:+14255550123`).
    pub fn canonical(&self) -> Cow<'_, str> {
        canonical(&self.0)
    }

    /// True when both name the same participant, folding the phone `+` drift.
    pub fn same_participant(&self, other: &RawId) -> bool {
        // Equal text is the usual answer, and needs no canonical form (rosters compare often).
        self.0 == other.0 || self.canonical() == other.canonical()
    }

    /// Parses into a typed identifier (never fails: anything unrecognised is `unknown`).
    pub fn to_identifier(&self) -> CommunicationIdentifier {
        CommunicationIdentifier::from_raw_id(&self.0)
    }
}

/// Canonical comparison form of a raw id string (see [`RawId::canonical`]).
pub fn canonical(raw: &str) -> Cow<'_, str> {
    match raw.strip_prefix("4:") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => Cow::Owned(format!("4:+{rest}")),
        _ => Cow::Borrowed(raw),
    }
}

impl fmt::Display for RawId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for RawId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for RawId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RawId::new(s).map_err(serde::de::Error::custom)
    }
}

/// Builds the raw id of a typed identifier (SPEC §4.2, first table).
pub(super) fn build(kind: &IdentifierKind) -> String {
    match kind {
        IdentifierKind::CommunicationUser(u) => u.id.clone(),
        IdentifierKind::PhoneNumber(p) => format!("4:{}", p.value),
        IdentifierKind::MicrosoftTeamsUser(u) => {
            if u.is_anonymous {
                format!("8:teamsvisitor:{}", u.user_id)
            } else {
                let prefix = match u.cloud {
                    TeamsCloud::Public => "8:orgid:",
                    TeamsCloud::Dod => "8:dod:",
                    TeamsCloud::Gcch => "8:gcch:",
                };
                format!("{prefix}{}", u.user_id)
            }
        }
        IdentifierKind::MicrosoftTeamsApp(a) => {
            let prefix = match a.cloud {
                TeamsCloud::Public => "28:orgid:",
                TeamsCloud::Dod => "28:dod:",
                TeamsCloud::Gcch => "28:gcch:",
            };
            format!("{prefix}{}", a.app_id)
        }
        IdentifierKind::TeamsExtensionUser(t) => {
            let prefix = match t.cloud {
                TeamsCloud::Public => "8:acs:",
                TeamsCloud::Dod => "8:dod-acs:",
                TeamsCloud::Gcch => "8:gcch-acs:",
            };
            format!("{prefix}{}_{}_{}", t.resource_id.as_deref().unwrap_or(""), t.tenant_id, t.user_id)
        }
        IdentifierKind::Unknown(u) => u.id.clone(),
    }
}

/// Parses a raw id into a typed kind (SPEC §4.2, "Parsing a raw id"). Never fails.
pub(super) fn parse(raw: &str) -> IdentifierKind {
    if let Some(rest) = raw.strip_prefix("4:").filter(|rest| !rest.is_empty()) {
        let is_anonymous = rest == "anonymous";
        let asserted_id = if is_anonymous {
            None
        } else {
            rest.rfind('_').map(|i| &rest[i + 1..]).filter(|s| !s.is_empty()).map(str::to_owned)
        };
        return IdentifierKind::PhoneNumber(PhoneNumber { value: rest.to_owned(), is_anonymous, asserted_id });
    }
    let mut segments = raw.splitn(4, ':');
    let (Some(a), Some(b), Some(suffix), None) = (segments.next(), segments.next(), segments.next(), segments.next())
    else {
        return unknown(raw);
    };
    // An empty suffix names nobody: keep it as `unknown` (found by the `raw_id` fuzz target: a
    // phone number with an empty value was written but could not be read back).
    if suffix.is_empty() {
        return unknown(raw);
    }
    let teams_user = |cloud, is_anonymous| {
        IdentifierKind::MicrosoftTeamsUser(MicrosoftTeamsUser { user_id: suffix.to_owned(), is_anonymous, cloud })
    };
    let teams_app = |cloud| IdentifierKind::MicrosoftTeamsApp(MicrosoftTeamsApp { app_id: suffix.to_owned(), cloud });
    let acs = |cloud| {
        let parts: Vec<&str> = suffix.split('_').collect();
        // Three non-empty parts; anything else is an ordinary ACS user keeping the whole raw id.
        if let [resource_id, tenant_id, user_id] = parts[..] {
            if resource_id.is_empty() || tenant_id.is_empty() || user_id.is_empty() {
                return IdentifierKind::communication_user(raw);
            }
            IdentifierKind::TeamsExtensionUser(TeamsExtensionUser {
                user_id: user_id.to_owned(),
                tenant_id: tenant_id.to_owned(),
                resource_id: Some(resource_id.to_owned()),
                cloud,
            })
        } else {
            IdentifierKind::communication_user(raw)
        }
    };
    match (a, b) {
        ("8", "teamsvisitor") => teams_user(TeamsCloud::Public, true),
        ("8", "orgid") => teams_user(TeamsCloud::Public, false),
        ("8", "dod") => teams_user(TeamsCloud::Dod, false),
        ("8", "gcch") => teams_user(TeamsCloud::Gcch, false),
        ("8", "acs") => acs(TeamsCloud::Public),
        ("8", "dod-acs") => acs(TeamsCloud::Dod),
        ("8", "gcch-acs") => acs(TeamsCloud::Gcch),
        ("8", "spool") => IdentifierKind::communication_user(raw),
        ("28", "orgid") => teams_app(TeamsCloud::Public),
        ("28", "dod") => teams_app(TeamsCloud::Dod),
        ("28", "gcch") => teams_app(TeamsCloud::Gcch),
        _ => unknown(raw),
    }
}

fn unknown(raw: &str) -> IdentifierKind {
    IdentifierKind::Unknown(super::UnknownIdentifier { id: raw.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OID: &str = "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b";

    fn kind_and_raw(raw: &str) -> (&'static str, String) {
        let id = CommunicationIdentifier::from_raw_id(raw);
        (id.kind_name(), id.raw_id().as_str().to_owned())
    }

    #[test]
    fn every_kind_round_trips_through_its_raw_id() {
        let cases = [
            ("8:acs:b9614373-fd0b-480c-8fd2-cb58b70eab9f_0f50d091-5bd3", "communicationUser"),
            ("8:spool:abc", "communicationUser"),
            ("4:+14255550123", "phoneNumber"),
            ("4:anonymous", "phoneNumber"),
            ("8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", "microsoftTeamsUser"),
            ("8:dod:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", "microsoftTeamsUser"),
            ("8:gcch:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", "microsoftTeamsUser"),
            ("8:teamsvisitor:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", "microsoftTeamsUser"),
            ("28:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130", "microsoftTeamsApp"),
            ("28:dod:45ab2481-1c1c-4005-be24-0ffb879b1130", "microsoftTeamsApp"),
            ("28:gcch:45ab2481-1c1c-4005-be24-0ffb879b1130", "microsoftTeamsApp"),
            ("8:acs:res_tenant_user", "teamsExtensionUser"),
            ("8:dod-acs:res_tenant_user", "teamsExtensionUser"),
            ("8:gcch-acs:res_tenant_user", "teamsExtensionUser"),
            ("48:abc", "unknown"),
            ("8:orgid:a:b", "unknown"),
            ("28:gcch-global:bot", "unknown"),
            ("28:bot", "unknown"),
            ("hello", "unknown"),
        ];
        for (raw, kind) in cases {
            let id = CommunicationIdentifier::from_raw_id(raw);
            assert_eq!(id.kind_name(), kind, "{raw}");
            // Rebuild from the typed parts only (drop the remembered raw id).
            let rebuilt = CommunicationIdentifier::new(id.kind().clone());
            assert_eq!(rebuilt.raw_id().as_str(), raw, "{raw}");
        }
    }

    #[test]
    fn teams_user_clouds_and_anonymous() {
        let IdentifierKind::MicrosoftTeamsUser(u) = parse(&format!("8:teamsvisitor:{OID}")) else { panic!() };
        assert!(u.is_anonymous);
        assert_eq!(u.user_id, OID);
        let IdentifierKind::MicrosoftTeamsUser(u) = parse(&format!("8:gcch:{OID}")) else { panic!() };
        assert_eq!((u.cloud, u.is_anonymous), (TeamsCloud::Gcch, false));
    }

    #[test]
    fn phone_raw_id_with_and_without_plus() {
        let with = RawId::new("4:+14255550123").unwrap();
        let without = RawId::new("4:14255550123").unwrap();
        assert!(with.same_participant(&without));
        assert_eq!(without.canonical(), "4:+14255550123");
        // The value is kept as given (latest SDK behaviour): no `+` is invented.
        let IdentifierKind::PhoneNumber(p) = parse("4:14255550123") else { panic!() };
        assert_eq!(p.value, "14255550123");
        assert_eq!(kind_and_raw("4:14255550123").1, "4:14255550123");
        // Anonymous and alphanumeric phone ids are not given a `+`.
        assert_eq!(canonical("4:anonymous"), "4:anonymous");
        assert!(!RawId::new("4:+1").unwrap().same_participant(&RawId::new("4:+2").unwrap()));
    }

    #[test]
    fn phone_asserted_id_and_anonymous() {
        let IdentifierKind::PhoneNumber(p) = parse("4:+14255550123_abc") else { panic!() };
        assert_eq!(p.asserted_id.as_deref(), Some("abc"));
        let IdentifierKind::PhoneNumber(p) = parse("4:+14255550123_") else { panic!() };
        assert_eq!(p.asserted_id, None);
        let IdentifierKind::PhoneNumber(p) = parse("4:anonymous") else { panic!() };
        assert!(p.is_anonymous);
        assert_eq!(p.asserted_id, None);
    }

    #[test]
    fn acs_with_two_underscores_is_a_teams_extension_user() {
        let IdentifierKind::TeamsExtensionUser(t) = parse("8:gcch-acs:r_t_u") else { panic!() };
        assert_eq!(
            (t.resource_id.as_deref(), t.tenant_id.as_str(), t.user_id.as_str(), t.cloud),
            (Some("r"), "t", "u", TeamsCloud::Gcch)
        );
        // One or three underscores: an ordinary ACS user keeping the whole raw id.
        assert_eq!(kind_and_raw("8:acs:r_u"), ("communicationUser", "8:acs:r_u".into()));
        assert_eq!(kind_and_raw("8:acs:a_b_c_d"), ("communicationUser", "8:acs:a_b_c_d".into()));
    }

    #[test]
    fn raw_id_refuses_empty_and_control_characters() {
        assert_eq!(RawId::new(""), Err(IdError::EmptyRawId));
        assert!(matches!(RawId::new("8:acs:\n"), Err(IdError::InvalidRawId { .. })));
    }

    #[test]
    fn an_empty_suffix_is_unknown_and_reads_back() {
        // Fuzz finding: `4:` became a phone number with an empty value, which the crate then
        // refused to read back from its own JSON.
        for raw in ["4:", "8:orgid:", "28:dod:", "8:acs:", "8:teamsvisitor:"] {
            assert_eq!(kind_and_raw(raw), ("unknown", raw.into()), "{raw}");
            let id = CommunicationIdentifier::from_raw_id(raw);
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(serde_json::from_str::<CommunicationIdentifier>(&json).unwrap(), id, "{json}");
        }
        // An id with a control character is refused when read from JSON (fuzz finding: the
        // raw id built from it could not be read back).
        let bad = serde_json::json!({"kind": "communicationUser", "communicationUser": {"id": "8:acs:a\u{7f}b"}});
        let e = CommunicationIdentifier::from_json_value(&bad).unwrap_err();
        assert_eq!(e.field, "communicationUser.id");
        // A Teams extension user needs all three parts (fuzz finding: an empty tenant id).
        assert_eq!(kind_and_raw("8:acs:r__u"), ("communicationUser", "8:acs:r__u".into()));
    }
}
