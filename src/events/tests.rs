use super::*;
use crate::model::{RecordingKind, RecordingState};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

fn one(body: &str) -> Event {
    let mut v = parse_events(body).unwrap();
    assert_eq!(v.len(), 1);
    v.remove(0)
}

#[test]
fn callback_events_are_typed() {
    let e = one(&fixture("03_AddParticipantSucceeded"));
    assert_eq!((e.name(), e.schema), ("AddParticipantSucceeded", EventSchema::CloudEvents));
    assert_eq!(e.call_connection_id(), Some("401f3500-62bd-46a9-8c09-9e1b06caca01"));
    let EventData::AddParticipantSucceeded(d) = &e.data else { panic!() };
    assert!(d.participant.as_ref().unwrap().is_teams_user());
    assert_eq!(d.operation_context.as_deref(), Some("expert-1"));
    assert_eq!(e.time_millis(), Some(1_743_508_820_250));
}

#[test]
fn escaped_plus_is_decoded() {
    let e = one(&fixture("02_ParticipantsUpdated"));
    let EventData::ParticipantsUpdated(p) = &e.data else { panic!() };
    assert_eq!(p.participants.as_ref().unwrap()[0].identifier.raw_id().as_str(), "4:+14255550123");
    assert_eq!(p.sequence_number, Some(1));
    assert_eq!(e.time.as_deref(), Some("2025-04-01T12:00:00.5+00:00"));
}

#[test]
fn recording_kind_in_pascal_case_is_understood() {
    let e = one(&fixture("13_RecordingStateChanged"));
    let EventData::RecordingStateChanged(r) = &e.data else { panic!() };
    assert_eq!(
        (r.state.clone(), r.recording_kind.clone()),
        (Some(RecordingState::Active), Some(RecordingKind::AzureCommunicationServices))
    );
    assert!(r.result_information.is_none() && r.operation_context.is_none());
}

#[test]
fn unknown_types_keep_their_raw_json() {
    let body = fixture("17_Unknown_TeamsFutureEvent");
    let e = one(&body);
    let EventData::Unknown(u) = &e.data else { panic!() };
    assert_eq!(u.event_type, "Microsoft.Communication.TeamsFutureEvent");
    assert!(u.data.as_ref().unwrap().get().contains("somethingNew"));
    let reparsed: serde_json::Value = serde_json::from_str(e.raw_json()).unwrap();
    let original: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reparsed, original[0]);
}

#[test]
fn every_fixture_and_example_event_parses_and_keeps_every_field() {
    let mut dirs = vec![format!("{}/tests/fixtures/events", env!("CARGO_MANIFEST_DIR"))];
    dirs.push(format!("{}/tests/fixtures/acs-examples/docs-extracted", env!("CARGO_MANIFEST_DIR")));
    dirs.push(format!("{}/tests/fixtures/acs-examples/eventgrid/cloud-events-schema", env!("CARGO_MANIFEST_DIR")));
    dirs.push(format!("{}/tests/fixtures/acs-examples/eventgrid/event-grid-schema", env!("CARGO_MANIFEST_DIR")));
    let mut n = 0;
    for dir in dirs {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let body = std::fs::read_to_string(&path).unwrap();
            let events = parse_events(&body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let original: serde_json::Value = serde_json::from_str(&body).unwrap();
            let elements = match original {
                serde_json::Value::Array(a) => a,
                other => vec![other],
            };
            assert_eq!(events.len(), elements.len());
            for (e, el) in events.iter().zip(&elements) {
                let expect_unknown = path.to_string_lossy().contains("Unknown");
                assert_eq!(e.name() == "Unknown", expect_unknown, "{}", path.display());
                assert_eq!(EventData::NAMES[e.data.code() as usize], e.name());
                // Lossless: the raw element re-serialises to the original.
                assert_eq!(&serde_json::from_str::<serde_json::Value>(e.raw_json()).unwrap(), el);
                // Every data member reaches the flat JS shape with its value.
                let mut flat = String::new();
                to_flat_json(e, &mut flat);
                let flat: serde_json::Value =
                    serde_json::from_str(&flat).unwrap_or_else(|err| panic!("{}: {err}: {flat}", path.display()));
                if expect_unknown {
                    assert_eq!((&flat["type"], &flat["raw"]), (&serde_json::json!("Unknown"), el));
                    n += 1;
                    continue;
                }
                for (k, v) in el["data"].as_object().unwrap() {
                    if k == "resultInfo" || k == "collectTonesResult" {
                        continue;
                    }
                    if k == "state" || k == "recordingKind" {
                        // ACS's two casings reach JavaScript in the canonical one.
                        let canonical = |s: &serde_json::Value| s.as_str().map(str::to_ascii_lowercase);
                        assert_eq!(canonical(&flat[k]), canonical(v), "{}: {k}", path.display());
                        continue;
                    }
                    assert_eq!(&flat[k], v, "{}: {k}", path.display());
                }
                assert_eq!(flat["id"], el["id"]);
                n += 1;
            }
        }
    }
    // 17 fixtures, 2 legacy docs events, 2 CloudEvents-schema and 1 Event Grid-schema examples.
    assert_eq!(n, 17 + 2 + 2 + 1);
}

