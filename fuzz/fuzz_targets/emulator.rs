//! ACS in a box (`src/emulator`), driven like a hostile app: a script of requests (built by the
//! core from the ACS examples with fuzzed ids and members, or put together by hand on real
//! emulator paths), control-API calls, clock jumps and virtual time passing, with callbacks
//! delivered, answered or failed and folded into `CallState`s.
//!
//! Input: a `Script` read by `arbitrary` — the world, up to `MAX_STEPS` steps — then a pool of
//! text pieces separated by 0x1E (bodies, ids, paths, params) the steps pick from. Ids the
//! emulator hands out (call connections, incoming-call contexts, recordings, invitations,
//! participants, validation codes) are remembered, so later steps can name real ones.
//!
//! Properties: no panic, no hang; every response has a valid status and a JSON (or empty) body;
//! every callback the emulator sends is one the crate's own parser reads; a callback JWT passes
//! the Worker's checks.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use switchboard::auth::jwt::{bearer, Expectations, UnverifiedToken};
use switchboard::auth::{sign_url, ConnectionString, HttpDate, Repeatability, SigningKey};
use switchboard::call::CallState;
use switchboard::emulator::{Delivery, DeliveryKind, Emulator, Request, WorldConfig, DEV_RESOURCE_ID};
use switchboard::events::parse_events;
use switchboard::ops::{self, HttpRequest, OperationMeta, RequestOptions, OPERATIONS};

const ORIGIN: &str = "http://127.0.0.1:8788";
const HOST: &str = "127.0.0.1:8788";
const WEBHOOK: &str = "http://127.0.0.1:8787/api/events/incoming";
const CALLBACK: &str = "http://127.0.0.1:8787/api/callbacks/contoso/c1";
/// 2025-04-01T12:00:00Z in Unix ms.
const T0: i64 = 1_743_508_800_000;
const MAX_STEPS: usize = 48;
const MAX_ROUNDS: usize = 64;
const MAX_DELIVERIES: usize = 4_000;
const MAX_KNOWN: usize = 16;
const MAX_CALL_STATES: usize = 8;
const MAX_POOL_PIECES: usize = 64;

/// Keys whose string values the script remembers from responses and callbacks.
const REMEMBERED: [&str; 8] = [
    "callConnectionId",
    "incomingCallContext",
    "rawId",
    "recordingId",
    "invitationId",
    "validationCode",
    "serverCallId",
    "operationContext",
];

/// People of the demo world (and some it does not know), by raw id.
const PEOPLE: [&str; 10] = [
    "4:+14255550123",
    "8:acs:5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f_a9e47c3b-6d52-4f0e-8c11-2b7f0d9e4a21",
    "8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b",
    "8:orgid:2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
    "8:orgid:0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e",
    "8:orgid:6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170",
    "8:orgid:00000000-0000-4000-8000-000000000000",
    "8:gcch:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b",
    "28:orgid:1e5e2a67-33c3-4c5a-9d6b-0b3c8f3a7d21",
    "4:+18005550100",
];
const TEAMS_USERS: [&str; 5] = [
    "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b",
    "2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
    "0b7a94d5-2a34-4c1e-9f3f-5d6a1b2c3d4e",
    "6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170",
    "00000000-0000-4000-8000-000000000000",
];
const PHONES: [&str; 4] = ["+14255550123", "+14255550199", "anonymous", "+18005550100"];
const API_VERSIONS: [&str; 5] = ["2025-05-15", "2024-09-01-preview", "2023-10-15", "2026-03-12", "2099-01-01"];
const CONTROL_PATHS: [&str; 9] = [
    "/control/world",
    "/control/calls",
    "/control/log?since=3",
    "/control/inbound",
    "/control/faults",
    "/control/clock",
    "/control/eventgrid/validate?code=x",
    "/control/teams/8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b",
    "/control/nothing",
];

