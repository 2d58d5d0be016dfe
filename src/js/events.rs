//! Events across the boundary: the body is parsed and typed here (the checks, the type names,
//! the normalised members of legacy payloads), and only an index of that comes back. The
//! wrapper builds the flat events from its own `JSON.parse` of the same body: V8 makes those
//! objects faster than any copy of the events through wasm memory could (`bench/README.md`).

use wasm_bindgen::prelude::*;

use super::{error, with_input};
use crate::events::{self, Event, EventData, EventError};

pub(super) fn event_error(e: &EventError) -> JsValue {
    error(e.code(), &e.to_string(), e.field().as_deref())
}

pub(super) fn parse(body: &str) -> Result<Vec<Event>, JsValue> {
    events::parse_events(body).map_err(|e| event_error(&e))
}

/// Appends the index of `events` to `out` as a JSON array: per event its type name without the
/// prefix (`"CallConnected"`, `"Unknown"`), or `[name, members]` when the flat shape needs
/// members the `data` does not spell that way (SPEC §9 shape drift; rare).
pub(super) fn write_index(events: &[Event], out: &mut String) {
    out.push('[');
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Type names are Rust identifiers: nothing to escape.
        match events::flat_patch(e) {
            None => {
                out.push('"');
                out.push_str(e.name());
                out.push('"');
            }
            Some(patch) => {
                out.push_str("[\"");
                out.push_str(e.name());
                out.push_str("\",");
                out.push_str(&patch);
                out.push(']');
            }
        }
    }
    out.push(']');
}

thread_local! {
    /// The index of the last body [`parse_event_code`] could not give as one number.
    static INDEX: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

#[cfg(feature = "fast-reader")]
thread_local! {
    /// Where the parts of the last body [`parse_event_code`] set [`SPANS`] for are
    /// (`events::Spans`), read by the wrapper in place (`eventSpans()`).
    static EVENT_SPANS: std::cell::Cell<events::Spans> = const { std::cell::Cell::new([0; 10]) };
}

/// Set in [`parse_event_code`]'s answer when `eventSpans()` holds where the event's parts are.
#[cfg(feature = "fast-reader")]
const SPANS: u32 = 1 << 17;

/// `eventSpans()`: the address of ten `u32`s in wasm memory: after a `parseEventCode` answer
/// with bit 17 set, the byte offsets of the body's `data` object and of its `id`, `time`,
/// `source` and `subject` text (`0xffffffff` twice for one not given). The address does not
/// change.
#[cfg(feature = "fast-reader")]
#[wasm_bindgen(js_name = eventSpans)]
pub fn event_spans() -> *const u32 {
    EVENT_SPANS.with(|s| s.as_ptr().cast::<u32>())
}

/// `parseEventCode(len)`: checks and types the webhook body in the input buffer. For the usual
/// body — one event, nothing to normalise — returns the index of its type in
/// `eventTypeNames()` (a number crosses the boundary cheaper than a string), with bit 16 set
/// when only its recording state or kind needs respelling (the wrapper does it) and bit 17
/// when `eventSpans()` says where its parts are (the wrapper parses only its data); otherwise -1, and
/// `takeEventIndex()` gives the body's index (see [`write_index`]). The wrapper's `parseEvents`
/// pairs it with its own `JSON.parse` of the body.
#[wasm_bindgen(js_name = parseEventCode)]
pub fn parse_event_code(len: usize) -> Result<i32, JsValue> {
    with_input(len, |body| {
        #[cfg(feature = "fast-reader")]
        if let Some((code, spans)) = events::one_event_code(body) {
            let Some(spans) = spans else { return Ok(code as i32) };
            EVENT_SPANS.with(|s| s.set(spans));
            return Ok((code | SPANS) as i32);
        }
        let parsed = parse(body)?;
        if let [one] = &parsed[..] {
            if events::flat_patch(one).is_none() {
                return Ok(one.data.code() as i32);
            }
        }
        let mut out = String::with_capacity(24 * parsed.len() + 2);
        write_index(&parsed, &mut out);
        INDEX.with(|i| *i.borrow_mut() = out);
        Ok(-1)
    })
}

/// `takeEventIndex()`: the index of the last body `parseEventCode` answered -1 for, as JSON.
#[wasm_bindgen(js_name = takeEventIndex)]
pub fn take_event_index() -> String {
    INDEX.with(|i| std::mem::take(&mut *i.borrow_mut()))
}

/// `eventTypeNames()`: the type names `parseEventCode` numbers, as a JSON array.
#[wasm_bindgen(js_name = eventTypeNames)]
pub fn event_type_names() -> String {
    let mut out = String::from("[");
    for (i, name) in EventData::NAMES.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Type names are Rust identifiers: nothing to escape.
        out.push('"');
        out.push_str(name);
        out.push('"');
    }
    out.push(']');
    out
}
