//! The Worker's routes: one table ([`ROUTES`]) that the router, the OpenAPI document and the
//! tests all read, and [`Route::parse`] from method and path to a typed route.

use super::error::ApiError;
use crate::RawId;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Anyone (health, the API document).
    Public,
    /// An agent of the tenant: `Authorization: Bearer <agent token>`.
    Agent,
    /// ACS: a callback JWT signed by ACS for the tenant's resource.
    AcsCallback,
    /// Event Grid: the tenant's key in the webhook URL (`?tenant=…&key=…`).
    EventGrid,
}

/// One documented route.
#[derive(Clone, Copy, Debug)]
pub struct RouteDoc {
    /// HTTP method.
    pub method: &'static str,
    /// Path template (OpenAPI style: `/api/calls/{callId}`).
    pub path: &'static str,
    /// OpenAPI operationId, also [`Route::operation_id`].
    pub operation_id: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Who may call it.
    pub auth: Auth,
    /// Request body schema (a component name), if it takes one.
    pub request: Option<&'static str>,
    /// Success status.
    pub status: u16,
    /// Success body schema (a component name); `None` for an empty body or an upgrade.
    pub response: Option<&'static str>,
}

// A table row: positional arguments keep each entry of the table on a few readable lines.
#[allow(clippy::too_many_arguments)]
const fn doc(
    method: &'static str,
    path: &'static str,
    operation_id: &'static str,
    summary: &'static str,
    auth: Auth,
    request: Option<&'static str>,
    status: u16,
    response: Option<&'static str>,
) -> RouteDoc {
    RouteDoc { method, path, operation_id, summary, auth, request, status, response }
}

use Auth::{AcsCallback, Agent, EventGrid, Public};

