//! Request-body schemas: each body's members, their kinds and the cross-member rules, as data.
//!
//! One table per body is the single source of truth for what ACS accepts: the typed bodies
//! validate through it ([`super::Body::validate`]), and the npm package builds requests through
//! it directly from JSON params — checking, normalising identifiers to their expanded form and
//! writing members in the typed struct's order — without carrying a derived deserializer per
//! body type (that code was most of the package's wasm).

use serde_json::{Map, Value};

use super::validate;
use crate::model::{PlaySourceKind, RecognizeInputType, Tone};
use crate::{CommunicationIdentifier, EntraObjectId, FieldError};

/// What a member may hold.
#[derive(Debug)]
pub enum Kind {
    /// Any string.
    Str,
    /// A string that is not blank.
    Text,
    /// true / false.
    Bool,
    /// An integer within the inclusive range.
    Int(i64, i64),
    /// Any JSON, kept as given (polymorphic options ACS itself documents loosely).
    Any,
    /// One of the values (any casing, written canonically); `closed` refuses others.
    Enum(&'static [&'static str], bool),
    /// An absolute https URL (plain http only on loopback).
    CallbackUri,
    /// A GUID.
    Guid,
    /// An identifier ACS can call ([`CommunicationIdentifier::validate_target`]).
    Target,
    /// Any identifier (e.g. someone to remove, whatever their kind).
    Identifier,
    /// A list of at least `min` items of a kind.
    List(&'static Kind, usize),
    /// An object with its own schema.
    Object(&'static Schema),
    /// An object of string values (`voipHeaders`, `sipHeaders`).
    StrMap,
}

/// A rule across an object's members.
pub type Check = fn(&Map<String, Value>) -> Result<(), FieldError>;

/// One member.
#[derive(Debug)]
pub struct Field {
    /// Wire name.
    pub name: &'static str,
    /// What it may hold.
    pub kind: Kind,
    /// Must be present (and not null).
    pub required: bool,
}

/// An object's members in wire order, plus a rule across members.
#[derive(Debug)]
pub struct Schema {
    /// Members, in the order they are written.
    pub fields: &'static [Field],
    /// A rule across members (e.g. a phone target needs a caller id), run after the members pass.
    pub check: Option<Check>,
}

/// Shorthand for a required member.
pub const fn req(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: true }
}

/// Shorthand for an optional member.
pub const fn opt(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: false }
}

