//! The OpenAPI 3.1 document of the Worker, generated from [`ROUTES`] and the component schemas
//! below, so a route cannot exist undocumented (the tests walk both ways). The Worker serves the
//! generated text (`openapi.json`, checked in) rather than building it per request (building it
//! took 55 KB of wasm; the build copies it into the static assets). A test regenerates it and
//! fails when the file is stale
//! (`UPDATE_OPENAPI=1 cargo test openapi` rewrites it).

use serde_json::{json, Map, Value};

use super::routes::{Auth, ROUTES};

/// The server URL in the checked-in document, replaced by the Worker's origin when served.
pub const SERVER_PLACEHOLDER: &str = "https://switchboard.invalid";

/// The generated document, as checked in (the Worker serves it from its static assets, where
/// the build puts it: embedded, it cost the bundle 6 KB gzip).
#[cfg(test)]
pub const DOCUMENT: &str = include_str!("openapi.json");

/// `document` (the checked-in text) naming `server` (the Worker's origin).
pub fn served(document: &str, server: &str) -> String {
    let quoted = serde_json::to_string(server).unwrap_or_else(|_| "\"\"".into());
    document.replacen(&format!("\"{SERVER_PLACEHOLDER}\""), &quoted, 1)
}

/// Generates the document. `server` is the Worker's origin.
pub fn document(server: &str) -> Value {
    let mut paths = Map::new();
    for d in ROUTES {
        let mut op = json!({
            "operationId": d.operation_id,
            "summary": d.summary,
            "responses": responses(d.status, d.response, d.auth),
        });
        let mut params: Vec<Value> = Vec::new();
        for (name, what) in [
            ("tenant", "Tenant id from the Worker's configuration."),
            ("callId", "Switchboard's call id (not ACS's callConnectionId)."),
            ("rawId", "A participant's raw id, percent-encoded (4%3A%2B14255550123)."),
        ] {
            if d.path.contains(&format!("{{{name}}}")) {
                params.push(json!({"name": name, "in": "path", "required": true, "description": what, "schema": {"type": "string"}}));
            }
        }
        if d.operation_id == "eventGridWebhook" {
            params.push(json!({"name": "tenant", "in": "query", "required": true, "schema": {"type": "string"}}));
            params.push(json!({"name": "key", "in": "query", "required": true, "description": "The tenant's eventGridKey.", "schema": {"type": "string"}}));
        }
        if d.operation_id == "listExperts" {
            params.push(json!({"name": "available", "in": "query", "required": false, "description": "Only experts whose presence is Available.", "schema": {"type": "boolean"}}));
        }
        if d.operation_id == "watchQueue" {
            params.push(json!({"name": "ready", "in": "query", "required": false, "description": "Take queue calls while the socket is open (the agent is signed in to the queue).", "schema": {"type": "boolean"}}));
        }
        if matches!(d.operation_id, "watchCall" | "watchQueue") {
            params.push(json!({"name": "access_token", "in": "query", "required": false, "description": "The agent token (browsers cannot set headers on a WebSocket).", "schema": {"type": "string"}}));
        }
        if d.operation_id == "runChecks" {
            op["responses"]["503"] = json!({"description": "A check failed (or the Worker is misconfigured: then an Error).", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Checks"}, {"$ref": "#/components/schemas/Error"}]}}}});
        }
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(req) = d.request {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{req}")}}}});
        }
        op["security"] = match d.auth {
            Auth::Agent => json!([{"agentToken": []}]),
            Auth::AcsCallback => json!([{"acsCallbackJwt": []}]),
            Auth::Public | Auth::EventGrid => json!([]),
        };
        let entry = paths.entry(d.path.to_owned()).or_insert_with(|| json!({}));
        entry[d.method.to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Switchboard",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Call control for Azure Communication Services Call Automation with Microsoft Teams interop: ACS's webhook handler and the agent console's API.",
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "agentToken": {"type": "http", "scheme": "bearer", "description": "An agent token of the tenant."},
                "acsCallbackJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "ACS's RS256 callback token; audience the ACS resource id."},
            },
            "schemas": schemas(),
        },
    })
}