#[test]
fn event_grid_schema_incoming_call() {
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/acs-examples/eventgrid/event-grid-schema/incoming_call.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let e = one(&body);
    assert_eq!(e.schema, EventSchema::EventGrid);
    assert!(e.source.as_deref().unwrap().contains("Microsoft.Communication/communicationServices"));
    let EventData::IncomingCall(c) = &e.data else { panic!() };
    assert_eq!(c.incoming_call_context, "{incoming-call-contextValue}");
    assert!(c.on_behalf_of_callee.is_some());
    assert_eq!(e.time.as_deref(), Some("2023-04-04T17:18:42.5542219Z"));
}

#[test]
fn spec_version_casing_and_single_objects() {
    // The recording example uses `specVersion` and is a single object, not an array.
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/acs-examples/eventgrid/cloud-events-schema/recording_file_status_updated.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(body.contains("specVersion"));
    assert_eq!(one(&body).name(), "RecordingFileStatusUpdated");
    let bad = r#"{"id":"1","type":"Microsoft.Communication.CallConnected","SPECVERSION":"0.3","data":{}}"#;
    assert!(matches!(parse_events(bad), Err(EventError::Envelope { field, .. }) if field == "specversion"));
}

#[test]
fn legacy_names_are_normalised_in_the_flat_shape() {
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/acs-examples/docs-extracted/RecognizeCompleted.legacy-2022.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let e = one(&body);
    let EventData::RecognizeCompleted(r) = &e.data else { panic!() };
    assert_eq!(r.dtmf_result.as_ref().unwrap().tones.len(), 5);
    let mut flat = String::new();
    to_flat_json(&e, &mut flat);
    let flat: serde_json::Value = serde_json::from_str(&flat).unwrap();
    assert_eq!(flat["dtmfResult"]["tones"][0], "nine");
    assert_eq!(flat["type"], "RecognizeCompleted");
    assert_eq!(flat["resultInformation"]["subCode"], 8531);
}