/// Request parameters from the REST spec's examples (`parameters`, body flattened in), by
/// operation name: the same files the crate's golden tests read.
const EXAMPLES: [(&str, &str); 32] = {
    macro_rules! ex {
        ($name:literal, $file:literal) => {
            ($name, include_str!(concat!("../../tests/fixtures/acs-examples/", $file)))
        };
    }
    [
        ex!("createCall", "spec-2025-05-15/CreateCall.json"),
        ex!("answerCall", "spec-2025-05-15/AnswerCall.json"),
        ex!("redirectCall", "spec-2025-05-15/RedirectCall.json"),
        ex!("rejectCall", "spec-2025-05-15/RejectCall.json"),
        ex!("connect", "spec-2025-05-15/Connect.json"),
        ex!("getCall", "spec-2025-05-15/CallConnection_GetCall.json"),
        ex!("terminateCall", "spec-2025-05-15/CallConnection_TerminateCall.json"),
        ex!("transferToParticipant", "spec-2025-05-15/CallConnection_TransferToParticipant.json"),
        ex!("getParticipants", "spec-2025-05-15/CallConnection_GetParticipants.json"),
        ex!("getParticipant", "spec-2025-05-15/CallConnection_GetParticipant.json"),
        ex!("addParticipant", "spec-2025-05-15/CallConnection_AddParticipant.json"),
        ex!("removeParticipant", "spec-2025-05-15/CallConnection_RemoveParticipant.json"),
        ex!("muteParticipants", "spec-2025-05-15/CallConnection_Mute.json"),
        ex!("unmuteParticipants", "spec-2024-09-01-preview/CallConnection_Unmute.json"),
        ex!("cancelAddParticipant", "spec-2025-05-15/CallConnection_CancelAddParticipant.json"),
        ex!("play", "spec-2025-05-15/CallMedia_Play.json"),
        ex!("cancelAllMediaOperations", "spec-2025-05-15/CallMedia_CancelAllMediaOperations.json"),
        ex!("recognize", "spec-2025-05-15/CallMedia_Recognize.json"),
        ex!("startContinuousDtmfRecognition", "spec-2025-05-15/CallMedia_StartContinuousDtmfRecognition.json"),
        ex!("stopContinuousDtmfRecognition", "spec-2025-05-15/CallMedia_StopContinuousDtmfRecognition.json"),
        ex!("sendDtmfTones", "spec-2025-05-15/CallMedia_SendDtmfTones.json"),
        ex!("hold", "spec-2025-05-15/CallMedia_Hold.json"),
        ex!("unhold", "spec-2025-05-15/CallMedia_Unhold.json"),
        ex!("startTranscription", "spec-2025-05-15/CallMedia_StartTranscription.json"),
        ex!("stopTranscription", "spec-2025-05-15/CallMedia_StopTranscription.json"),
        ex!("updateTranscription", "spec-2025-05-15/CallMedia_UpdateTranscription.json"),
        ex!("startMediaStreaming", "spec-2025-05-15/CallMedia_StartMediaStreaming.json"),
        ex!("interruptAudioAndAnnounce", "spec-2025-05-15/CallMedia_InterruptAudioAndAnnounce.json"),
        ex!("startRecording", "spec-2025-05-15/CallRecording_StartRecording.json"),
        ex!("getRecordingProperties", "spec-2025-05-15/CallRecording_GetRecordingProperties.json"),
        ex!("stopRecording", "spec-2025-05-15/CallRecording_StopRecording.json"),
        ex!("pauseRecording", "spec-2025-05-15/CallRecording_PauseRecording.json"),
    ]
};

#[derive(Debug, Arbitrary)]
struct Script<'a> {
    world: World,
    steps: Vec<Step>,
    /// Text pieces separated by 0x1E.
    pool: &'a [u8],
}

#[derive(Debug, Arbitrary)]
enum World {
    /// `WorldConfig::demo()`: no Event Grid subscription, so no inbound calls.
    Demo,
    /// The demo world with an Event Grid webhook (Event Grid schema).
    EventGrid,
    /// The demo world with a CloudEvents webhook.
    CloudEvents,
    /// A world read from a pool piece (what the npm package's `new Emulator(world)` accepts).
    Pool(u8),
}