/// A normalised value, written in schema order. It borrows the params it came from: building a
/// request copies no member before writing it.
enum Out<'a> {
    Raw(String),
    Json(&'a Value),
    Str(&'static str),
    Obj(Vec<(&'a str, Out<'a>)>),
    List(Vec<Out<'a>>),
}

/// A JSON string literal; serde_json's escaping only when something needs it.
fn push_json_str(out: &mut String, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

fn push_json(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => push_json_str(out, s),
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_str(out, k);
                out.push(':');
                push_json(out, x);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json(out, x);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

impl Out<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Out::Raw(text) => out.push_str(text),
            Out::Json(v) => push_json(out, v),
            Out::Str(s) => push_json_str(out, s),
            Out::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Out::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn type_error(expected: &str) -> FieldError {
    FieldError::new("", format!("must be {expected}"))
}

fn identifier(v: &Value, callable: bool) -> Result<Out<'static>, FieldError> {
    let id = CommunicationIdentifier::from_json_value(v)?;
    if callable {
        id.validate_target()?;
    } else if id.raw_id().as_str().is_empty() {
        return Err(FieldError::new("", "is an empty identifier"));
    }
    // The typed serialiser writes the expanded form in wire order (kind, rawId, member).
    Ok(Out::Raw(serde_json::to_string(&id).unwrap_or_default()))
}

fn kind<'a>(k: &Kind, v: &'a Value) -> Result<Out<'a>, FieldError> {
    let keep = || Ok(Out::Json(v));
    match k {
        Kind::Str => v.as_str().map(|_| ()).ok_or_else(|| type_error("a string")).and_then(|_| keep()),
        Kind::Text => match v.as_str() {
            Some(s) if !s.trim().is_empty() => keep(),
            Some(_) => Err(FieldError::new("", "is required and must not be empty")),
            None => Err(type_error("a string")),
        },
        Kind::Bool => v.as_bool().map(|_| ()).ok_or_else(|| type_error("true or false")).and_then(|_| keep()),
        Kind::Int(lo, hi) => match v.as_i64() {
            Some(n) if (*lo..=*hi).contains(&n) => keep(),
            Some(n) => Err(FieldError::new("", format!("{n} is outside {lo}–{hi}"))),
            None => Err(type_error("an integer")),
        },
        Kind::Any => keep(),
        Kind::Enum(values, closed) => {
            let s = v.as_str().ok_or_else(|| type_error("a string"))?;
            match values.iter().find(|known| known.eq_ignore_ascii_case(s)) {
                Some(known) => Ok(Out::Str(known)),
                None if *closed => Err(FieldError::new("", format!("{s:?} is not one of {}", values.join(", ")))),
                None => keep(),
            }
        }
        Kind::CallbackUri => {
            let s = v.as_str().ok_or_else(|| type_error("a URL string"))?;
            validate::callback_uri("", s).and_then(|_| keep())
        }
        Kind::Guid => {
            let s = v.as_str().ok_or_else(|| type_error("a GUID string"))?;
            EntraObjectId::parse(s).map_err(|e| FieldError::new("", e.to_string())).and_then(|_| keep())
        }
        Kind::Target => identifier(v, true),
        Kind::Identifier => identifier(v, false),
        Kind::List(item, min) => {
            let items = v.as_array().ok_or_else(|| type_error("an array"))?;
            if items.len() < *min {
                return Err(FieldError::new(
                    "",
                    format!("must have at least {min} item{}", if *min == 1 { "" } else { "s" }),
                ));
            }
            let out: Result<Vec<Out<'a>>, FieldError> =
                items.iter().enumerate().map(|(i, x)| kind(item, x).map_err(|e| e.within(&format!("[{i}]")))).collect();
            Ok(Out::List(out?))
        }
        Kind::Object(schema) => {
            let obj = v.as_object().ok_or_else(|| type_error("an object"))?;
            object(schema, obj, false, &[]).map(Out::Obj)
        }
        Kind::StrMap => {
            let obj = v.as_object().ok_or_else(|| type_error("an object of strings"))?;
            if let Some((k, _)) = obj.iter().find(|(_, x)| !x.is_string()) {
                return Err(FieldError::new(k.as_str(), "must be a string"));
            }
            keep()
        }
    }
}

fn join(parent: &str, child: FieldError) -> FieldError {
    // `[0]` joins without a dot.
    if child.field.starts_with('[') {
        FieldError::new(format!("{parent}{}", child.field), child.message)
    } else {
        child.within(parent)
    }
}

fn object<'a>(
    schema: &Schema,
    obj: &'a Map<String, Value>,
    strict: bool,
    skip: &[&str],
) -> Result<Vec<(&'a str, Out<'a>)>, FieldError> {
    let mut out = Vec::with_capacity(schema.fields.len());
    for f in schema.fields {
        match obj.get(f.name) {
            None | Some(Value::Null) if f.required => return Err(FieldError::new(f.name, "is required")),
            None | Some(Value::Null) => {}
            Some(v) => out.push((f.name, kind(&f.kind, v).map_err(|e| join(f.name, e))?)),
        }
    }
    if let Some(check) = schema.check {
        check(obj)?;
    }
    for (k, v) in obj {
        if schema.fields.iter().any(|f| f.name == k) || skip.contains(&k.as_str()) || v.is_null() {
            continue;
        }
        if strict {
            return Err(FieldError::new(k.as_str(), "is not a field of this request"));
        }
        out.push((k.as_str(), Out::Json(v)));
    }
    Ok(out)
}

/// Checks `obj` against `schema` and writes the normalised body: members in schema order,
/// identifiers expanded, nulls dropped, unknown members refused (`strict`) or appended.
/// Members named in `skip` (path parameters sharing the params object) are left out.
pub fn write_body(
    schema: &Schema,
    obj: &Map<String, Value>,
    strict: bool,
    skip: &[&str],
) -> Result<String, FieldError> {
    let members = object(schema, obj, strict, skip)?;
    let mut text = String::with_capacity(256);
    Out::Obj(members).write(&mut text);
    Ok(text)
}

