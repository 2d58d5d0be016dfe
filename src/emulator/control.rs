//! The control API under `/control/`: inspect and change the simulated world, start inbound
//! calls, read the log, set faults, move the clock; and Microsoft Graph presence in the shape of
//! `getPresencesByUserId`.

use serde::Deserialize;
use serde_json::{json, Value};

use super::config::{Behavior, Presence, TeamsClient};
use super::{calls, Emulator, LogEntry, Request, Response};

fn body<T: for<'de> Deserialize<'de>>(req: &Request) -> Result<T, Response> {
    let text = std::str::from_utf8(&req.body).unwrap_or("");
    let text = if text.trim().is_empty() { "{}" } else { text };
    crate::json_path::from_text(text).map_err(|e| Response::bad_field("BadRequest", &e.field, &e.to_string()))
}

/// `POST /control/inbound`. Unknown members are refused: a misspelt `to` would otherwise send
/// the call to the default number without a word.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Inbound {
    from: String,
    to: Option<String>,
    #[serde(default)]
    caller_display_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TeamsPatch {
    presence: Option<Presence>,
    licensed: Option<bool>,
    tenant_consent: Option<bool>,
    client: Option<TeamsClient>,
    behavior: Option<Behavior>,
    cloud: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Leave {
    raw_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamsRecording {
    state: crate::model::RecordingState,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Clock {
    advance_ms: i64,
}

#[derive(Deserialize)]
struct Presences {
    ids: Vec<String>,
}

/// `POST /control/inbound`, its numbers checked as ACS would: E.164, and `to` one the
/// resource owns (ACS routes no other call to it).
fn inbound(emu: &mut Emulator, b: &Inbound) -> Response {
    for (field, number) in [("from", Some(&b.from)), ("to", b.to.as_ref())] {
        let Some(number) = number else { continue };
        if let Err(e) = crate::CommunicationIdentifier::phone_number(number).validate_target() {
            let why = e.message.replace("phoneNumber.value: ", "");
            return Response::bad_field("BadRequest", field, &format!("{field}: {why}"));
        }
    }
    let owned = &emu.world.resource.phone_numbers;
    if let Some(to) = b.to.as_ref().filter(|to| !owned.contains(to)) {
        let message = format!("to: {to} is not a number of this resource (it owns {})", owned.join(", "));
        return Response::bad_field("BadRequest", "to", &message);
    }
    // A customer of the world calls with their name (as caller id naming gives it); anyone else
    // with what the request says, often nothing, as on the PSTN.
    let known = emu.world.customers.iter().find(|c| c.phone == b.from).map(|c| c.name.clone());
    let name = if b.caller_display_name.is_empty() { known.unwrap_or_default() } else { b.caller_display_name.clone() };
    calls::inbound(emu, &b.from, b.to.as_deref(), &name)
}

/// The ground truth of every call (what tests and the chaos run compare against).
fn calls_view(emu: &Emulator) -> Value {
    let calls: Vec<Value> = emu
        .calls
        .values()
        .map(|c| {
            let recording = c.recording.as_ref().and_then(|r| emu.recordings.get(r));
            json!({
                "callConnectionId": c.id,
                "serverCallId": c.server_call_id,
                "correlationId": c.correlation_id,
                "state": c.state,
                "ended": c.ended,
                "participants": c.legs.iter().map(|l| json!({"rawId": l.id.raw_id(), "isMuted": l.muted, "isOnHold": l.on_hold})).collect::<Vec<_>>(),
                "ringing": c.invites.iter().map(|i| i.target.raw_id().to_string()).collect::<Vec<_>>(),
                "recording": recording.filter(|r| !r.stopped).map(|r| json!({"recordingId": r.id, "state": r.state})),
            })
        })
        .collect();
    Value::Array(calls)
}

fn world_view(emu: &Emulator) -> Value {
    let w = &emu.world;
    json!({
        "connectionString": emu.connection_string(),
        "resource": {"endpoint": format!("{}/", emu.origin), "immutableResourceId": w.resource.immutable_resource_id, "phoneNumbers": w.resource.phone_numbers, "botId": w.resource.bot_id},
        "eventGrid": w.event_grid,
        "eventGridValidated": emu.event_grid.validated,
        "customers": w.customers,
        "agents": w.agents,
        "teams": w.teams,
        "sightings": emu.sightings,
        "faults": w.faults,
        "faultCounts": emu.dice.counts,
        "now": emu.now,
    })
}

fn person_leaves(emu: &mut Emulator, call_id: &str, raw_id: &str) -> Response {
    let Some(call) = emu.calls.get(call_id).filter(|c| !c.ended) else { return super::calls::not_found() };
    let id = crate::CommunicationIdentifier::from_raw_id(raw_id);
    if call.leg(&id).is_none() {
        return Response::bad_field("BadRequest", "rawId", &format!("rawId: {raw_id} is not in call {call_id}"));
    }
    let now = emu.now;
    super::calls::leave(emu, call_id, raw_id, now);
    Response::json(200, &json!({"left": raw_id}))
}

/// `/control/...` requests.
pub(super) fn handle(emu: &mut Emulator, req: &Request, rest: &str) -> Response {
    let (path, _) = rest.split_once('?').unwrap_or((rest, ""));
    let res = match (req.method.as_str(), path) {
        ("GET", "world") => Response::json(200, &world_view(emu)),
        ("GET", "calls") => Response::json(200, &calls_view(emu)),
        ("GET", "log") => {
            let since = match super::router::query(&req.path, "since").map(|s| s.parse::<u64>()) {
                None => 0,
                Some(Ok(n)) => n,
                Some(Err(_)) => {
                    return Response::bad_field("BadRequest", "since", "since: must be a log sequence number")
                }
            };
            let entries: Vec<&LogEntry> = emu.log.iter().filter(|e| e.seq > since).collect();
            return Response::json(200, &json!({"entries": entries, "next": emu.log.len()}));
        }
        ("POST", "inbound") => match body::<Inbound>(req) {
            Ok(b) => inbound(emu, &b),
            Err(r) => r,
        },
        ("PUT", "faults") => match body::<super::faults::Faults>(req) {
            Ok(f) => match f.check() {
                Err(e) => Response::bad_field("BadRequest", &e.field, &e.to_string()),
                Ok(()) => {
                    emu.world.faults = f;
                    Response::json(200, &json!({"faults": emu.world.faults}))
                }
            },
            Err(r) => r,
        },
        ("POST", "clock") => match body::<Clock>(req) {
            Ok(c) if c.advance_ms >= 0 => {
                emu.clock_offset += c.advance_ms;
                emu.now += c.advance_ms;
                Response::json(200, &json!({"now": emu.now}))
            }
            Ok(_) => Response::bad_field("BadRequest", "advanceMs", "advanceMs: must not be negative"),
            Err(r) => r,
        },
        ("GET", "eventgrid/validate") => {
            let code = super::router::query(&req.path, "code").unwrap_or("");
            if Some(code) == emu.event_grid.validation_code.as_deref() {
                emu.validate_event_grid();
                Response::json(200, &json!({"validated": true}))
            } else {
                Response::bad_field("BadRequest", "code", "code: does not match the validation code")
            }
        }
        ("POST", p) if p.starts_with("calls/") && p.ends_with("/teamsRecording") => {
            let call = p.trim_start_matches("calls/").trim_end_matches("/teamsRecording");
            match body::<TeamsRecording>(req).map(|b| b.state) {
                Ok(crate::model::RecordingState::Active) => super::recording::teams_recording(emu, call, true),
                Ok(crate::model::RecordingState::Inactive) => super::recording::teams_recording(emu, call, false),
                Ok(_) => Response::bad_field("BadRequest", "state", "state: must be active or inactive"),
                Err(r) => r,
            }
        }
        ("POST", p) if p.starts_with("calls/") && p.ends_with("/leave") => {
            // Someone in the call hangs up: the customer (their phone number's raw id), an
            // agent or a Teams user — what a person does, which no REST operation can.
            let call = p.trim_start_matches("calls/").trim_end_matches("/leave");
            match body::<Leave>(req) {
                Ok(b) => person_leaves(emu, call, &b.raw_id),
                Err(r) => r,
            }
        }
        ("PATCH", p) if p.starts_with("teams/") => {
            let oid = p.trim_start_matches("teams/");
            let patch =
                body::<TeamsPatch>(req).and_then(|p| match p.cloud.as_deref().map(crate::ids::TeamsCloud::parse) {
                    Some(Err(e)) => Err(Response::bad_field("BadRequest", &e.field, &e.to_string())),
                    _ => Ok(p),
                });
            match patch {
                Ok(patch) => match emu.world.teams.iter_mut().find(|t| t.object_id.eq_ignore_ascii_case(oid)) {
                    Some(t) => {
                        if let Some(v) = patch.presence {
                            t.presence = v;
                        }
                        if let Some(v) = patch.licensed {
                            t.licensed = v;
                        }
                        if let Some(v) = patch.tenant_consent {
                            t.tenant_consent = v;
                        }
                        if let Some(v) = patch.client {
                            t.client = v;
                        }
                        if let Some(v) = patch.behavior {
                            t.behavior = v;
                        }
                        if let Some(v) = patch.cloud {
                            t.cloud = v.to_ascii_lowercase();
                        }
                        Response::json(200, &serde_json::to_value(&*t).unwrap_or(Value::Null))
                    }
                    None => Response::error(404, "NotFound", &format!("no Teams user {oid} in the directory")),
                },
                Err(r) => r,
            }
        }
        _ => Response::error(404, "NotFound", &format!("no control route {} /control/{path}", req.method)),
    };
    if req.method != "GET" {
        let body = std::str::from_utf8(&req.body).ok().and_then(super::log::raw);
        emu.push_log(LogEntry {
            kind: "control",
            method: Some(req.method.clone()),
            path: Some(req.path.clone()),
            status: Some(res.status),
            body,
            ..LogEntry::default()
        });
    }
    res
}

/// The identity platform's token endpoint (`POST /{tenantId}/oauth2/v2.0/token`), client
/// credentials only: a Graph token good for an hour, for a known app (any app when the world
/// lists none). Errors in its shape (`error`, `error_description` with an AADSTS code).
pub(super) fn entra_token(emu: &mut Emulator, req: &Request) -> Response {
    // A form body reads as a query does (`+` a space, %XX escapes).
    let form = format!("?{}", String::from_utf8_lossy(&req.body));
    let form = crate::api::RequestUrl::parse(&form);
    let get = |k: &str| form.query(k);
    let refuse = |status: u16, error: &str, description: &str| {
        Response::json(status, &json!({"error": error, "error_description": description}))
    };
    if get("grant_type").as_deref() != Some("client_credentials") {
        return refuse(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.");
    }
    let (Some(client_id), Some(secret)) = (get("client_id"), get("client_secret")) else {
        return refuse(
            400,
            "invalid_request",
            "AADSTS900144: The request body must contain client_id and client_secret.",
        );
    };
    if !get("scope").is_some_and(|s| s.ends_with("/.default")) {
        return refuse(
            400,
            "invalid_scope",
            "AADSTS1002012: The scope must end with /.default for client credentials.",
        );
    }
    let apps = &emu.world.entra_apps;
    if !apps.is_empty() && !apps.iter().any(|a| a.client_id == client_id && a.client_secret == secret) {
        return refuse(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
    }
    let token = format!("emu-graph-{}", emu.rng.uuid());
    emu.graph_tokens.push((token.clone(), emu.now + 3_599_000));
    Response::json(
        200,
        &json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}),
    )
}

/// Microsoft Graph `POST /v1.0/communications/getPresencesByUserId`. A request with a bearer
/// token needs one the emulated identity platform issued and has not expired (401
/// InvalidAuthenticationToken otherwise); one without is served (local runs need no app). A
/// Teams user in a call shows Busy / InACall.
pub(super) fn presences(emu: &mut Emulator, req: &Request) -> Response {
    if let Some(auth) = req.header("authorization") {
        let now = emu.now;
        let known =
            auth.strip_prefix("Bearer ").is_some_and(|t| emu.graph_tokens.iter().any(|(k, exp)| k == t && now < *exp));
        if !known {
            return Response::json(
                401,
                &json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token validation failure. Invalid audience or expired token."}}),
            );
        }
    }
    if let Some(status) = emu.world.faults.graph.status {
        let code = if status < 500 { "InvalidAuthenticationToken" } else { "ServiceNotAvailable" };
        return Response::json(
            status,
            &json!({"error": {"code": code, "message": "Injected by /control/faults (graph.status)."}}),
        );
    }
    let ids = match body::<Presences>(req) {
        Ok(p) => p.ids,
        Err(r) => return r,
    };
    let value: Vec<Value> = ids
        .iter()
        .map(|id| {
            let p = emu.world.teams.iter().find(|t| t.object_id.eq_ignore_ascii_case(id)).map(|t| t.presence);
            // As Teams does: whoever is in a call shows Busy / InACall, whatever they set.
            let raw = crate::RawId::new(format!("8:orgid:{}", id.to_ascii_lowercase())).ok();
            let in_call = raw.is_some_and(|r| {
                emu.calls.values().any(|c| c.legs.iter().any(|l| l.id.raw_id().same_participant(&r)))
            });
            let p = if in_call && p.is_some() { Some(Presence::Busy) } else { p };
            let (availability, activity) = match p {
                Some(Presence::Available) => ("Available", "Available"),
                Some(Presence::Busy) => ("Busy", "InACall"),
                Some(Presence::DoNotDisturb) => ("DoNotDisturb", "Presenting"),
                Some(Presence::Away) => ("Away", "Away"),
                Some(Presence::Offline) => ("Offline", "OffWork"),
                None => ("PresenceUnknown", "PresenceUnknown"),
            };
            json!({"@odata.type": "#microsoft.graph.presence", "id": id, "availability": availability, "activity": activity})
        })
        .collect();
    Response::json(
        200,
        &json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.presence)", "value": value}),
    )
}