#[derive(Debug, Arbitrary)]
enum Step {
    /// An ACS operation built by the core (`ops::build_by_name`).
    Op { op: u8, params: Params, ids: Ids, signing: Signing, version: u8, strict: bool },
    /// The last request again: same Repeatability-Request-ID, so the emulator's repeat cache.
    Resend { signing: Signing },
    /// A request put together by hand.
    Raw { method: Method, path: Path, ids: Ids, encode: bool, suffix: Option<u8>, query: Query, body: Body, signing: Signing },
    /// The control API and the side endpoints.
    Control(Control),
    /// Virtual time passes (`ms * 8`); due callbacks are delivered and answered.
    Advance { ms: u16, answer: Answer },
    /// The host clock jumps (seconds, either way).
    Jump { s: i16 },
    /// The JWT of the latest callback, checked as the Worker does (RSA: once per input).
    Token,
}

#[derive(Debug, Arbitrary)]
enum Params {
    /// The operation's spec example, ids replaced by known ones, members dropped by bit,
    /// members of a pool piece (a JSON object) laid over it.
    Template { drop: u16, patch: Option<u8> },
    /// A pool piece as the params text.
    Pool(u8),
}

/// Which known id (or person) each slot of a request names.
#[derive(Clone, Copy, Debug, Arbitrary)]
struct Ids {
    call: u8,
    who: u8,
    other: u8,
}

#[derive(Clone, Copy, Debug, Arbitrary)]
enum Signing {
    Valid,
    Unsigned,
    WrongKey,
    Stale,
    BodyChanged,
    NoHost,
}

#[derive(Debug, Arbitrary)]
enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Head,
    Lower,
    Pool(u8),
}

#[derive(Debug, Arbitrary)]
enum Path {
    /// An operation's path template with ids filled in.
    Op(u8),
    Keys,
    OpenId,
    Presences,
    Control(u8),
    Pool(u8),
}

#[derive(Debug, Arbitrary)]
enum Query {
    None,
    ApiVersion(u8),
    Pool(u8),
}

#[derive(Debug, Arbitrary)]
enum Body {
    Empty,
    /// The body of an operation's spec example.
    Example(u8),
    Pool(u8),
}

#[derive(Debug, Arbitrary)]
enum Control {
    World,
    Calls,
    Log { since: u8 },
    Inbound { from: u8, to: Option<u8>, name: bool },
    Faults(Faults),
    Clock { ms: u16 },
    Validate { code: u8 },
    Teams(Teams),
    Presences { ids: u8 },
    /// Any control path with a pool piece as the body.
    Pool { path: u8, body: u8 },
}

#[derive(Debug, Arbitrary)]
struct Faults {
    drop: u8,
    duplicate: u8,
    reorder: u8,
    delay: Option<(u16, u16)>,
    before_response: u8,
    throttle: u8,
    server_error: u8,
    after_action: u8,
    retry_after: Option<u8>,
    seed: Option<u8>,
}

#[derive(Debug, Arbitrary)]
struct Teams {
    user: u8,
    presence: Option<u8>,
    licensed: Option<bool>,
    consent: Option<bool>,
    client: Option<u8>,
    answer_after: Option<u16>,
    leave_after: Option<u16>,
    decline: bool,
    never_answer: bool,
}

#[derive(Clone, Copy, Debug, Arbitrary)]
enum Answer {
    Ok,
    Fail,
    WrongCode,
    Silent,
}

struct Run {
    emu: Emulator,
    cs: ConnectionString,
    now: i64,
    seq: u64,
    pool: Vec<String>,
    known: BTreeMap<&'static str, Vec<String>>,
    states: BTreeMap<String, CallState>,
    last: Option<Request>,
    last_callback: Option<Delivery>,
    token_checked: bool,
    deliveries: usize,
}

