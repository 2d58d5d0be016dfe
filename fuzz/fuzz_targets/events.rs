//! Webhook bodies (SPEC §3): `parse_events` on arbitrary text, every parsed event folded into a
//! `CallState`, then everything a Worker does with the result (snapshot, flat JSON, storage
//! round trip, capability checks).
//!
//! Properties: no panic, no hang; what the crate writes is JSON it can read back; a stored state
//! reloads to the same state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::call::{Action, CallState};
use switchboard::events::{parse_events, to_flat_json};
use switchboard::ops::OPERATIONS;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = switchboard::time::parse_rfc3339_millis(&text);
    let events = match parse_events(&text) {
        Ok(events) => events,
        Err(e) => {
            let _ = (e.code(), e.field(), e.to_string());
            return;
        }
    };
    // One state that binds to the first call it hears of, one bound to the fixtures' call.
    let mut states = [CallState::new(), CallState::for_call("401f3500-62bd-46a9-8c09-9e1b06caca01")];
    let mut flat = String::new();
    for event in &events {
        let _ = (event.name(), event.call_connection_id(), event.time_millis(), event.raw_data());
        let _ = (event.data.common(), event.data.call_event());
        assert!(serde_json::from_str::<serde_json::Value>(event.raw_json()).is_ok());
        flat.clear();
        to_flat_json(event, &mut flat);
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&flat) {
            panic!("to_flat_json wrote invalid JSON ({e}): {flat}");
        }
        for state in &mut states {
            let applied = state.apply(event);
            serde_json::to_string(&applied).expect("Applied serialises");
        }
    }
    for state in &states {
        serde_json::to_string(&state.snapshot()).expect("the snapshot serialises");
        let _ = state.snapshot_json();
        for meta in OPERATIONS {
            if let Ok(action) = Action::new(meta.name) {
                let _ = state.can(&action);
            }
        }
        // A Durable Object stores the state as JSON and reloads it after hibernation.
        let stored = serde_json::to_string(state).expect("the state serialises");
        let mut reloaded: CallState = match serde_json::from_str(&stored) {
            Ok(s) => s,
            Err(e) => panic!("a stored state does not load ({e}): {stored}"),
        };
        reloaded.restore_indexes();
        assert_eq!(&reloaded, state, "a stored state reloads differently: {stored}");
    }
});
