//! The flat JSON shape of an event for JavaScript: the data's members at the top level, in ACS's
//! own names, plus `type` (without the `Microsoft.Communication.` prefix), `id`, `time`,
//! `source`, `subject`. Built by splicing the received `data` text (nothing is lost, nothing is
//! re-serialised) and appending normalised members only where a legacy payload used other
//! names; JSON.parse keeps the last of duplicate keys, so the appended members win.

use super::{Event, EventData};

fn push_str_member(out: &mut String, key: &str, value: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
    // Serialising a &str cannot fail.
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
}

/// A value's JSON text, written with the serializer its build already carries for these types:
/// the Worker serialises them to `serde_json::Value` (its state and logs; −1.0 KB gzip there),
/// the npm package to text (through `Value` it would carry both: +2.7 KB). Only for the rare
/// legacy payloads.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    #[cfg(feature = "worker")]
    return serde_json::to_value(value).map(|v| v.to_string()).unwrap_or_default();
    #[cfg(not(feature = "worker"))]
    serde_json::to_string(value).unwrap_or_default()
}

fn push_raw_member(out: &mut String, key: &str, raw: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
    out.push_str(raw);
}

fn push_envelope(out: &mut String, e: &Event) {
    push_str_member(out, "id", &e.id);
    for (key, value) in [("time", &e.time), ("source", &e.source), ("subject", &e.subject)] {
        if let Some(v) = value {
            push_str_member(out, key, v);
        }
    }
}

/// Appends one event in the flat shape to `out`.
pub fn to_flat_json(e: &Event, out: &mut String) {
    out.push('{');
    if let EventData::Unknown(u) = &e.data {
        push_str_member(out, "type", "Unknown");
        push_str_member(out, "eventType", &u.event_type);
        push_envelope(out, e);
        push_raw_member(out, "raw", e.raw_json());
        out.push('}');
        return;
    }
    let data = e.raw_data().unwrap_or("{}").trim();
    if let Some(inner) = data.strip_prefix('{').and_then(|d| d.strip_suffix('}')) {
        if !inner.trim().is_empty() {
            out.push_str(inner);
        }
    } else {
        // RecordingFileStatusUpdated accepts any JSON data; keep a non-object under `data`.
        push_raw_member(out, "data", data);
    }
    normalise(e, data, out);
    push_canonical_enums(&e.data, out);
    push_str_member(out, "type", e.name());
    push_envelope(out, e);
    out.push('}');
}

/// The members [`to_flat_json`] appends to an event's own `data` members (the normalised ones
/// of a legacy payload), as a JSON object, or `None` when there are none (the usual case) or
/// the event is `Unknown`. A JavaScript caller that parsed the body itself gets the flat shape
/// by spreading `data`, assigning these, then `type` and the envelope.
pub fn flat_patch(e: &Event) -> Option<String> {
    if matches!(e.data, EventData::Unknown(_)) {
        return None;
    }
    let mut out = String::from("{");
    // The one-pass reader takes no legacy spelling and always finds callConnectionId in data.
    if !e.read_fast {
        normalise(e, e.raw_data().unwrap_or("{}").trim(), &mut out);
    }
    push_canonical_enums(&e.data, &mut out);
    (out.len() > 1).then(|| out + "}")
}

/// A recording state's `state` and `recordingKind` in their canonical spelling, each when it is
/// a known value (`None` for other events, or when neither is). ACS sends both casings (SPEC
/// §6).
pub(crate) fn canonical_enums(data: &EventData) -> Option<[(&'static str, Option<&str>); 2]> {
    let (EventData::RecordingStateChanged(r)
    | EventData::TeamsRecordingStateChanged(r)
    | EventData::TeamsComplianceRecordingStateChanged(r)) = data
    else {
        return None;
    };
    let state = r.state.as_ref().filter(|v| v.is_known()).map(|v| v.as_str());
    let kind = r.recording_kind.as_ref().filter(|v| v.is_known()).map(|v| v.as_str());
    (state.is_some() || kind.is_some()).then_some([("state", state), ("recordingKind", kind)])
}

/// Appends [`canonical_enums`] to `out`: after the payload's own members, these win in
/// `JSON.parse`. Always, not only when the payload spelled them otherwise: finding that out in
/// the text costs more (and more bytes of the Worker) than a few bytes appended to these rare
/// events.
pub(crate) fn push_canonical_enums(data: &EventData, out: &mut String) {
    for (key, value) in canonical_enums(data).into_iter().flatten() {
        if let Some(v) = value {
            push_str_member(out, key, v);
        }
    }
}

/// Members legacy payloads spell differently (SPEC §3.3 "legacy field names", §9 shape drift).
/// The cheap checks on the typed data come first: the text searches run only when they can
/// matter.
fn normalise(e: &Event, data: &str, out: &mut String) {
    if let (Some(c), true) = (e.data.common(), e.connection_from_source) {
        push_str_member(out, "callConnectionId", c.call_connection_id);
    }
    // The current name first: found near the start of a modern payload, it ends the search.
    let legacy = |old: &str, new: &str| !data.contains(new) && data.contains(old);
    if let Some(r) = e.data.common().and_then(|c| c.result_information) {
        if legacy("\"resultInfo\"", "\"resultInformation\"") {
            push_raw_member(out, "resultInformation", &json_text(r));
        }
    }
    match &e.data {
        EventData::RecognizeCompleted(r) => {
            if let Some(d) = r.dtmf_result.as_ref().filter(|_| legacy("\"collectTonesResult\"", "\"dtmfResult\"")) {
                push_raw_member(out, "dtmfResult", &json_text(d));
            }
        }
        EventData::ParticipantsUpdated(p)
            if p.participants.as_ref().is_some_and(|v| !v.is_empty()) && !data.contains("\"identifier\"") =>
        {
            push_raw_member(out, "participants", &json_text(&p.participants));
        }
        _ => {}
    }
}