fuzz_target!(|script: Script<'_>| {
    let pool: Vec<String> = script
        .pool
        .split(|b| *b == 0x1E)
        .take(MAX_POOL_PIECES)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let Some(world) = world(&script.world, &pool) else { return };
    let Ok(emu) = Emulator::new(world, ORIGIN) else { return };
    let Ok(cs) = ConnectionString::parse(&emu.connection_string()) else { return };
    let mut run = Run {
        emu,
        cs,
        now: T0,
        seq: 0,
        pool,
        known: BTreeMap::new(),
        states: BTreeMap::new(),
        last: None,
        last_callback: None,
        token_checked: false,
        deliveries: 0,
    };
    for step in script.steps.iter().take(MAX_STEPS) {
        run.step(step);
    }
    for state in run.states.values() {
        serde_json::to_string(&state.snapshot()).expect("the snapshot serialises");
    }
});

fn world(w: &World, pool: &[String]) -> Option<WorldConfig> {
    let mut world = WorldConfig::demo();
    match w {
        World::Demo => {}
        World::EventGrid | World::CloudEvents => {
            let schema = if matches!(w, World::EventGrid) { "eventGrid" } else { "cloudEvents" };
            world.event_grid = serde_json::from_value(json!({"webhook": WEBHOOK, "schema": schema})).ok();
        }
        World::Pool(i) => world = switchboard::json_path::from_text(piece(pool, *i)).ok()?,
    }
    Some(world)
}

fn piece(pool: &[String], i: u8) -> &str {
    if pool.is_empty() {
        ""
    } else {
        &pool[usize::from(i) % pool.len()]
    }
}

fn pick<T>(list: &[T], i: u8) -> Option<&T> {
    (!list.is_empty()).then(|| &list[usize::from(i) % list.len()])
}

impl Run {
    fn step(&mut self, step: &Step) {
        match step {
            Step::Op { op, params, ids, signing, version, strict } => {
                self.op(&OPERATIONS[usize::from(*op) % OPERATIONS.len()], params, *ids, *signing, *version, *strict)
            }
            Step::Resend { signing } => {
                if let Some(mut req) = self.last.clone() {
                    self.sign_again(&mut req, *signing);
                    self.send(req);
                }
            }
            Step::Raw { method, path, ids, encode, suffix, query, body, signing } => {
                let method = match method {
                    Method::Get => "GET",
                    Method::Post => "POST",
                    Method::Put => "PUT",
                    Method::Patch => "PATCH",
                    Method::Delete => "DELETE",
                    Method::Options => "OPTIONS",
                    Method::Head => "HEAD",
                    Method::Lower => "post",
                    Method::Pool(i) => piece(&self.pool, *i),
                }
                .to_owned();
                let mut path = match path {
                    Path::Op(i) => self.fill_path(&OPERATIONS[usize::from(*i) % OPERATIONS.len()], *ids, *encode),
                    Path::Keys => "/calling/keys".into(),
                    Path::OpenId => "/calling/.well-known/acsopenidconfiguration".into(),
                    Path::Presences => "/v1.0/communications/getPresencesByUserId".into(),
                    Path::Control(i) => CONTROL_PATHS[usize::from(*i) % CONTROL_PATHS.len()].into(),
                    Path::Pool(i) => piece(&self.pool, *i).into(),
                };
                if let Some(i) = suffix {
                    path.push_str(piece(&self.pool, *i));
                }
                match query {
                    Query::None => {}
                    Query::ApiVersion(v) => {
                        path.push(if path.contains('?') { '&' } else { '?' });
                        path.push_str("api-version=");
                        path.push_str(API_VERSIONS[usize::from(*v) % API_VERSIONS.len()]);
                    }
                    Query::Pool(i) => path.push_str(piece(&self.pool, *i)),
                }
                let body = match body {
                    Body::Empty => Vec::new(),
                    Body::Example(i) => {
                        let name = OPERATIONS[usize::from(*i) % OPERATIONS.len()].name;
                        let mut p = example(name);
                        for key in ["callConnectionId", "participantRawId", "recordingId"] {
                            p.remove(key);
                        }
                        Value::Object(p).to_string().into_bytes()
                    }
                    Body::Pool(i) => piece(&self.pool, *i).as_bytes().to_vec(),
                };
                let mut req = Request { method, path, headers: vec![("Host".into(), HOST.into())], body };
                if req.method.eq_ignore_ascii_case("POST") {
                    let r = self.repeatability();
                    req.headers.extend(r.pairs().into_iter().map(|(k, v)| (k.to_owned(), v)));
                    req.headers.push(("Content-Type".into(), "application/json".into()));
                }
                self.sign_again(&mut req, *signing);
                self.send(req);
            }
            Step::Control(c) => self.control(c),
            Step::Advance { ms, answer } => self.advance(i64::from(*ms) * 8, *answer),
            Step::Jump { s } => self.now += i64::from(*s) * 1000,
            Step::Token => self.token(),
        }
    }

