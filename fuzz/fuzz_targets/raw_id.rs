//! Identifiers (SPEC §4): raw ids (`RawId::new`, `CommunicationIdentifier::from_raw_id`,
//! `canonical_raw_id`), Entra object ids, cloud names, and the JSON identifier model read by
//! `from_json_value`, by `Deserialize` and by the agent API's target reader.
//!
//! Properties: no panic, no hang; parsing a raw id and building it again gives it back (§4.2);
//! canonicalising is idempotent; what we serialise we read back unchanged; `from_json_value` and
//! `Deserialize` agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use switchboard::ids::canonical_raw_id;
use switchboard::{CommunicationIdentifier, EntraObjectId, RawId, TeamsCloud};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    raw_id(&text);
    let _ = EntraObjectId::parse(&text).map(|oid| assert_eq!(EntraObjectId::parse(oid.as_str()).as_ref(), Ok(&oid)));
    let _ = TeamsCloud::parse(&text).map(|c| assert_eq!(TeamsCloud::parse(c.as_str()).ok(), Some(c)));
    json_identifier(&text);
});

fn raw_id(text: &str) {
    let canonical = canonical_raw_id(text);
    assert_eq!(canonical_raw_id(&canonical), canonical, "canonical_raw_id is not idempotent");

    let parsed = CommunicationIdentifier::from_raw_id(text);
    assert_eq!(parsed.raw_id().as_str(), text, "from_raw_id must keep the raw id");
    let rebuilt = CommunicationIdentifier::new(parsed.kind().clone());
    assert_eq!(rebuilt.raw_id().as_str(), text, "§4.2: parse then build must give the raw id back");
    let _ = (parsed.kind_name(), parsed.is_teams_user(), parsed.validate_target());

    // `from_raw_id` never fails; a raw id that `RawId::new` refuses (empty, control characters)
    // is not one the crate reads back from JSON either.
    if let Ok(raw) = RawId::new(text) {
        round_trip(&parsed);
        assert!(raw.same_participant(&raw));
        assert_eq!(raw.canonical(), canonical);
        assert_eq!(raw.to_identifier(), parsed);
        let json = serde_json::to_string(&raw).expect("a raw id serialises");
        assert_eq!(serde_json::from_str::<RawId>(&json).ok().as_ref(), Some(&raw));
    }
}

fn json_identifier(text: &str) {
    let Ok(value) = serde_json::from_str::<Value>(text) else { return };
    let by_value = CommunicationIdentifier::from_json_value(&value);
    let by_serde = serde_json::from_str::<CommunicationIdentifier>(text);
    match (&by_value, &by_serde) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "from_json_value and Deserialize disagree"),
        (Err(_), Err(_)) => {}
        // `Deserialize` also refuses non-objects earlier and with another message; both refuse.
        (a, b) => panic!("from_json_value {a:?} but Deserialize {b:?}"),
    }
    if let Ok(id) = &by_value {
        let _ = id.validate_target();
        round_trip(id);
    }
    let _ = switchboard::api::target::read(&value);
    // Identifiers inside arrays and objects (participant lists, event data).
    if let Value::Array(items) = &value {
        for item in items.iter().take(8) {
            if let Ok(id) = CommunicationIdentifier::from_json_value(item) {
                round_trip(&id);
            }
        }
    }
}

/// What the crate sends, it reads back as the same identifier.
fn round_trip(id: &CommunicationIdentifier) {
    let json = serde_json::to_string(id).expect("an identifier serialises");
    match serde_json::from_str::<CommunicationIdentifier>(&json) {
        Ok(back) => assert_eq!(&back, id, "identifier round trip changed it: {json}"),
        Err(e) => panic!("the crate cannot read an identifier it wrote ({e}): {json}"),
    }
}
