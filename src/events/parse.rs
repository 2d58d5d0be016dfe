//! Webhook body → events: envelope (CloudEvents or Event Grid), then typed data by type.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Event, EventData, EventError, EventSchema, UnknownEvent, TYPE_PREFIX};

const VALIDATION_TYPE: &str = "Microsoft.EventGrid.SubscriptionValidationEvent";

/// The envelope members of one element, borrowed from the body where possible.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "type")]
    ce_type: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "eventType")]
    eg_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    topic: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subject: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "eventTime")]
    event_time: Option<Cow<'a, str>>,
    // SPEC §7.4: `specVersion` appears in an official example; CloudEvents says `specversion`.
    #[serde(
        borrow,
        default,
        alias = "specVersion",
        alias = "SpecVersion",
        alias = "SPECVERSION",
        alias = "Specversion"
    )]
    specversion: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

pub(super) fn typed<'a, T: Deserialize<'a>>(data: &'a str) -> Result<T, crate::FieldError> {
    crate::json_path::from_text(data)
}

fn envelope_error(index: usize, e: crate::FieldError) -> EventError {
    let field = if e.field.is_empty() { "event".to_owned() } else { e.field };
    EventError::Envelope { index, field, message: e.message }
}

fn owned(v: Option<Cow<'_, str>>) -> Option<String> {
    v.map(Cow::into_owned)
}

/// `calling/callConnections/<id>` or `calling/callConnections/<id>/<EventName>` → `<id>`.
fn connection_from_source_path(source: &str) -> Option<&str> {
    let rest = source.trim_start_matches('/').strip_prefix("calling/callConnections/")?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then_some(id)
}

fn parse_element(index: usize, raw: &RawValue) -> Result<Event, EventError> {
    let text = raw.get();
    if !text.starts_with('{') {
        return Err(EventError::Envelope { index, field: "event".into(), message: "must be a JSON object".into() });
    }
    let env: Envelope<'_> = typed(text).map_err(|e| envelope_error(index, e))?;
    let (schema, event_type) = match (env.ce_type, env.eg_type) {
        (Some(t), _) => (EventSchema::CloudEvents, t),
        (None, Some(t)) => (EventSchema::EventGrid, t),
        (None, None) => {
            return Err(EventError::Envelope {
                index,
                field: "type".into(),
                message: "is required (CloudEvents `type` or Event Grid `eventType`)".into(),
            })
        }
    };
    if schema == EventSchema::CloudEvents {
        if let Some(v) = &env.specversion {
            if v.trim() != "1.0" {
                return Err(EventError::Envelope {
                    index,
                    field: "specversion".into(),
                    message: format!("{v:?} is not a supported CloudEvents version (1.0)"),
                });
            }
        }
    }
    let id = match env.id {
        Some(id) if !id.is_empty() => id.into_owned(),
        _ => {
            return Err(EventError::Envelope {
                index,
                field: "id".into(),
                message: "is required (it is the deduplication key)".into(),
            })
        }
    };
    let data_text = env.data.map(RawValue::get);
    let data_error =
        |field: String, message: String| EventError::Data { index, event_type: event_type.to_string(), field, message };
    let name = event_type.strip_prefix(TYPE_PREFIX);
    // A typed event's data is an object: serde's derived visitors would also read an array as
    // a struct (every member defaulted), and such an event must not be applied.
    let known = event_type == VALIDATION_TYPE
        || name.is_some_and(|n| EventData::is_callback(n) || n == "IncomingCall" || n == "RecordingFileStatusUpdated");
    if let Some(text) = data_text.filter(|t| known && !t.trim_start().starts_with('{')) {
        let found = match text.trim_start().as_bytes().first() {
            Some(b'[') => "an array",
            Some(b'"') => "a string",
            Some(b'n') => "null",
            Some(b't' | b'f') => "a boolean",
            _ => "a number",
        };
        return Err(data_error(String::new(), format!("must be an object, not {found}")));
    }
    let mut data = if event_type == VALIDATION_TYPE {
        let text = data_text.ok_or_else(|| data_error(String::new(), "is required".into()))?;
        EventData::SubscriptionValidation(typed(text).map_err(|e| path_error(e, &data_error))?)
    } else {
        match (name, data_text) {
            (Some("IncomingCall"), Some(text)) => {
                let call: super::IncomingCallData = typed(text).map_err(|e| path_error(e, &data_error))?;
                // Answer, redirect and reject all need it: an offer without one is unusable.
                if call.incoming_call_context.trim().is_empty() {
                    return Err(data_error("incomingCallContext".into(), "is required and must not be empty".into()));
                }
                EventData::IncomingCall(call)
            }
            (Some("RecordingFileStatusUpdated"), Some(text)) => EventData::RecordingFileStatusUpdated(
                serde_json::from_str(text).map_err(|e| data_error(String::new(), e.to_string()))?,
            ),
            (Some(n), Some(text)) => match EventData::parse_callback(n, text) {
                Some(parsed) => parsed.map_err(|e| path_error(e, &data_error))?,
                None => unknown(&event_type, env.data),
            },
            (Some(n), None) if EventData::is_callback(n) || n == "IncomingCall" => {
                return Err(data_error(String::new(), "is required for this event type".into()))
            }
            _ => unknown(&event_type, env.data),
        }
    };
    let source = owned(env.source.or(env.topic));
    let mut connection_from_source = false;
    if data.common().is_some_and(|c| c.call_connection_id.is_empty()) {
        if let Some(id) = source.as_deref().and_then(connection_from_source_path) {
            data.set_call_connection_id(id.to_owned());
            connection_from_source = true;
        }
    }
    // `data` borrows from `text`, so its position is a pointer difference.
    let data_span = data_text.map(|d| {
        let start = d.as_ptr() as usize - text.as_ptr() as usize;
        (start, start + d.len())
    });
    Ok(Event {
        id,
        event_type: event_type.into_owned(),
        source,
        subject: owned(env.subject),
        time: owned(env.time.or(env.event_time)),
        schema,
        data,
        raw: raw.get().into(),
        data_span,
        connection_from_source,
        read_fast: false,
    })
}