/// Every route of the Worker.
pub static ROUTES: &[RouteDoc] = &[
    doc("GET", "/api/health", "health", "Liveness.", Public, None, 200, Some("Health")),
    doc("GET", "/api/openapi.json", "openApi", "This document.", Public, None, 200, None),
    doc(
        "GET",
        "/api/checks",
        "runChecks",
        "Probes what the agent's tenant depends on: ACS takes its access key, the callback-token keys load, Graph answers presence. 503 when one fails.",
        Agent,
        None,
        200,
        Some("Checks"),
    ),
    doc(
        "POST",
        "/api/events/incoming",
        "eventGridWebhook",
        "Event Grid webhook: the subscription validation handshake and IncomingCall (routed per tenant).",
        EventGrid,
        Some("EventGridBody"),
        200,
        Some("EventGridReply"),
    ),
    doc(
        "OPTIONS",
        "/api/events/incoming",
        "eventGridHandshake",
        "CloudEvents webhook abuse protection: allows the Event Grid origin.",
        Public,
        None,
        200,
        None,
    ),
    doc(
        "POST",
        "/api/callbacks/{tenant}/{callId}",
        "acsCallback",
        "ACS mid-call callbacks (CloudEvents), verified by their JWT.",
        AcsCallback,
        Some("CallbackBody"),
        200,
        Some("CallbackReply"),
    ),
    doc("GET", "/api/me", "whoAmI", "The agent a token belongs to, and their tenant.", Agent, None, 200, Some("Me")),
    doc(
        "GET",
        "/api/experts",
        "listExperts",
        "The tenant's Teams experts with presence.",
        Agent,
        None,
        200,
        Some("ExpertList"),
    ),
    doc(
        "GET",
        "/api/queue",
        "getQueue",
        "The tenant's queue (peak overflow): waiting calls, offers and outcomes, knowledge workers and agents.",
        Agent,
        None,
        200,
        Some("QueueView"),
    ),
    doc(
        "GET",
        "/api/queue/events",
        "watchQueue",
        "WebSocket of the queue view; with `?ready=true` the agent takes queue calls while it is open.",
        Agent,
        None,
        101,
        None,
    ),
    doc("GET", "/api/calls", "listCalls", "The tenant's calls, newest first.", Agent, None, 200, Some("CallList")),
    doc(
        "POST",
        "/api/calls",
        "createCall",
        "Outbound call (to a Teams user, a phone number or an ACS user).",
        Agent,
        Some("CreateCall"),
        201,
        Some("CommandResult"),
    ),
    doc("GET", "/api/calls/{callId}", "getCall", "The call's state snapshot.", Agent, None, 200, Some("CallView")),
    doc(
        "GET",
        "/api/calls/{callId}/log",
        "getCallLog",
        "Every event and command of the call.",
        Agent,
        None,
        200,
        Some("CallLog"),
    ),
    doc(
        "GET",
        "/api/calls/{callId}/events",
        "watchCall",
        "WebSocket: the call's events, state snapshots and consultation phases, live.",
        Agent,
        None,
        101,
        None,
    ),
    doc(
        "GET",
        "/api/calls/{callId}/participants",
        "listParticipants",
        "Participants as ACS lists them now.",
        Agent,
        None,
        200,
        Some("ParticipantList"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}/participants",
        "addParticipants",
        "Adds one or more participants (Teams users by object id, phone numbers, ACS users).",
        Agent,
        Some("AddParticipants"),
        202,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}/participants:cancel",
        "cancelAddParticipant",
        "Cancels a ringing invitation.",
        Agent,
        Some("CancelAdd"),
        202,
        Some("CommandResult"),
    ),
    doc(
        "GET",
        "/api/calls/{callId}/participants/{rawId}",
        "getParticipant",
        "One participant as ACS sees it now.",
        Agent,
        None,
        200,
        Some("Participant"),
    ),
    doc(
        "DELETE",
        "/api/calls/{callId}/participants/{rawId}",
        "removeParticipant",
        "Removes a participant.",
        Agent,
        None,
        202,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}/consultations",
        "startConsultation",
        "Asks a Teams expert to join (the expert-consultation workflow).",
        Agent,
        Some("StartConsultation"),
        202,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}:answer",
        "answerCall",
        "Answers an offered call.",
        Agent,
        None,
        200,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}:redirect",
        "redirectCall",
        "Redirects an offered (not yet answered) call.",
        Agent,
        Some("Redirect"),
        200,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}:reject",
        "rejectCall",
        "Rejects an offered call.",
        Agent,
        Some("Reject"),
        200,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}:play",
        "play",
        "Plays audio files to all or some.",
        Agent,
        Some("Play"),
        202,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}:transfer",
        "transfer",
        "Blind transfer of a 1:1 call.",
        Agent,
        Some("Transfer"),
        202,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}:hangup",
        "hangUp",
        "Leaves the call (the others stay).",
        Agent,
        None,
        200,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}:terminate",
        "terminateCall",
        "Ends the call for everyone.",
        Agent,
        None,
        200,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}/recording:start",
        "startRecording",
        "Starts recording.",
        Agent,
        Some("StartRecording"),
        200,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}/recording:pause",
        "pauseRecording",
        "Pauses recording.",
        Agent,
        None,
        202,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}/recording:resume",
        "resumeRecording",
        "Resumes recording.",
        Agent,
        None,
        202,
        Some("CommandResult"),
    ),
    doc(
        "POST",
        "/api/calls/{callId}/recording:stop",
        "stopRecording",
        "Stops recording (refused for a recording started after a Teams user joined: preview limit).",
        Agent,
        None,
        200,
        Some("CommandResult"),
    ),
];

/// A recording verb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordingVerb {
    /// `recording:start`.
    Start,
    /// `recording:pause`.
    Pause,
    /// `recording:resume`.
    Resume,
    /// `recording:stop`.
    Stop,
}

/// What is asked of one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallRoute {
    /// State snapshot.
    Get,
    /// Full event and command log.
    Log,
    /// WebSocket of live events.
    Events,
    /// Live participant list from ACS.
    ListParticipants,
    /// Add one or more.
    AddParticipants,
    /// Cancel a ringing invitation.
    CancelAdd,
    /// One participant from ACS.
    GetParticipant(RawId),
    /// Remove one.
    RemoveParticipant(RawId),
    /// The expert-consultation workflow.
    Consult,
    /// Answer an offer.
    Answer,
    /// Redirect an offer.
    Redirect,
    /// Reject an offer.
    Reject,
    /// Play audio.
    Play,
    /// Blind transfer.
    Transfer,
    /// Leave.
    Hangup,
    /// End for all.
    Terminate,
    /// Recording.
    Recording(RecordingVerb),
}