fn responses(status: u16, schema: Option<&str>, auth: Auth) -> Value {
    let mut r = Map::new();
    let ok = match schema {
        Some(s) => {
            json!({"description": "Success.", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{s}")}}}})
        }
        None => json!({"description": if status == 101 { "Switching protocols." } else { "Success." }}),
    };
    r.insert(status.to_string(), ok);
    let error = |what: &str| json!({"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    r.insert("400".into(), error("Bad input; `field` names it."));
    if auth != Auth::Public {
        r.insert("401".into(), error("Missing or bad credentials."));
        r.insert("404".into(), error("No such call for this tenant."));
    }
    if auth == Auth::Agent {
        r.insert(
            "409".into(),
            error("Refused by a capability rule (`detail.rule`) or by ACS; nothing was sent or done."),
        );
        r.insert("502".into(), error("ACS failed or throttled (after retries); `detail.acs` has its answer, `detail.stillTrying` the operations of the command's workflow Switchboard keeps sending for up to a minute (a consultation's invitation after its recording failed)."));
    }
    r.insert("405".into(), error("Another method; the `Allow` header lists this path's."));
    if status == 101 {
        r.insert("426".into(), error("Not a WebSocket upgrade."));
    }
    if auth == Auth::Agent {
        r.insert("429".into(), error("Too many requests from this agent, or too many unknown agent tokens from this address; `Retry-After` says when to try again."));
        r.insert("503".into(), error("Misconfigured (`misconfigured`: e.g. PUBLIC_ORIGIN unset against real ACS)."));
    }
    r.insert("413".into(), error("Body over 1 MiB."));
    Value::Object(r)
}

fn schemas() -> Value {
    let s = |t: &str| json!({"type": t});
    let target = json!({
        "description": "A participant: a shortcut or a full CommunicationIdentifier.",
        "oneOf": [
            {"type": "object", "required": ["teamsUserId"], "properties": {"teamsUserId": {"type": "string", "format": "uuid", "description": "Entra object id."}, "cloud": {"enum": ["public", "dod", "gcch"]}}},
            {"type": "object", "required": ["phoneNumber"], "properties": {"phoneNumber": {"type": "string", "description": "E.164."}}},
            {"type": "object", "required": ["acsUserId"], "properties": {"acsUserId": s("string")}},
            {"$ref": "#/components/schemas/CommunicationIdentifier"},
        ],
    });
    let ctx = json!({"type": "string", "description": "Echoed in the events of this command; generated when absent."});
    let invite = |extra: Value| {
        let mut p = json!({
            "sourceDisplayName": {"type": "string", "description": "Shown to Teams desktop and web callees instead of the caller id."},
            "invitationTimeoutInSeconds": {"type": "integer", "minimum": 1, "maximum": 180},
            "operationContext": ctx,
        });
        if let (Some(p), Some(e)) = (p.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        p
    };
    // Apart: one json! of every schema would pass the macro's recursion limit.
    let call_list = json!({"type": "object", "required": ["calls"], "properties": {"calls": {"type": "array", "items": {"type": "object", "properties": {"callId": s("string"), "createdAt": s("integer"), "direction": s("string"), "connectionState": s("string"), "updatedAt": s("integer"), "counterpart": s("string"), "participantsConnected": s("integer"), "ended": s("boolean"), "callConnectionId": {"type": "string", "description": "ACS's id of the call connection, once known."}, "correlationId": {"type": "string", "description": "ACS's correlation id (Azure Monitor logs, support requests), once known."}}}}}});
    let queue_view = json!({"type": "object", "required": ["calls", "knowledgeWorkers", "agents", "stats"], "description": "The tenant queue: each call with `status` in plain words, its offers (who, how, outcome), each knowledge worker's presence and what they do for the queue, agents signed in, totals.", "properties": {"at": s("integer"), "waiting": s("integer"), "calls": {"type": "array", "items": {"type": "object", "properties": {"callId": s("string"), "caller": s("string"), "stage": s("string"), "waitedSeconds": s("integer"), "status": s("string"), "offers": {"type": "array", "items": s("object")}, "outcome": {}}}}, "knowledgeWorkers": {"type": "array", "items": s("object")}, "agents": {"type": "array", "items": s("object")}, "stats": s("object"), "presence": {"type": "object", "description": "Whether Teams presence (Graph) can be read; `words` when it cannot, saying what that means for offers.", "properties": {"failing": s("boolean"), "words": {"type": ["string", "null"]}}}, "policy": s("object")}});
    json!({
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": s("string"), "message": s("string"), "field": s("string"), "detail": {}}}}},
        "Health": {"type": "object", "required": ["ok"], "properties": {"ok": s("boolean"), "version": s("string"), "acsMode": s("string")}},
        "Checks": {"type": "object", "required": ["ok", "checks"], "properties": {"ok": s("boolean"), "checks": {"type": "array", "items": {"type": "object", "required": ["name", "ok", "message"], "properties": {"name": {"enum": ["acs", "callbackKeys", "graph"]}, "ok": s("boolean"), "status": {"type": ["integer", "null"], "description": "The HTTP status seen (0: no answer; null: not asked)."}, "message": s("string")}}}}},
        "CommunicationIdentifier": {"type": "object", "properties": {"kind": s("string"), "rawId": s("string"), "communicationUser": s("object"), "phoneNumber": s("object"), "microsoftTeamsUser": s("object"), "microsoftTeamsApp": s("object"), "teamsExtensionUser": s("object")}},
        "Target": target,
        "EventGridBody": {"description": "Event Grid events (array or single; Event Grid or CloudEvents schema).", "oneOf": [s("array"), s("object")]},
        "EventGridReply": {"type": "object", "properties": {"validationResponse": s("string"), "calls": {"type": "array", "items": {"type": "object", "properties": {"callId": s("string"), "route": s("string")}}}}},
        "CallbackBody": {"description": "CloudEvents array from ACS (a single event object is read as a one-event array).", "oneOf": [s("array"), s("object")]},
        "CallbackReply": {"type": "object", "properties": {"applied": s("integer"), "duplicates": s("integer")}},
        "CreateCall": {"type": "object", "required": ["targets"], "properties": invite(json!({"targets": {"type": "array", "minItems": 1, "maxItems": 10, "items": {"$ref": "#/components/schemas/Target"}}, "sourceCallerIdNumber": {"type": "string", "description": "E.164 number of the resource (PSTN targets)."}}))},
        "AddParticipants": {"type": "object", "properties": invite(json!({"participants": {"type": "array", "minItems": 1, "maxItems": 10, "items": {"$ref": "#/components/schemas/Target"}}, "participant": {"$ref": "#/components/schemas/Target"}, "sourceCallerIdNumber": s("string")}))},
        "CancelAdd": {"type": "object", "properties": {"invitationId": s("string"), "participant": {"$ref": "#/components/schemas/Target"}, "operationContext": ctx}},
        "StartConsultation": {"type": "object", "required": ["expert"], "properties": invite(json!({"expert": {"description": "Entra object id, or a Teams-user target.", "oneOf": [{"type": "string", "format": "uuid"}, {"$ref": "#/components/schemas/Target"}]}, "greetingUrl": {"type": "string", "description": "Played to the expert when they join."}, "record": {"type": "boolean", "description": "Record the consultation (started before the expert is invited, so it can be stopped)."}}))},
        "Redirect": {"type": "object", "required": ["target"], "properties": {"target": {"$ref": "#/components/schemas/Target"}}},
        "Reject": {"type": "object", "properties": {"reason": {"enum": ["none", "busy", "forbidden"]}}},
        "Play": {"type": "object", "properties": {"fileUrl": s("string"), "fileUrls": {"type": "array", "items": s("string")}, "playTo": {"type": "array", "items": {"$ref": "#/components/schemas/Target"}}, "loop": s("boolean"), "operationContext": ctx}},
        "Transfer": {"type": "object", "required": ["target"], "properties": {"target": {"$ref": "#/components/schemas/Target"}, "transferee": {"$ref": "#/components/schemas/Target"}, "operationContext": ctx}},
        "StartRecording": {"type": "object", "properties": {"recordingContentType": {"enum": ["audio", "audioVideo"]}, "recordingChannelType": {"enum": ["mixed", "unmixed"]}, "recordingFormatType": {"enum": ["wav", "mp3", "mp4"]}, "operationContext": ctx}},
        "CommandResult": {"type": "object", "required": ["callId"], "properties": {"callId": s("string"), "operation": s("string"), "operationContext": {"type": ["string", "null"], "description": "The command's context (given or generated); null for answer, redirect, reject and hang-up, which report nothing back under one."}, "acs": {"type": "object", "description": "ACS's answer: status and body.", "properties": {"status": s("integer"), "body": {}}}, "sent": {"type": "array", "description": "Every ACS operation the command sent.", "items": s("object")}, "snapshot": {"$ref": "#/components/schemas/CallView"}}},
        "CallView": {"type": "object", "description": "CallState.snapshot(): connection, participants with join/leave history, recording, pending operations, last error; plus the call's consultations.", "properties": {"callId": s("string"), "tenant": s("string"), "connectionState": {"type": ["string", "null"], "description": "ACS's state; null until ACS reports one (the call is offered or connecting)."}, "ending": {"type": "string", "description": "hangupCall or terminateCall was sent and not refused: the call is being left or ended (absent otherwise)."}, "participants": s("array"), "recording": {}, "teamsRecording": {"description": "A recording a Teams client or compliance policy runs (absent when none): shown, not this app's to pause or stop."}, "consultations": s("array")}},
        "CallList": call_list,
        "CallLog": {"type": "object", "required": ["entries"], "properties": {"entries": {"type": "array", "items": {"type": "object", "properties": {"seq": s("integer"), "at": s("integer"), "kind": s("string")}}}}},
        "ParticipantList": {"type": "object", "required": ["value"], "properties": {"value": {"type": "array", "items": {"$ref": "#/components/schemas/Participant"}}}},
        "Participant": {"type": "object", "properties": {"identifier": {"$ref": "#/components/schemas/CommunicationIdentifier"}, "isMuted": s("boolean"), "isOnHold": s("boolean")}},
        "Me": {"type": "object", "required": ["tenant", "agent"], "properties": {"tenant": s("string"), "agent": {"type": "object", "properties": {"id": s("string"), "name": s("string"), "acsUserId": s("string")}}}},
        "QueueView": queue_view,
        "ExpertList": {"type": "object", "required": ["experts"], "properties": {"experts": {"type": "array", "items": {"type": "object", "properties": {"objectId": s("string"), "displayName": s("string"), "availability": s("string"), "activity": s("string"), "rawId": s("string")}}}}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_document_is_the_generated_one() {
        // Compact: it is served as is, and every byte is in the Worker's bundle.
        let fresh = serde_json::to_string(&document(SERVER_PLACEHOLDER)).unwrap() + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api/openapi.json"), &fresh).unwrap();
            return;
        }
        assert!(DOCUMENT == fresh, "src/api/openapi.json is stale: run UPDATE_OPENAPI=1 cargo test openapi");
        let served: Value = serde_json::from_str(&served(DOCUMENT, "http://127.0.0.1:8787")).unwrap();
        assert_eq!(served["servers"][0]["url"], "http://127.0.0.1:8787");
    }

    #[test]
    fn every_route_is_documented_and_every_reference_resolves() {
        let doc = document("https://switchboard.example");
        let paths = doc["paths"].as_object().unwrap();
        for d in ROUTES {
            let op = &paths[d.path][d.method.to_ascii_lowercase()];
            assert_eq!(op["operationId"], d.operation_id);
        }
        let count: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(count, ROUTES.len());
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            assert!(schemas.contains_key(&name), "missing schema {name}");
        }
    }
}
