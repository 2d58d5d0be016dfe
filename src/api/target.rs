//! Who an agent names in a request: the full `CommunicationIdentifier` JSON, or a shortcut a
//! console can fill in from a picker — `{"teamsUserId": "<Entra object id>"}`,
//! `{"phoneNumber": "+1425…"}`, `{"acsUserId": "8:acs:…"}` or `{"rawId": "8:orgid:…"}`.

use serde_json::{Map, Value};

use crate::{CommunicationIdentifier, FieldError, TeamsCloud};

/// Reads a target, validated as something ACS can call (GUIDs, E.164, non-empty ids).
///
/// Errors name the member the client sent (`teamsUserId`, `phoneNumber`, `rawId`,
/// `microsoftTeamsUser.userId`), and unknown members are refused at every level: a misspelt
/// `cloud` must not silently call the public-cloud user.
pub fn read(v: &Value) -> Result<CommunicationIdentifier, FieldError> {
    let obj = v.as_object().ok_or_else(|| {
        FieldError::new("", "must be an object: {\"teamsUserId\"}, {\"phoneNumber\"}, {\"acsUserId\"} or an identifier")
    })?;
    if let Some(id) = shortcut(obj)? {
        return Ok(id);
    }
    identifier_members(obj)?;
    let id = CommunicationIdentifier::from_json_object(obj)?;
    id.validate_target()?;
    Ok(id)
}

/// Reads `field` of `body` as a target, the error naming `field`.
pub fn member(body: &Map<String, Value>, field: &str) -> Result<Option<CommunicationIdentifier>, FieldError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => read(v).map(Some).map_err(|e| e.within(field)),
    }
}

/// Reads `field` of `body` as a non-empty array of targets (a single object is accepted too).
pub fn list(body: &Map<String, Value>, field: &str, max: usize) -> Result<Vec<CommunicationIdentifier>, FieldError> {
    let items: Vec<&Value> = match body.get(field) {
        None | Some(Value::Null) => return Err(FieldError::new(field, "is required")),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        Some(_) => return Err(FieldError::new(field, "must be an array of targets")),
    };
    if items.is_empty() {
        return Err(FieldError::new(field, "must name at least one participant"));
    }
    if items.len() > max {
        return Err(FieldError::new(field, format!("names {} participants; at most {max} at once", items.len())));
    }
    items.iter().enumerate().map(|(i, v)| read(v).map_err(|e| e.within(&format!("{field}[{i}]")))).collect()
}

/// The members of a full identifier, and of each typed member (SPEC §4.1).
const IDENTIFIER_MEMBERS: [(&str, &[&str]); 5] = [
    ("communicationUser", &["id"]),
    ("phoneNumber", &["value", "isAnonymous", "assertedId"]),
    ("microsoftTeamsUser", &["userId", "isAnonymous", "cloud"]),
    ("microsoftTeamsApp", &["appId", "cloud"]),
    ("teamsExtensionUser", &["userId", "tenantId", "resourceId", "cloud"]),
];

/// The console's shortcuts ([`shortcut`]), then the members only a full identifier has.
const SHORTCUTS: [&str; 5] = ["teamsUserId", "phoneNumber", "acsUserId", "rawId", "kind"];

fn unknown_member(field: String, known: &[&str]) -> FieldError {
    FieldError::new(field, format!("is not a member here (known: {})", known.join(", ")))
}

/// Refuses members a full identifier does not have, at the top and inside its typed member.
fn identifier_members(obj: &Map<String, Value>) -> Result<(), FieldError> {
    for (k, v) in obj {
        if k == "kind" || k == "rawId" {
            continue;
        }
        let Some((_, members)) = IDENTIFIER_MEMBERS.iter().find(|(name, _)| name == k) else {
            // Not plainly a full identifier (no `kind`, no typed member): a misspelt shortcut
            // is likelier, so those come first.
            let full = obj.contains_key("kind") || obj.values().any(Value::is_object);
            let mut known = if full { vec!["kind", "rawId"] } else { SHORTCUTS.to_vec() };
            for (name, _) in IDENTIFIER_MEMBERS {
                if !known.contains(&name) {
                    known.push(name);
                }
            }
            return Err(unknown_member(k.clone(), &known));
        };
        if let Some(inner) = v.as_object() {
            if let Some(extra) = inner.keys().find(|m| !members.contains(&m.as_str())) {
                return Err(unknown_member(format!("{k}.{extra}"), members));
            }
        }
    }
    Ok(())
}

