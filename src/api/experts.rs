//! Teams experts with their presence: the tenant's list merged with Microsoft Graph's
//! `getPresencesByUserId` answer (`{value: [{id, availability, activity}]}`).

use serde_json::{json, Value};

use crate::tenant::Expert;

/// The Graph `getPresencesByUserId` request body for these Entra object ids (experts, the
/// queue's knowledge workers).
pub fn presence_request(object_ids: &[&str]) -> String {
    json!({ "ids": object_ids }).to_string()
}

/// The experts with presence from `graph` (its answer body, or `None` when Graph could not be
/// asked). Unknown presence is `PresenceUnknown`; `available_only` keeps `Available` ones.
pub fn merge(experts: &[Expert], graph: Option<&str>, available_only: bool) -> Value {
    let presences: Vec<Value> = graph
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| v.get("value").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    let list: Vec<Value> = experts
        .iter()
        .map(|e| {
            let p = presences.iter().find(|p| {
                p.get("id").and_then(Value::as_str).is_some_and(|id| id.eq_ignore_ascii_case(e.object_id.as_str()))
            });
            let field = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_str).unwrap_or("PresenceUnknown");
            json!({
                "objectId": e.object_id.as_str(),
                "displayName": e.display_name,
                "skill": e.skill,
                "rawId": format!("8:orgid:{}", e.object_id.as_str()),
                "availability": field("availability"),
                "activity": field("activity"),
            })
        })
        .filter(|e| !available_only || e["availability"] == "Available")
        .collect();
    json!({ "experts": list, "presence": if graph.is_some() { "graph" } else { "unavailable" } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntraObjectId;

    fn expert(oid: &str, name: &str) -> Expert {
        Expert { object_id: EntraObjectId::parse(oid).unwrap(), display_name: name.into(), skill: None }
    }

    #[test]
    fn presence_is_merged_and_filtered() {
        let experts = [
            expert("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b", "Dana"),
            expert("2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f", "Robin"),
        ];
        assert_eq!(
            presence_request(&experts.iter().map(|e| e.object_id.as_str()).collect::<Vec<_>>()),
            r#"{"ids":["8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b","2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"]}"#
        );
        let graph = r#"{"value":[{"id":"8F4B6E2A-1C3D-4E5F-9A0B-1C2D3E4F5A6B","availability":"Available","activity":"Available"},{"id":"2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f","availability":"Busy","activity":"InACall"}]}"#;
        let all = merge(&experts, Some(graph), false);
        assert_eq!(all["experts"][1]["activity"], "InACall");
        assert_eq!(all["experts"][0]["rawId"], "8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b");
        let available = merge(&experts, Some(graph), true);
        assert_eq!(available["experts"].as_array().unwrap().len(), 1);
        let unknown = merge(&experts, None, false);
        assert_eq!(
            (unknown["presence"].as_str(), unknown["experts"][0]["availability"].as_str()),
            (Some("unavailable"), Some("PresenceUnknown"))
        );
        assert_eq!(merge(&experts, Some("<html>"), true)["experts"].as_array().unwrap().len(), 0);
    }
}