/// A parsed route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `GET /api/health`.
    Health,
    /// `GET /api/openapi.json`.
    OpenApi,
    /// `POST /api/events/incoming`.
    EventGrid,
    /// `OPTIONS /api/events/incoming`.
    EventGridHandshake,
    /// `POST /api/callbacks/{tenant}/{callId}`.
    Callback {
        /// Tenant id.
        tenant: String,
        /// Our call id.
        call_id: String,
    },
    /// `GET /api/checks`.
    Checks,
    /// `GET /api/me`.
    Me,
    /// `GET /api/experts`.
    Experts,
    /// `GET /api/queue`.
    Queue,
    /// `GET /api/queue/events`.
    QueueEvents,
    /// `GET /api/calls`.
    ListCalls,
    /// `POST /api/calls`.
    CreateCall,
    /// `/api/calls/{callId}...`.
    Call {
        /// Our call id.
        call_id: String,
        /// What is asked of it.
        op: CallRoute,
    },
}

impl Route {
    /// The route for `method` and `path` (no query): 404 for an unknown path, 405 naming the
    /// allowed methods for a known path with another method, 400 for a malformed id.
    pub fn parse(method: &str, path: &str) -> Result<Route, ApiError> {
        let found = match_path(path)?;
        let wanted: Vec<(&'static str, Route)> = found;
        if wanted.is_empty() {
            return Err(ApiError::not_found(format!("no route {method} {path}")));
        }
        let allowed: Vec<&str> = wanted.iter().map(|(m, _)| *m).collect();
        match wanted.into_iter().find(|(m, _)| m.eq_ignore_ascii_case(method)) {
            Some((_, route)) => Ok(route),
            None => Err(ApiError::new(
                405,
                "method_not_allowed",
                format!("{path} takes {}, not {method}", allowed.join(", ")),
            )
            .detail(serde_json::json!({ "allow": allowed }))),
        }
    }

    /// The OpenAPI operationId of this route (one [`ROUTES`] entry each).
    pub fn operation_id(&self) -> &'static str {
        match self {
            Route::Health => "health",
            Route::OpenApi => "openApi",
            Route::EventGrid => "eventGridWebhook",
            Route::EventGridHandshake => "eventGridHandshake",
            Route::Callback { .. } => "acsCallback",
            Route::Checks => "runChecks",
            Route::Me => "whoAmI",
            Route::Experts => "listExperts",
            Route::Queue => "getQueue",
            Route::QueueEvents => "watchQueue",
            Route::ListCalls => "listCalls",
            Route::CreateCall => "createCall",
            Route::Call { op, .. } => match op {
                CallRoute::Get => "getCall",
                CallRoute::Log => "getCallLog",
                CallRoute::Events => "watchCall",
                CallRoute::ListParticipants => "listParticipants",
                CallRoute::AddParticipants => "addParticipants",
                CallRoute::CancelAdd => "cancelAddParticipant",
                CallRoute::GetParticipant(_) => "getParticipant",
                CallRoute::RemoveParticipant(_) => "removeParticipant",
                CallRoute::Consult => "startConsultation",
                CallRoute::Answer => "answerCall",
                CallRoute::Redirect => "redirectCall",
                CallRoute::Reject => "rejectCall",
                CallRoute::Play => "play",
                CallRoute::Transfer => "transfer",
                CallRoute::Hangup => "hangUp",
                CallRoute::Terminate => "terminateCall",
                CallRoute::Recording(RecordingVerb::Start) => "startRecording",
                CallRoute::Recording(RecordingVerb::Pause) => "pauseRecording",
                CallRoute::Recording(RecordingVerb::Resume) => "resumeRecording",
                CallRoute::Recording(RecordingVerb::Stop) => "stopRecording",
            },
        }
    }

    /// The documentation entry of this route.
    pub fn doc(&self) -> &'static RouteDoc {
        let id = self.operation_id();
        // Every operation id has an entry: `every_route_is_documented` checks it.
        ROUTES.iter().find(|d| d.operation_id == id).unwrap_or(&ROUTES[0])
    }
}

/// Checks a call or tenant id: 1–64 of `[A-Za-z0-9_-]`.
pub fn check_id(field: &str, id: &str) -> Result<(), ApiError> {
    let ok =
        !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(400, "invalid_id", format!("{field} {id:?} is not an id (1-64 letters, digits, - or _)"))
            .field(field))
    }
}