    fn repeatability(&mut self) -> Repeatability {
        self.seq += 1;
        let mut bytes = [0x5a; 16];
        bytes[..8].copy_from_slice(&self.seq.to_le_bytes());
        Repeatability::from_random(bytes, HttpDate::from_unix_millis(self.now))
    }

    fn known(&self, key: &str) -> &[String] {
        self.known.get(key).map_or(&[], Vec::as_slice)
    }

    fn person(&self, i: u8) -> String {
        let known = self.known("rawId");
        let i = usize::from(i) % (PEOPLE.len() + known.len());
        PEOPLE.get(i).map_or_else(|| known[i - PEOPLE.len()].clone(), |p| (*p).to_owned())
    }

    fn id_of(&self, key: &str, i: u8) -> Option<String> {
        pick(self.known(key), i).cloned()
    }

    /// A path parameter's value from what the emulator handed out (`None`: nothing known).
    fn path_param(&self, name: &str, ids: Ids) -> Option<String> {
        match name {
            "callConnectionId" => self.id_of("callConnectionId", ids.call),
            "participantRawId" => Some(self.person(ids.who)),
            "recordingId" => self.id_of("recordingId", ids.other),
            _ => None,
        }
    }

    /// A path template with its parameters filled from known ids.
    fn fill_path(&self, meta: &OperationMeta, ids: Ids, encode: bool) -> String {
        let mut path = meta.path.to_owned();
        for name in meta.params {
            let value =
                self.path_param(name, ids).unwrap_or_else(|| "18dea47f-b081-4107-9a5c-4300819d2c6c".into());
            let value = if encode { encode_component(&value) } else { value };
            path = path.replace(&format!("{{{name}}}"), &value);
        }
        path
    }

    fn op(&mut self, meta: &OperationMeta, params: &Params, ids: Ids, signing: Signing, version: u8, strict: bool) {
        let text = match params {
            Params::Pool(i) => piece(&self.pool, *i).to_owned(),
            Params::Template { drop, patch } => {
                let mut p = example(meta.name);
                let keys: Vec<String> = p.keys().cloned().collect();
                for (bit, key) in keys.iter().enumerate().take(16) {
                    if drop & (1 << bit) != 0 {
                        p.remove(key);
                    }
                }
                self.fill_params(meta, &mut p, ids);
                if let Some(i) = patch {
                    if let Ok(Value::Object(m)) = serde_json::from_str(piece(&self.pool, *i)) {
                        p.extend(m);
                    }
                }
                Value::Object(p).to_string()
            }
        };
        let repeat = self.repeatability();
        let opts = RequestOptions::new(HttpDate::from_unix_millis(self.now))
            .repeatability(&repeat)
            .api_version(API_VERSIONS[usize::from(version) % API_VERSIONS.len()]);
        let Ok(built) = ops::build_by_name(meta.name, &text, &self.cs, &opts, strict) else { return };
        let mut req = request(built);
        self.sign_again(&mut req, signing);
        self.send(req);
    }

