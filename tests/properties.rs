//! Property tests: any input to the parsers returns a value or a typed error — never a panic
//! (a panic in wasm kills the isolate).

use proptest::prelude::*;
use serde_json::{json, Value};
use switchboard::auth::{ConnectionString, HttpDate, Repeatability};
use switchboard::call::{Action, CallState};
use switchboard::events::parse_events;
use switchboard::ops::{self, RequestOptions};
use switchboard::CommunicationIdentifier;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "[a-zA-Z0-9:+_ -]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("8:orgid:8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"),
            Just("4:+14255550123"),
            Just("microsoftTeamsUser"),
            Just("active")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("kind"),
            Just("rawId"),
            Just("participants"),
            Just("identifier"),
            Just("participant"),
            Just("microsoftTeamsUser"),
            Just("userId"),
            Just("resultInformation"),
            Just("code"),
            Just("sequenceNumber"),
            Just("callConnectionId"),
            Just("state"),
            Just("phoneNumber"),
            Just("value"),
            Just("x"),
            Just("data"),
            Just("type"),
            Just("id"),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

const TYPES: [&str; 8] = [
    "Microsoft.Communication.ParticipantsUpdated",
    "Microsoft.Communication.AddParticipantFailed",
    "Microsoft.Communication.RecordingStateChanged",
    "Microsoft.Communication.CallConnected",
    "Microsoft.Communication.IncomingCall",
    "Microsoft.EventGrid.SubscriptionValidationEvent",
    "Microsoft.Communication.Whatever",
    "",
];

fn cs() -> ConnectionString {
    ConnectionString::parse(
        "endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_events_never_panics_on_text(body in any::<String>()) {
        let _ = parse_events(&body);
    }

    #[test]
    fn parse_events_never_panics_on_event_shaped_json(data in json_value(), ty in 0..TYPES.len(), array in any::<bool>()) {
        let event = json!({"id": "e", "type": TYPES[ty], "source": "calling/callConnections/c", "data": data, "specversion": "1.0"});
        let body = if array { json!([event]) } else { event }.to_string();
        if let Ok(events) = parse_events(&body) {
            // Whatever parsed also folds into a call state without panicking.
            let mut state = CallState::new();
            for e in &events {
                let _ = state.apply(e);
            }
            let _ = serde_json::to_string(&state.snapshot());
        }
    }

    #[test]
    fn raw_ids_never_panic(raw in any::<String>(), shaped in "[0-9]{1,2}:[a-z-]{0,9}:[a-z0-9_:+-]{0,24}") {
        for r in [raw.as_str(), shaped.as_str()] {
            let id = CommunicationIdentifier::from_raw_id(r);
            let _ = id.validate_target();
            // Building the raw id back from the typed part never panics either.
            let _ = CommunicationIdentifier::new(id.kind().clone());
            let _ = switchboard::RawId::new(r);
        }
    }

    #[test]
    fn identifiers_from_any_json_never_panic(v in json_value()) {
        let _ = CommunicationIdentifier::from_json_value(&v);
        let _ = serde_json::from_str::<CommunicationIdentifier>(&v.to_string());
    }

    #[test]
    fn connection_strings_never_panic(s in any::<String>(), shaped in "(endpoint|accesskey|x)=[a-zA-Z0-9:/.+=]{0,30}(;(endpoint|accesskey)=[a-zA-Z0-9:/.+=]{0,30}){0,2}") {
        let _ = ConnectionString::parse(&s);
        let _ = ConnectionString::parse(&shaped);
    }

    #[test]
    fn build_by_name_never_panics(params in json_value(), op in 0..ops::OPERATIONS.len()) {
        let r = Repeatability { request_id: "0f8fad5b-d9cb-469f-a165-70867728950e".into(), first_sent: HttpDate::from_unix_seconds(0) };
        let opts = RequestOptions::new(HttpDate::from_unix_seconds(0)).repeatability(&r);
        let text = params.to_string();
        let _ = ops::build_by_name(ops::OPERATIONS[op].name, &text, &cs(), &opts, true);
        let _ = ops::build_by_name(ops::OPERATIONS[op].name, &text, &cs(), &opts, false);
        let _ = Action::from_params(ops::OPERATIONS[op].name, &text);
    }

    #[test]
    fn json_error_paths_never_panic(text in any::<String>(), line in 0usize..4, col in 0usize..80) {
        let _ = switchboard::json_path::path_at(&text, line, col);
    }
}