/// The console's shortcuts. A shortcut is recognised by its member; a full identifier (with
/// `kind` or a typed member object) is not one.
fn shortcut(obj: &Map<String, Value>) -> Result<Option<CommunicationIdentifier>, FieldError> {
    let text = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(FieldError::new(k, "must be a string")),
    };
    let only = |allowed: &[&str]| match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(unknown_member(k.clone(), allowed)),
        None => Ok(()),
    };
    // The validation message, under the member the client sent.
    let checked = |field: &str, id: CommunicationIdentifier| {
        id.validate_target().map(|()| Some(id)).map_err(|e| FieldError::new(field, e.message))
    };
    if obj.contains_key("teamsUserId") {
        only(&["teamsUserId", "cloud"])?;
        let oid = text("teamsUserId")?.unwrap_or_default();
        let cloud = match text("cloud")? {
            None => TeamsCloud::Public,
            Some(c) => TeamsCloud::parse(c).map_err(|e| FieldError::new("cloud", e.message))?,
        };
        return CommunicationIdentifier::teams_user(oid, cloud)
            .map(Some)
            .map_err(|e| FieldError::new("teamsUserId", e.to_string()));
    }
    let typed_member = IDENTIFIER_MEMBERS.iter().any(|(name, _)| obj.get(*name).is_some_and(Value::is_object));
    if obj.contains_key("kind") || typed_member {
        return Ok(None);
    }
    if obj.contains_key("phoneNumber") {
        only(&["phoneNumber"])?;
        let number = text("phoneNumber")?.unwrap_or_default();
        return checked("phoneNumber", CommunicationIdentifier::phone_number(number));
    }
    if obj.contains_key("acsUserId") {
        only(&["acsUserId"])?;
        let id = text("acsUserId")?.unwrap_or_default();
        return checked("acsUserId", CommunicationIdentifier::communication_user(id));
    }
    if obj.contains_key("rawId") {
        only(&["rawId"])?;
        let raw = text("rawId")?.unwrap_or_default();
        let raw = crate::RawId::new(raw).map_err(|e| FieldError::new("rawId", e.to_string()))?;
        return checked("rawId", raw.to_identifier());
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DANA: &str = "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b";

    #[test]
    fn shortcuts_and_full_identifiers_read_the_same() {
        let short = read(&json!({"teamsUserId": DANA})).unwrap();
        let full = read(&json!({"kind": "microsoftTeamsUser", "microsoftTeamsUser": {"userId": DANA}})).unwrap();
        let raw = read(&json!({"rawId": format!("8:orgid:{DANA}")})).unwrap();
        assert_eq!(short.raw_id(), full.raw_id());
        assert_eq!(short.raw_id(), raw.raw_id());
        assert_eq!(read(&json!({"phoneNumber": "+14255550123"})).unwrap().raw_id().as_str(), "4:+14255550123");
        assert_eq!(read(&json!({"acsUserId": "8:acs:r_u"})).unwrap().raw_id().as_str(), "8:acs:r_u");
        let gcch = read(&json!({"teamsUserId": DANA, "cloud": "gcch"})).unwrap();
        assert_eq!(gcch.raw_id().as_str(), format!("8:gcch:{DANA}"));
    }

    #[test]
    fn bad_targets_name_the_field() {
        let e = read(&json!({"teamsUserId": "dana"})).unwrap_err();
        assert_eq!(e.field, "teamsUserId");
        let e = read(&json!({"phoneNumber": "0800"})).unwrap_err();
        assert!(e.field.starts_with("phoneNumber"), "{e}");
        let body = json!({"participants": [{"teamsUserId": DANA}, {"teamsUserId": 7}]});
        let e = list(body.as_object().unwrap(), "participants", 10).unwrap_err();
        assert_eq!(e.field, "participants[1].teamsUserId");
        let body = json!({"participants": []});
        assert_eq!(list(body.as_object().unwrap(), "participants", 10).unwrap_err().field, "participants");
        // Shortcut errors name the member the client sent, not the wire identifier's.
        for (body, field) in [
            (json!({"phoneNumber": "0800"}), "phoneNumber"),
            (json!({"acsUserId": " "}), "acsUserId"),
            (json!({"rawId": "8:orgid:dana"}), "rawId"),
            (json!({"rawId": "99:x"}), "rawId"),
            (json!({"teamsUserId": DANA, "cloud": "mars"}), "cloud"),
            (json!({"teamsUserId": DANA, "clod": "gcch"}), "clod"),
            (json!({"kind": "microsoftTeamsUser", "microsoftTeamsUser": {"userId": DANA}, "extra": 1}), "extra"),
            (json!({"microsoftTeamsUser": {"userId": DANA, "clod": "gcch"}}), "microsoftTeamsUser.clod"),
            (json!({"kind": "phoneNumber", "phoneNumber": {"value": "0800"}}), "phoneNumber.value"),
        ] {
            assert_eq!(read(&body).unwrap_err().field, field, "{body}");
        }
        // A full phone-number identifier is not the string shortcut.
        let full = read(&json!({"kind": "phoneNumber", "phoneNumber": {"value": "+14255550123"}})).unwrap();
        assert_eq!(full.raw_id().as_str(), "4:+14255550123");
        let e = read(&json!("8:orgid:x")).unwrap_err();
        assert!(e.message.contains("teamsUserId"), "{e}");
    }

    #[test]
    fn a_misspelt_member_lists_what_fits_the_object() {
        // No `kind`, no typed member: a shortcut was meant, so those come first.
        let e = read(&json!({"teamsUserld": DANA})).unwrap_err();
        assert_eq!(e.field, "teamsUserld");
        assert_eq!(
            e.message,
            "is not a member here (known: teamsUserId, phoneNumber, acsUserId, rawId, kind, communicationUser, \
             microsoftTeamsUser, microsoftTeamsApp, teamsExtensionUser)"
        );
        // A full identifier: its own members.
        let e = read(&json!({"kind": "microsoftTeamsUser", "microsoftTeamsUser": {"userId": DANA}, "extra": 1}))
            .unwrap_err();
        assert_eq!(
            e.message,
            "is not a member here (known: kind, rawId, communicationUser, phoneNumber, microsoftTeamsUser, \
             microsoftTeamsApp, teamsExtensionUser)"
        );
    }
}
