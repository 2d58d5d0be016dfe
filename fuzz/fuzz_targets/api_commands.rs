//! The Worker's input surface as data (`src/api`, `src/tenant.rs`): agent request bodies read by
//! `api::commands::read` for every `CallRoute` (and `read_create_call`), `Route::parse` on
//! paths, `percent_decode`, the tenant configuration and Graph's presence answer.
//!
//! Input: the first byte picks the route and the method, the rest is the text (a body, a path,
//! a tenant configuration or a Graph answer; every reader gets it).
//!
//! Properties: no panic, no hang; a refusal is an HTTP error with a 4xx status.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::api::commands::{read, read_create_call};
use switchboard::api::routes::percent_decode;
use switchboard::api::{ApiError, CallRoute, RecordingVerb, Route};
use switchboard::tenant::{Config, Expert};
use switchboard::{EntraObjectId, RawId};

const METHODS: [&str; 7] = ["GET", "POST", "DELETE", "OPTIONS", "PUT", "post", "PATCH"];

fn route(selector: u8) -> Option<CallRoute> {
    let raw = || RawId::new("8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b").expect("a raw id");
    Some(match selector % 21 {
        0 => CallRoute::Get,
        1 => CallRoute::Log,
        2 => CallRoute::Events,
        3 => CallRoute::ListParticipants,
        4 => CallRoute::AddParticipants,
        5 => CallRoute::CancelAdd,
        6 => CallRoute::GetParticipant(raw()),
        7 => CallRoute::RemoveParticipant(raw()),
        8 => CallRoute::Consult,
        9 => CallRoute::Answer,
        10 => CallRoute::Redirect,
        11 => CallRoute::Reject,
        12 => CallRoute::Play,
        13 => CallRoute::Transfer,
        14 => CallRoute::Hangup,
        15 => CallRoute::Terminate,
        16 => CallRoute::Recording(RecordingVerb::Start),
        17 => CallRoute::Recording(RecordingVerb::Pause),
        18 => CallRoute::Recording(RecordingVerb::Resume),
        19 => CallRoute::Recording(RecordingVerb::Stop),
        _ => return None,
    })
}

fn refused(e: &ApiError) {
    assert!((400..500).contains(&e.status), "a bad request answered {}: {e:?}", e.status);
    serde_json::to_string(e).expect("the error body serialises");
}

fn expert() -> Expert {
    let object_id = EntraObjectId::parse("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b").expect("a GUID");
    Expert { object_id, display_name: "Dana Expert".into(), skill: Some("billing".into()) }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();

    let read = match route(selector) {
        Some(r) => read(&r, text),
        None => read_create_call(text),
    };
    if let Err(e) = &read {
        refused(e);
    }

    let method = METHODS[usize::from(selector) % METHODS.len()];
    let path = text.split(['?', '#', '\n']).next().unwrap_or("");
    match Route::parse(method, path) {
        Ok(r) => {
            let _ = (r.operation_id(), r.doc());
        }
        Err(e) => refused(&e),
    }
    let _ = percent_decode(text);

    if let Ok(config) = Config::parse(text) {
        for id in config.tenants.keys() {
            assert!(config.tenant(id).is_some());
        }
        let _ = config.agent_for_token(text);
    }
    let experts = [expert()];
    let merged = switchboard::api::experts::merge(&experts, Some(text), selector & 1 == 1);
    assert!(merged["experts"].is_array());
});