    /// Path parameters, contexts and participants from what the emulator handed out.
    fn fill_params(&self, meta: &OperationMeta, p: &mut Map<String, Value>, ids: Ids) {
        for name in meta.params {
            if let Some(v) = self.path_param(name, ids) {
                p.insert((*name).to_owned(), Value::String(v));
            }
        }
        for key in ["incomingCallContext", "invitationId"] {
            if let (true, Some(v)) = (p.contains_key(key), self.id_of(key, ids.other)) {
                p.insert(key.to_owned(), Value::String(v));
            }
        }
        let who = json!({"rawId": self.person(ids.who)});
        for key in ["participantToAdd", "targetParticipant", "participantToRemove", "target", "transferee"] {
            if p.contains_key(key) {
                p.insert(key.to_owned(), who.clone());
            }
        }
        for key in ["targets", "targetParticipants", "playTo"] {
            if p.contains_key(key) {
                p.insert(key.to_owned(), json!([who.clone()]));
            }
        }
        if let (true, Some(id)) = (p.contains_key("callLocator"), self.id_of("serverCallId", ids.other)) {
            p.insert("callLocator".into(), json!({"kind": "serverCallLocator", "serverCallId": id}));
        }
        if p.contains_key("callbackUri") {
            p.insert("callbackUri".into(), Value::String(CALLBACK.into()));
        }
    }

    /// Re-signs (or breaks the signature of) a request as `signing` says.
    fn sign_again(&self, req: &mut Request, signing: Signing) {
        let auth = |k: &str| {
            k.eq_ignore_ascii_case("authorization") || k.to_ascii_lowercase().starts_with("x-ms-") || k == "Host"
        };
        req.headers.retain(|(k, _)| !auth(k));
        if !matches!(signing, Signing::NoHost) {
            req.headers.push(("Host".into(), HOST.into()));
        }
        let wrong_key = SigningKey::new(b"not the emulator's key".to_vec());
        let (key, date) = match signing {
            Signing::Unsigned => return,
            Signing::WrongKey => (&wrong_key, self.now),
            Signing::Stale => (self.cs.signing_key(), self.now - 20 * 60_000),
            _ => (self.cs.signing_key(), self.now),
        };
        let url = format!("{ORIGIN}{}", req.path);
        if let Ok(signed) = sign_url(&req.method, &url, &req.body, HttpDate::from_unix_millis(date), key) {
            req.headers.extend(signed.pairs().map(|(k, v)| (k.to_owned(), v.to_owned())));
        }
        if matches!(signing, Signing::BodyChanged) {
            req.body.push(b' ');
        }
    }

    fn send(&mut self, req: Request) {
        let res = self.emu.handle(&req, self.now);
        assert!((100..600).contains(&res.status), "status {} for {} {}", res.status, req.method, req.path);
        if !res.body.is_empty() {
            match serde_json::from_str::<Value>(&res.body) {
                Ok(v) => self.learn(&v, 0),
                Err(e) => panic!("{} {} answered a body that is not JSON ({e}): {}", req.method, req.path, res.body),
            }
        }
        for d in res.deliver_first {
            self.receive(d, Answer::Ok);
        }
        self.last = Some(req);
    }