/// ACS spells RecordingState and RecordingKind in two casings (SPEC §6): typed the same, and the
/// flat shape (what JavaScript sees) carries the canonical spelling, whichever reader read it.
#[test]
fn recording_enums_in_either_casing_are_canonical_in_the_flat_shape() {
    let body = |state: &str, kind: &str| {
        format!(
            r#"[{{"id":"r","source":"calling/recordings/s/r","type":"Microsoft.Communication.TeamsRecordingStateChanged","time":"2025-04-01T12:00:00Z","specversion":"1.0","data":{{"callConnectionId":"c-1","recordingId":"r","state":"{state}","recordingKind":"{kind}"}}}}]"#
        )
    };
    for (state, kind) in [("Active", "Teams"), ("active", "TEAMS"), ("INACTIVE", "teams")] {
        let e = one(&body(state, kind));
        let EventData::TeamsRecordingStateChanged(r) = &e.data else { panic!() };
        assert_eq!(r.recording_kind, Some(crate::model::RecordingKind::Teams));
        let mut flat = String::new();
        to_flat_json(&e, &mut flat);
        let flat: serde_json::Value = serde_json::from_str(&flat).unwrap();
        assert_eq!(
            (flat["state"].as_str(), flat["recordingKind"].as_str()),
            (Some(state.to_ascii_lowercase().as_str()), Some("teams"))
        );
        assert!(crate::events::flat_patch(&e).is_some(), "{state} {kind}: the package patches its own JSON.parse");
        #[cfg(feature = "fast-reader")]
        assert_eq!(
            super::fast::event_code(&body(state, kind)).map(|(code, _)| code),
            Some(e.data.code() | super::fast::RESPELL)
        );
    }
    // An unknown kind is kept as sent.
    let e = one(&body("active", "Zoom"));
    let mut flat = String::new();
    to_flat_json(&e, &mut flat);
    assert!(flat.contains(r#""recordingKind":"Zoom""#), "{flat}");
}

#[test]
fn subscription_validation_and_old_participant_shape() {
    let v = one(
        r#"[{"id":"2d1781af-3a4c-4d7c-bd0c-e34b19da4e66","topic":"/subscriptions/x","subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6","validationUrl":"https://rp-eastus2.eventgrid.azure.net/x"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2018-01-25T22:12:19.4556811Z","metadataVersion":"1","dataVersion":"1"}]"#,
    );
    let EventData::SubscriptionValidation(s) = &v.data else { panic!() };
    assert_eq!(s.validation_code, "512d38b6-c7b8-40c8-89fe-f46f9e9622b6");
    // 2022 shape: bare identifiers, the recording bot with only a rawId; source suffix names the event.
    let old = one(
        r#"[{"id":"a","source":"calling/callConnections/c-1/ParticipantsUpdated","type":"Microsoft.Communication.ParticipantsUpdated","data":{"participants":[{"rawId":"4:+1555","phoneNumber":{"value":"+1555"}},{"rawId":"28:bot"}]}}]"#,
    );
    assert_eq!(old.call_connection_id(), Some("c-1"));
    let mut flat = String::new();
    to_flat_json(&old, &mut flat);
    let flat: serde_json::Value = serde_json::from_str(&flat).unwrap();
    assert_eq!(flat["participants"][1]["identifier"]["rawId"], "28:bot");
    assert_eq!(flat["callConnectionId"], "c-1");
}

#[test]
fn malformed_bodies_name_what_is_wrong() {
    let err = |b: &str| parse_events(b).unwrap_err();
    assert_eq!(err("").code(), "invalid_json");
    assert_eq!(err("{").code(), "invalid_json");
    assert_eq!(err("42"), EventError::NotEvents);
    assert_eq!(err("[1]").field().as_deref(), Some("[0].event"));
    assert_eq!(err(r#"[{"id":"1","data":{}}]"#).field().as_deref(), Some("[0].type"));
    assert_eq!(
        err(r#"[{"type":"Microsoft.Communication.CallConnected","data":{}}]"#).field().as_deref(),
        Some("[0].id")
    );
    assert_eq!(err(r#"[{"id":5,"type":"x"}]"#).field().as_deref(), Some("[0].id"));
    assert_eq!(
        err(r#"[{"id":"1","type":"Microsoft.Communication.CallConnected"}]"#).field().as_deref(),
        Some("[0].data")
    );
    let e = err(
        r#"[{"id":"1","type":"Microsoft.Communication.ParticipantsUpdated","data":{"participants":[{"identifier":{"kind":"microsoftTeamsUser"}}]}}]"#,
    );
    assert_eq!(e.field().as_deref(), Some("[0].data.participants[0].identifier.microsoftTeamsUser"));
    assert_eq!(e.code(), "invalid_event_data");
    let e = err(r#"[{"id":"1","type":"Microsoft.Communication.ParticipantsUpdated","data":{"sequenceNumber":"x"}}]"#);
    assert_eq!(e.field().as_deref(), Some("[0].data.sequenceNumber"));
    // A typed event's data must be an object (an array used to read as a defaulted struct).
    for data in ["[]", "[1]", "\"x\"", "7", "true"] {
        let e = err(&format!(r#"[{{"id":"1","type":"Microsoft.Communication.CallConnected","data":{data}}}]"#));
        assert_eq!((e.code(), e.field().as_deref()), ("invalid_event_data", Some("[0].data")), "{data}");
        assert!(e.to_string().contains("must be an object"), "{e}");
    }
    // An offer nobody could answer is refused (found by the bad-input table).
    let e = err(
        r#"[{"id":"1","eventType":"Microsoft.Communication.IncomingCall","data":{"to":{"rawId":"4:+1"},"from":{"rawId":"4:+2"},"incomingCallContext":" "}}]"#,
    );
    assert_eq!(e.field().as_deref(), Some("[0].data.incomingCallContext"));
    // An unknown type keeps whatever data it has.
    assert_eq!(parse_events(r#"[{"id":"1","type":"Contoso.Future","data":[1]}]"#).unwrap().len(), 1);
    assert!(parse_events("[]").unwrap().is_empty());
}

#[test]
fn type_codes_index_the_names() {
    // Every name once; the last four are the variants outside the callback list.
    let names = EventData::NAMES;
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    assert_eq!(
        &names[names.len() - 4..],
        ["IncomingCall", "SubscriptionValidation", "RecordingFileStatusUpdated", "Unknown"]
    );
    for (i, name) in names.iter().enumerate() {
        assert_eq!(EventData::is_callback(name), i < names.len() - 4, "{name}");
    }
    let unknown = parse_events(r#"{"id":"1","type":"Microsoft.Communication.Future","data":{}}"#).unwrap();
    assert_eq!(unknown[0].data.code() as usize, names.len() - 1);
}

#[test]
fn escaped_lone_surrogates_are_read_as_the_replacement_character() {
    // A display name cut inside an emoji: valid JSON (JSON.parse and .NET take it), no Rust
    // string. The call must still be answerable: read as U+FFFD, not refused.
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/acs-examples/eventgrid/event-grid-schema/incoming_call.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let cut = body.replacen("\"callerDisplayName\": \"", "\"callerDisplayName\": \"Zo\\ud83d", 1);
    assert_ne!(cut, body, "the fixture has a callerDisplayName");
    let EventData::IncomingCall(c) = &one(&cut).data else { panic!() };
    assert!(c.caller_display_name.as_deref().unwrap().starts_with("Zo\u{FFFD}"));
    let callback = fixture("03_AddParticipantSucceeded").replacen("\"expert-1\"", "\"expert-\\udc00\"", 1);
    let EventData::AddParticipantSucceeded(d) = &one(&callback).data else { panic!() };
    assert_eq!(d.operation_context.as_deref(), Some("expert-\u{FFFD}"));
    // A real error beyond it is still the error.
    assert!(parse_events(&callback.replacen("\"expert-", "\"expert-\\q", 1)).is_err());
}