/// A participant's raw id ACS could have: a Teams user or app by GUID, a phone number in E.164
/// (a malformed one would only come back 404 from ACS). Anonymous visitors, ACS users and kinds
/// this version does not know pass as they are.
fn participant_raw_id(raw: &RawId) -> Result<(), ApiError> {
    use crate::IdentifierKind as K;
    let id = crate::CommunicationIdentifier::from_raw_id(raw.as_str());
    let checked = match id.kind() {
        K::MicrosoftTeamsUser(u) if u.is_anonymous => Ok(()),
        K::MicrosoftTeamsUser(_) | K::MicrosoftTeamsApp(_) | K::PhoneNumber(_) => id.validate_target(),
        _ => Ok(()),
    };
    let too_long = raw.as_str().len() > 512;
    match checked {
        Ok(()) if !too_long => Ok(()),
        Ok(()) => Err(ApiError::new(400, "invalid_id", "rawId: is longer than 512 characters").field("rawId")),
        Err(e) => Err(ApiError::new(400, "invalid_id", format!("rawId: {}", e.message)).field("rawId")),
    }
}

/// Every (method, route) the path could mean.
fn match_path(path: &str) -> Result<Vec<(&'static str, Route)>, ApiError> {
    let rest = match path.strip_prefix("/api/") {
        // One spelling per resource: with a trailing slash it is another path (404), so that a
        // mistyped URL never runs a command.
        Some(r) if !r.ends_with('/') => r,
        _ => return Ok(Vec::new()),
    };
    let segs: Vec<&str> = rest.split('/').collect();
    Ok(match segs.as_slice() {
        ["health"] => vec![("GET", Route::Health)],
        ["openapi.json"] => vec![("GET", Route::OpenApi)],
        ["events", "incoming"] => vec![("POST", Route::EventGrid), ("OPTIONS", Route::EventGridHandshake)],
        ["callbacks", tenant, call_id] => {
            check_id("tenant", tenant)?;
            check_id("callId", call_id)?;
            vec![("POST", Route::Callback { tenant: (*tenant).to_owned(), call_id: (*call_id).to_owned() })]
        }
        ["checks"] => vec![("GET", Route::Checks)],
        ["me"] => vec![("GET", Route::Me)],
        ["experts"] => vec![("GET", Route::Experts)],
        ["queue"] => vec![("GET", Route::Queue)],
        ["queue", "events"] => vec![("GET", Route::QueueEvents)],
        ["calls"] => vec![("GET", Route::ListCalls), ("POST", Route::CreateCall)],
        ["calls", head, tail @ ..] => {
            let (call_id, verb) = head.split_once(':').map_or((*head, None), |(id, v)| (id, Some(v)));
            check_id("callId", call_id)?;
            let call = |op: CallRoute| Route::Call { call_id: call_id.to_owned(), op };
            match (verb, tail) {
                (None, []) => vec![("GET", call(CallRoute::Get))],
                (None, ["log"]) => vec![("GET", call(CallRoute::Log))],
                (None, ["events"]) => vec![("GET", call(CallRoute::Events))],
                (None, ["participants"]) => {
                    vec![("GET", call(CallRoute::ListParticipants)), ("POST", call(CallRoute::AddParticipants))]
                }
                (None, ["participants:cancel"]) => vec![("POST", call(CallRoute::CancelAdd))],
                (None, ["participants", raw]) => {
                    let raw = percent_decode(raw)
                        .and_then(|r| RawId::new(r).ok())
                        .ok_or_else(|| ApiError::new(400, "invalid_id", "rawId: is not a raw id").field("rawId"))?;
                    participant_raw_id(&raw)?;
                    vec![
                        ("GET", call(CallRoute::GetParticipant(raw.clone()))),
                        ("DELETE", call(CallRoute::RemoveParticipant(raw))),
                    ]
                }
                (None, ["consultations"]) => vec![("POST", call(CallRoute::Consult))],
                (None, [rec]) if rec.starts_with("recording:") => {
                    let verb = match &rec["recording:".len()..] {
                        "start" => RecordingVerb::Start,
                        "pause" => RecordingVerb::Pause,
                        "resume" => RecordingVerb::Resume,
                        "stop" => RecordingVerb::Stop,
                        _ => return Ok(Vec::new()),
                    };
                    vec![("POST", call(CallRoute::Recording(verb)))]
                }
                (Some(verb), []) => {
                    let op = match verb {
                        "answer" => CallRoute::Answer,
                        "redirect" => CallRoute::Redirect,
                        "reject" => CallRoute::Reject,
                        "play" => CallRoute::Play,
                        "transfer" => CallRoute::Transfer,
                        "hangup" => CallRoute::Hangup,
                        "terminate" => CallRoute::Terminate,
                        _ => return Ok(Vec::new()),
                    };
                    vec![("POST", call(op))]
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    })
}

/// Decodes `%XX` escapes (a raw id in a path: `4%3A%2B1425…`); None for a bad escape or non-UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(template: &str) -> String {
        template
            .replace("{tenant}", "contoso")
            .replace("{callId}", "c-1")
            .replace("{rawId}", "8%3Aorgid%3A8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b")
    }

    #[test]
    fn every_documented_route_parses_to_its_operation() {
        for d in ROUTES {
            let route =
                Route::parse(d.method, &sample(d.path)).unwrap_or_else(|e| panic!("{} {}: {e}", d.method, d.path));
            assert_eq!(route.operation_id(), d.operation_id, "{} {}", d.method, d.path);
            assert_eq!(route.doc().path, d.path);
        }
        let mut ids: Vec<&str> = ROUTES.iter().map(|d| d.operation_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ROUTES.len(), "operation ids are unique");
    }

    #[test]
    fn paths_and_ids_are_read_exactly() {
        let r = Route::parse("DELETE", "/api/calls/c-1/participants/4%3A%2B14255550123").unwrap();
        let raw = RawId::new("4:+14255550123").unwrap();
        assert_eq!(r, Route::Call { call_id: "c-1".into(), op: CallRoute::RemoveParticipant(raw) });
        let r = Route::parse("POST", "/api/calls/c-1:terminate").unwrap();
        assert_eq!(r, Route::Call { call_id: "c-1".into(), op: CallRoute::Terminate });
        // Every route finds its own document entry (a missing one fell back to the first).
        assert_eq!(Route::parse("GET", "/api/me").unwrap().doc().operation_id, "whoAmI");
        let r = Route::parse("post", "/api/callbacks/contoso/c-1").unwrap();
        assert_eq!(r, Route::Callback { tenant: "contoso".into(), call_id: "c-1".into() });
    }

    #[test]
    fn unknown_paths_are_404_and_wrong_methods_405() {
        assert_eq!(Route::parse("GET", "/api/nope").unwrap_err().status, 404);
        assert_eq!(Route::parse("GET", "/").unwrap_err().status, 404);
        assert_eq!(Route::parse("POST", "/api/calls/c-1:explode").unwrap_err().status, 404);
        assert_eq!(Route::parse("POST", "/api/calls/c-1/recording:rewind").unwrap_err().status, 404);
        // A trailing slash is another path: a mistyped URL runs nothing.
        for path in ["/api/calls/c-1:hangup/", "/api/calls/", "/api/calls/c-1/", "/api/health/", "/api/", "/api//calls"]
        {
            assert_eq!(Route::parse("POST", path).unwrap_err().status, 404, "{path}");
        }
        let e = Route::parse("PUT", "/api/calls").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (405, "method_not_allowed"));
        assert!(e.message.contains("GET, POST"), "{}", e.message);
        assert_eq!(e.detail, Some(serde_json::json!({"allow": ["GET", "POST"]})), "the Worker's Allow header");
        let e = Route::parse("GET", "/api/calls/bad%20id").unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (400, Some("callId")));
        let e = Route::parse("GET", "/api/calls/c-1/participants/%zz").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rawId"));
        // What ACS could not have is refused here, not sent to come back 404.
        let long = format!("8%3Aacs%3A{}", "x".repeat(600));
        for raw in ["8%3Aorgid%3Anot-a-guid", "4%3A%2Babc", &long] {
            let e = Route::parse("GET", &format!("/api/calls/c-1/participants/{raw}")).unwrap_err();
            assert_eq!((e.status, e.field.as_deref()), (400, Some("rawId")), "{raw}");
        }
        // An anonymous Teams visitor, an ACS user and a kind not known here pass as they are.
        for raw in ["8%3Ateamsvisitor%3Aabc", "8%3Aacs%3Ar_u", "99%3Afuture%3Ax"] {
            assert!(Route::parse("DELETE", &format!("/api/calls/c-1/participants/{raw}")).is_ok(), "{raw}");
        }
    }
}
