//! Operations (SPEC §2): params text read by `parse_by_name`, `build_by_name` and
//! `Action::from_params`, responses read by `parse_response_by_name` and
//! `CommandResponse::from_http`, and both folded into a `CallState` (`record_command`,
//! `record_response`, `can`).
//!
//! Input: byte 0 picks the operation (aliases included), byte 1 holds flags (bit 0: strict),
//! bytes 2-3 are the HTTP status (little-endian u16), the rest is the text (params or a
//! response body; every reader gets it).
//!
//! Properties: no panic, no hang; a request the crate builds and signs passes the crate's own
//! HMAC verification; what the state records serialises.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use switchboard::auth::hmac::{self, IncomingRequest};
use switchboard::auth::{path_and_query, split_url, ConnectionString, HttpDate, Repeatability};
use switchboard::call::{Action, CallState, CommandResponse};
use switchboard::events::parse_events;
use switchboard::ops::{self, RequestOptions, OPERATIONS};

const ALIASES: [&str; 4] = ["playToAll", "mute", "hangUp", "noSuchOperation"];
/// 2025-04-01T12:00:00Z in Unix ms.
const NOW_MS: i64 = 1_743_508_800_000;
const CONNECTION_STRING: &str =
    "endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A call in progress (connected, a customer and a Teams expert in it, recording running), so
/// the capability rules and the command bookkeeping have something to look at.
fn state() -> &'static CallState {
    static STATE: OnceLock<CallState> = OnceLock::new();
    STATE.get_or_init(|| {
        let mut s = CallState::new();
        for body in [
            include_str!("../../tests/fixtures/events/01_CallConnected.json"),
            include_str!("../../tests/fixtures/events/04_ParticipantsUpdated_teams.json"),
            include_str!("../../tests/fixtures/events/13_RecordingStateChanged.json"),
        ] {
            for e in parse_events(body).expect("the fixture parses") {
                s.apply(&e);
            }
        }
        s
    })
}

fn cs() -> &'static ConnectionString {
    static CS: OnceLock<ConnectionString> = OnceLock::new();
    CS.get_or_init(|| ConnectionString::parse(CONNECTION_STRING).expect("the connection string parses"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&[op, flags, s0, s1], rest)) = data.split_first_chunk::<4>() else { return };
    let count = OPERATIONS.len() + ALIASES.len();
    let index = usize::from(op) % count;
    let name = OPERATIONS.get(index).map_or_else(|| ALIASES[index - OPERATIONS.len()], |m| m.name);
    let strict = flags & 1 == 1;
    let status = u16::from_le_bytes([s0, s1]);
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();

    if let Ok(parsed) = ops::parse_by_name(name, text, strict) {
        serde_json::to_string(&parsed.body).expect("a parsed body serialises");
    }
    build_and_verify(name, text, strict);
    if let Ok(Ok(value)) = ops::parse_response_by_name(name, status, text.as_bytes()) {
        serde_json::to_string(&value).expect("a parsed response serialises");
    }

    let mut state = state().clone();
    let action = Action::from_params(name, text).or_else(|_| Action::parse(text));
    if let Ok(action) = &action {
        let _ = state.can(action);
        let changes = state.record_command(action, Some("ctx-1"), Some(NOW_MS), Some("agent-1"));
        serde_json::to_string(&changes).expect("changes serialise");
    }
    if let Ok(Some(outcome)) = CommandResponse::from_http(name, status, text, Some(NOW_MS)) {
        let changes = state.record_response(Some("ctx-1"), &outcome);
        serde_json::to_string(&changes).expect("changes serialise");
    }
    serde_json::to_string(&state.snapshot()).expect("the snapshot serialises");
});

/// Builds and signs the request, then checks it as the service (and the emulator) would.
fn build_and_verify(name: &str, params: &str, strict: bool) {
    let date = HttpDate::from_unix_millis(NOW_MS);
    let repeat = Repeatability::from_random([7; 16], date);
    let opts = RequestOptions::new(date).repeatability(&repeat);
    let Ok(req) = ops::build_by_name(name, params, cs(), &opts, strict) else { return };
    let (endpoint, rest) = split_url(&req.url).expect("a built URL splits");
    let header = |n: &str| req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.as_str());
    let pq = path_and_query(rest);
    let incoming = IncomingRequest {
        method: req.method.as_str(),
        path_and_query: &pq,
        host: endpoint.host(),
        date: header("x-ms-date"),
        content_sha256: header("x-ms-content-sha256"),
        authorization: header("authorization"),
        body: &req.body,
    };
    if let Err(e) = hmac::verify(&incoming, cs().access_key(), date) {
        panic!("a request the crate built does not verify ({e}): {req:?}");
    }
}