    fn control(&mut self, c: &Control) {
        let (method, path, body) = match c {
            Control::World => ("GET", "/control/world".to_owned(), Value::Null),
            Control::Calls => ("GET", "/control/calls".to_owned(), Value::Null),
            Control::Log { since } => ("GET", format!("/control/log?since={since}"), Value::Null),
            Control::Inbound { from, to, name } => {
                let mut b = json!({"from": PHONES[usize::from(*from) % PHONES.len()]});
                if let Some(to) = to {
                    b["to"] = PHONES[usize::from(*to) % PHONES.len()].into();
                }
                if *name {
                    b["callerDisplayName"] = "Casey Customer".into();
                }
                ("POST", "/control/inbound".to_owned(), b)
            }
            Control::Faults(f) => ("PUT", "/control/faults".to_owned(), faults(f)),
            Control::Clock { ms } => ("POST", "/control/clock".to_owned(), json!({"advanceMs": i64::from(*ms) * 16})),
            Control::Validate { code } => {
                let code = self.id_of("validationCode", *code).unwrap_or_else(|| "not-the-code".into());
                ("GET", format!("/control/eventgrid/validate?code={code}"), Value::Null)
            }
            Control::Teams(t) => {
                let oid = TEAMS_USERS[usize::from(t.user) % TEAMS_USERS.len()];
                ("PATCH", format!("/control/teams/{oid}"), teams(t))
            }
            Control::Presences { ids } => {
                let ids: Vec<&str> = TEAMS_USERS.iter().copied().take(usize::from(*ids % 6)).collect();
                ("POST", "/v1.0/communications/getPresencesByUserId".to_owned(), json!({"ids": ids}))
            }
            Control::Pool { path, body } => {
                let path = CONTROL_PATHS[usize::from(*path) % CONTROL_PATHS.len()];
                let method = match path {
                    "/control/inbound" | "/control/clock" => "POST",
                    "/control/faults" => "PUT",
                    p if p.starts_with("/control/teams/") => "PATCH",
                    _ => "GET",
                };
                let req = Request {
                    method: method.into(),
                    path: path.into(),
                    headers: vec![],
                    body: piece(&self.pool, *body).as_bytes().to_vec(),
                };
                return self.send(req);
            }
        };
        let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
        self.send(Request { method: method.into(), path, headers: vec![], body });
    }

    /// Lets `ms` of virtual time pass, delivering what falls due (bounded).
    fn advance(&mut self, ms: i64, answer: Answer) {
        let end = self.now + ms;
        for _ in 0..MAX_ROUNDS {
            let Some(t) = self.emu.next_due().filter(|t| *t <= end) else { break };
            self.now = self.now.max(t);
            for d in self.emu.advance(self.now) {
                self.receive(d, answer);
            }
        }
        self.now = end;
    }