fn unknown(event_type: &str, data: Option<&RawValue>) -> EventData {
    EventData::Unknown(UnknownEvent { event_type: event_type.to_owned(), data: data.map(RawValue::to_owned) })
}

fn path_error(e: crate::FieldError, make: &dyn Fn(String, String) -> EventError) -> EventError {
    make(e.field, e.message)
}

/// Parses a webhook body (array or single event, CloudEvents or Event Grid schema).
///
/// An empty array gives no events. Unknown types become [`EventData::Unknown`]; a known type
/// whose data has the wrong shape is an error naming the field.
pub fn parse_events(body: &str) -> Result<Vec<Event>, EventError> {
    // The usual shape in one pass (`fast.rs`); anything else, errors included, through serde.
    // The builds for size read with serde alone (feature `fast-reader`, Cargo.toml): the
    // Worker's callback costs half a millisecond either way, and a page parses a few events.
    #[cfg(feature = "fast-reader")]
    if let Some(events) = super::fast::parse_events(body) {
        return Ok(events);
    }
    parse_with_serde(body).or_else(|e| match crate::json_path::mend_lone_surrogates(body) {
        // Escaped lone surrogates (a display name cut inside an emoji) are valid JSON but no Rust
        // string: read as U+FFFD rather than refusing the whole callback. Only the error path pays.
        Some(mended) => parse_with_serde(&mended).map_err(|_| e),
        None => Err(e),
    })
}

/// The type code ([`super::EventData::code`]) of a body of one event that needs no normalising,
/// when the one-pass reader reads it: checked and typed as [`parse_events`] would, without
/// building the event (what the package's `parseEvents` needs: its objects come from
/// `JSON.parse`), with where its parts are when the wrapper can slice them
/// ([`super::fast::Spans`]). `None`: ask [`parse_events`].
#[cfg(all(feature = "fast-reader", feature = "js"))]
pub(crate) fn one_event_code(body: &str) -> Option<(u32, Option<super::fast::Spans>)> {
    super::fast::event_code(body)
}

/// [`parse_events`] through serde alone: the reference the one-pass reader is checked against.
pub(super) fn parse_with_serde(body: &str) -> Result<Vec<Event>, EventError> {
    let trimmed = body.trim_start();
    match trimmed.as_bytes().first() {
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(body).map_err(|e| EventError::Json(e.to_string()))?;
            items.into_iter().enumerate().map(|(i, raw)| parse_element(i, raw)).collect()
        }
        Some(b'{') => {
            let raw: &RawValue = serde_json::from_str(body).map_err(|e| EventError::Json(e.to_string()))?;
            Ok(vec![parse_element(0, raw)?])
        }
        Some(_) => match serde_json::from_str::<serde::de::IgnoredAny>(body) {
            Ok(_) => Err(EventError::NotEvents),
            Err(e) => Err(EventError::Json(e.to_string())),
        },
        None => Err(EventError::Json("the body is empty".into())),
    }
}
