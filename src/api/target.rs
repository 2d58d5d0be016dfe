//! Who an agent names in a request: the full `CommunicationIdentifier` JSON, or a shortcut a
//! console can fill in from a picker — `{"teamsUserId": "<Entra object id>"}`,
//! `{"phoneNumber": "+1425…"}`, `{"acsUserId": "8:acs:…"}` or `{"rawId": "8:orgid:…"}`.

use serde_json::{Map, Value};

use crate::{CommunicationIdentifier, FieldError, TeamsCloud};

/// Reads a target, validated as something ACS can call (GUIDs, E.164, non-empty ids).
pub fn read(v: &Value) -> Result<CommunicationIdentifier, FieldError> {
    let obj = v.as_object().ok_or_else(|| {
        FieldError::new("", "must be an object: {\"teamsUserId\"}, {\"phoneNumber\"}, {\"acsUserId\"} or an identifier")
    })?;
    let id = shortcut(obj)?.map_or_else(|| CommunicationIdentifier::from_json_object(obj), Ok)?;
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

fn shortcut(obj: &Map<String, Value>) -> Result<Option<CommunicationIdentifier>, FieldError> {
    let text = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(FieldError::new(k, "must be a string")),
    };
    if let Some(oid) = text("teamsUserId")? {
        let cloud = match text("cloud")? {
            None => TeamsCloud::Public,
            Some(c) => TeamsCloud::parse(c).map_err(|e| e.within("cloud"))?,
        };
        return CommunicationIdentifier::teams_user(oid, cloud)
            .map(Some)
            .map_err(|e| FieldError::new("teamsUserId", e.to_string()));
    }
    if let Some(p) = text("phoneNumber")?.filter(|_| !obj.contains_key("kind")) {
        return Ok(Some(CommunicationIdentifier::phone_number(p)));
    }
    if let Some(u) = text("acsUserId")? {
        return Ok(Some(CommunicationIdentifier::communication_user(u)));
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
        let e = read(&json!("8:orgid:x")).unwrap_err();
        assert!(e.message.contains("teamsUserId"), "{e}");
    }
}