    fn receive(&mut self, d: Delivery, answer: Answer) {
        self.deliveries += 1;
        if self.deliveries > MAX_DELIVERIES {
            return;
        }
        if !d.body.is_empty() {
            // What the emulator sends is what the Worker will parse.
            let events = match parse_events(&d.body) {
                Ok(events) => events,
                Err(e) => panic!("the emulator sent a {:?} the crate cannot parse ({e}): {}", d.kind, d.body),
            };
            for e in &events {
                let id = e.call_connection_id().unwrap_or("").to_owned();
                if self.states.len() < MAX_CALL_STATES || self.states.contains_key(&id) {
                    self.states.entry(id).or_default().apply(e);
                }
            }
            if let Ok(v) = serde_json::from_str::<Value>(&d.body) {
                self.learn(&v, 0);
            }
        }
        let code = self.known("validationCode").last().cloned().unwrap_or_default();
        match (d.kind, answer) {
            (_, Answer::Silent) => {}
            (DeliveryKind::Callback, _) => self.last_callback = Some(d),
            (_, Answer::Fail) => self.emu.delivered(d.id, 500, "", self.now),
            (DeliveryKind::Validation, Answer::Ok) if d.method != "OPTIONS" => {
                let body = json!({"validationResponse": code}).to_string();
                self.emu.delivered(d.id, 200, &body, self.now);
            }
            (DeliveryKind::Validation, Answer::WrongCode) => {
                self.emu.delivered(d.id, 200, r#"{"validationResponse":"wrong"}"#, self.now)
            }
            _ => self.emu.delivered(d.id, 200, "", self.now),
        }
    }

    /// The callback JWT passes the checks the Worker makes before verifying its signature.
    fn token(&mut self) {
        if self.token_checked {
            return;
        }
        let Some(d) = self.last_callback.clone() else { return };
        self.token_checked = true;
        let header = self.emu.authorization(&d).expect("a callback has a JWT");
        let token = bearer(Some(&header)).expect("the emulator's Authorization is a bearer token");
        let t = UnverifiedToken::decode(token).expect("the emulator's JWT decodes");
        if let Err(e) = t.check(&Expectations::acs(DEV_RESOURCE_ID), d.due.div_euclid(1000)) {
            panic!("the emulator's JWT fails the Worker's checks ({e}): {t:?}");
        }
    }

    /// Remembers ids the emulator handed out.
    fn learn(&mut self, v: &Value, depth: usize) {
        if depth > 8 {
            return;
        }
        match v {
            Value::Array(items) => items.iter().for_each(|x| self.learn(x, depth + 1)),
            Value::Object(m) => {
                for (k, x) in m {
                    match (REMEMBERED.iter().find(|r| *r == k), x) {
                        (Some(key), Value::String(s)) if !s.is_empty() => {
                            let list = self.known.entry(key).or_default();
                            if !list.contains(s) {
                                if list.len() == MAX_KNOWN {
                                    list.remove(0);
                                }
                                list.push(s.clone());
                            }
                        }
                        _ => self.learn(x, depth + 1),
                    }
                }
            }
            _ => {}
        }
    }
}

/// The example's parameters, body members flattened in, endpoint and api-version dropped.
fn example(name: &str) -> Map<String, Value> {
    static PARAMS: OnceLock<BTreeMap<&'static str, Map<String, Value>>> = OnceLock::new();
    let params = PARAMS.get_or_init(|| {
        EXAMPLES
            .iter()
            .map(|(name, text)| {
                let doc: Value = serde_json::from_str(text).expect("an ACS example is JSON");
                let mut out = Map::new();
                for (k, v) in doc["parameters"].as_object().into_iter().flatten() {
                    match (k.as_str(), v) {
                        ("endpoint" | "api-version", _) => {}
                        (_, Value::Object(body)) => out.extend(body.clone()),
                        _ => {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                }
                (*name, out)
            })
            .collect()
    });
    params.get(name).cloned().unwrap_or_default()
}

/// The emulator request of a built one (path relative to the origin, `Host` added later).
fn request(r: HttpRequest) -> Request {
    let path = r.url.strip_prefix(ORIGIN).unwrap_or(&r.url).to_owned();
    let headers = r.headers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    Request { method: r.method.as_str().into(), path, headers, body: r.body }
}

fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn faults(f: &Faults) -> Value {
    let p = |x: u8| f64::from(x) / 255.0;
    let mut callbacks = json!({
        "drop": p(f.drop), "duplicate": p(f.duplicate), "reorder": p(f.reorder), "beforeResponse": p(f.before_response),
    });
    if let Some((lo, hi)) = f.delay {
        callbacks["delayMs"] = json!([lo, hi]);
    }
    let mut requests =
        json!({"throttle": p(f.throttle), "serverError": p(f.server_error), "serverErrorAfterAction": p(f.after_action)});
    if let Some(s) = f.retry_after {
        requests["retryAfterS"] = s.into();
    }
    let mut v = json!({"callbacks": callbacks, "requests": requests});
    if let Some(seed) = f.seed {
        v["seed"] = seed.into();
    }
    v
}

fn teams(t: &Teams) -> Value {
    let mut v = json!({});
    if let Some(p) = t.presence {
        v["presence"] = ["Available", "Busy", "DoNotDisturb", "Away", "Offline"][usize::from(p) % 5].into();
    }
    if let Some(b) = t.licensed {
        v["licensed"] = b.into();
    }
    if let Some(b) = t.consent {
        v["tenantConsent"] = b.into();
    }
    if let Some(c) = t.client {
        v["client"] = ["desktop", "web", "ios", "android", "acsM365"][usize::from(c) % 5].into();
    }
    let mut behavior = json!({"decline": t.decline, "neverAnswer": t.never_answer});
    if let Some(ms) = t.answer_after {
        behavior["answerAfterMs"] = (i64::from(ms) * 4).into();
    }
    if let Some(ms) = t.leave_after {
        behavior["leaveAfterMs"] = (i64::from(ms) * 4).into();
    }
    v["behavior"] = behavior;
    v
}