/// Only the checks of [`write_body`] (what the typed bodies' `validate` runs).
pub fn check(schema: &Schema, obj: &Map<String, Value>) -> Result<(), FieldError> {
    object(schema, obj, false, &[]).map(drop)
}

// ---- shared member schemas ----------------------------------------------------------------

const fn values_of(known: &'static [&'static str]) -> &'static [&'static str] {
    known
}

/// `PhoneNumberIdentifierModel`.
pub static PHONE_MODEL: Schema = Schema {
    fields: &[req("value", Kind::Text), opt("isAnonymous", Kind::Bool), opt("assertedId", Kind::Str)],
    check: None,
};

/// `CommunicationUserIdentifierModel`.
pub static USER_MODEL: Schema = Schema { fields: &[req("id", Kind::Text)], check: None };

/// `MicrosoftTeamsAppIdentifierModel`.
pub static TEAMS_APP_MODEL: Schema = Schema {
    fields: &[req("appId", Kind::Guid), opt("cloud", Kind::Enum(&["public", "dod", "gcch"], true))],
    check: None,
};

/// `CustomCallingContext`.
pub static CUSTOM_CALLING_CONTEXT: Schema = Schema {
    fields: &[
        opt("voipHeaders", Kind::StrMap),
        opt("sipHeaders", Kind::StrMap),
        opt("teamsPhoneCallDetails", Kind::Any),
    ],
    check: None,
};

/// `CallLocator`.
pub static CALL_LOCATOR: Schema = Schema {
    fields: &[
        opt("groupCallId", Kind::Str),
        opt("serverCallId", Kind::Str),
        opt("roomId", Kind::Str),
        opt("kind", Kind::Str),
    ],
    check: None,
};

static FILE_SOURCE: Schema = Schema { fields: &[req("uri", Kind::Str)], check: Some(file_uri) };
static TEXT_SOURCE: Schema = Schema {
    fields: &[
        req("text", Kind::Text),
        opt("sourceLocale", Kind::Str),
        opt("voiceKind", Kind::Str),
        opt("voiceName", Kind::Str),
        opt("customVoiceEndpointId", Kind::Str),
    ],
    check: None,
};
static SSML_SOURCE: Schema =
    Schema { fields: &[req("ssmlText", Kind::Text), opt("customVoiceEndpointId", Kind::Str)], check: None };

/// `PlaySource`: the member named by `kind` must be there.
pub static PLAY_SOURCE: Schema = Schema {
    fields: &[
        req("kind", Kind::Enum(values_of(PlaySourceKind::KNOWN), true)),
        opt("playSourceCacheId", Kind::Str),
        opt("file", Kind::Object(&FILE_SOURCE)),
        opt("text", Kind::Object(&TEXT_SOURCE)),
        opt("ssml", Kind::Object(&SSML_SOURCE)),
    ],
    check: Some(play_source_member),
};

/// A list of play sources (at least one).
pub const PLAY_SOURCES: Kind = Kind::List(&Kind::Object(&PLAY_SOURCE), 1);

/// A DTMF tone.
pub const TONE: Kind = Kind::Enum(Tone::KNOWN, true);

static DTMF_OPTIONS: Schema = Schema {
    fields: &[
        opt("interToneTimeoutInSeconds", Kind::Int(1, 60)),
        opt("maxTonesToCollect", Kind::Int(1, i32::MAX as i64)),
        opt("stopTones", Kind::List(&TONE, 0)),
    ],
    check: None,
};
static CHOICE: Schema = Schema {
    fields: &[req("label", Kind::Text), req("phrases", Kind::List(&Kind::Str, 0)), opt("tone", TONE)],
    check: None,
};

/// `RecognizeOptions`.
pub static RECOGNIZE_OPTIONS: Schema = Schema {
    fields: &[
        req("targetParticipant", Kind::Target),
        opt("interruptPrompt", Kind::Bool),
        opt("initialSilenceTimeoutInSeconds", Kind::Int(0, 300)),
        opt("dtmfOptions", Kind::Object(&DTMF_OPTIONS)),
        opt("choices", Kind::List(&Kind::Object(&CHOICE), 0)),
        opt("speechLanguage", Kind::Str),
        opt("speechRecognitionModelEndpointId", Kind::Str),
        opt("speechOptions", Kind::Any),
    ],
    check: None,
};

/// `recognizeInputType`.
pub const RECOGNIZE_INPUT_TYPE: Kind = Kind::Enum(RecognizeInputType::KNOWN, true);

fn file_uri(obj: &Map<String, Value>) -> Result<(), FieldError> {
    match obj.get("uri").and_then(Value::as_str) {
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => Ok(()),
        Some(u) => Err(FieldError::new("uri", format!("{u:?} is not an absolute http(s) URL"))),
        None => Ok(()),
    }
}

fn play_source_member(obj: &Map<String, Value>) -> Result<(), FieldError> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let member = ["file", "text", "ssml"].into_iter().find(|m| m.eq_ignore_ascii_case(kind)).unwrap_or("file");
    if obj.get(member).is_none_or(Value::is_null) {
        return Err(FieldError::new(member, format!("is required when kind is {member:?}")));
    }
    Ok(())
}

/// True when an identifier-shaped value is a phone number (its kind, typed member or raw id).
pub fn is_phone(v: Option<&Value>) -> bool {
    v.and_then(|v| CommunicationIdentifier::from_json_value(v).ok())
        .is_some_and(|id| matches!(id.kind(), crate::IdentifierKind::PhoneNumber(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static BODY: Schema = Schema {
        fields: &[
            req("target", Kind::Target),
            opt("n", Kind::Int(0, 10)),
            opt("sources", PLAY_SOURCES),
            opt("tone", TONE),
        ],
        check: None,
    };

    fn write(v: Value, strict: bool) -> Result<String, FieldError> {
        write_body(&BODY, v.as_object().unwrap(), strict, &["callConnectionId"])
    }

    #[test]
    fn writes_in_schema_order_with_identifiers_expanded() {
        let out = write(
            json!({"tone": "Pound", "n": 3, "target": {"rawId": "4:+14255550123"}, "callConnectionId": "c", "x": null}),
            true,
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"target":{"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123","isAnonymous":false}},"n":3,"tone":"pound"}"#
        );
    }

    #[test]
    fn names_the_field_at_any_depth() {
        let field = |v| write(v, true).unwrap_err().field;
        assert_eq!(field(json!({})), "target");
        assert_eq!(field(json!({"target": {"rawId": "4:+1"}})), "target.phoneNumber.value");
        assert_eq!(field(json!({"target": {"rawId": "4:+14255550123"}, "n": 11})), "n");
        assert_eq!(field(json!({"target": {"rawId": "4:+14255550123"}, "n": "3"})), "n");
        assert_eq!(
            field(json!({"target": {"kind": "microsoftTeamsUser", "microsoftTeamsUser": {"userId": "x"}}})),
            "target.microsoftTeamsUser.userId"
        );
        assert_eq!(
            field(
                json!({"target": {"rawId": "4:+14255550123"}, "sources": [{"kind": "file", "file": {"uri": "https://a/b.wav"}}, {"kind": "text"}]})
            ),
            "sources[1].text"
        );
        assert_eq!(
            field(
                json!({"target": {"rawId": "4:+14255550123"}, "sources": [{"kind": "file", "file": {"uri": "b.wav"}}]})
            ),
            "sources[0].file.uri"
        );
        assert_eq!(field(json!({"target": {"rawId": "4:+14255550123"}, "tone": "ten"})), "tone");
        assert_eq!(field(json!({"target": {"rawId": "4:+14255550123"}, "typo": 1})), "typo");
        // Not strict: unknown members are kept, after the known ones.
        assert!(write(json!({"target": {"rawId": "4:+14255550123"}, "future": [1]}), false)
            .unwrap()
            .ends_with(r#""future":[1]}"#));
    }
}
