//! Which field a serde_json error is about, found from the error's position in the text.
//!
//! serde reports *where* (line, column) but not *which field*. Wrapping every deserializer to
//! track the path (serde_path_to_error) doubles the generated code of every type — it was the
//! largest item in the npm package's wasm. Instead, on the error path only, this walks the JSON
//! text once and maps the error position to the dotted path of the value there.

use crate::FieldError;

struct Span {
    start: usize,
    end: usize,
    path: String,
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

fn string_end(b: &[u8], mut i: usize) -> usize {
    // `i` is at the opening quote.
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Records the span of the value at `i` (and of everything inside it); returns its end.
fn value(b: &[u8], text: &str, i: usize, path: &str, spans: &mut Vec<Span>, depth: usize) -> usize {
    let start = skip_ws(b, i);
    if start >= b.len() || depth > 128 {
        return b.len();
    }
    let end = match b[start] {
        b'{' => {
            let mut j = skip_ws(b, start + 1);
            while j < b.len() && b[j] != b'}' {
                if b[j] != b'"' {
                    return b.len();
                }
                let key_end = string_end(b, j);
                let key = text.get(j + 1..key_end.saturating_sub(1)).unwrap_or("");
                j = skip_ws(b, key_end);
                if b.get(j) != Some(&b':') {
                    return b.len();
                }
                j = value(b, text, j + 1, &join(path, key), spans, depth + 1);
                j = skip_ws(b, j);
                if b.get(j) == Some(&b',') {
                    j = skip_ws(b, j + 1);
                }
            }
            (j + 1).min(b.len())
        }
        b'[' => {
            let mut j = skip_ws(b, start + 1);
            let mut index = 0;
            while j < b.len() && b[j] != b']' {
                j = value(b, text, j, &format!("{path}[{index}]"), spans, depth + 1);
                index += 1;
                j = skip_ws(b, j);
                if b.get(j) == Some(&b',') {
                    j = skip_ws(b, j + 1);
                } else if b.get(j) != Some(&b']') {
                    return b.len();
                }
            }
            (j + 1).min(b.len())
        }
        b'"' => string_end(b, start),
        _ => {
            let mut j = start;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                j += 1;
            }
            j
        }
    };
    spans.push(Span { start, end, path: path.to_owned() });
    end
}

fn offset(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column).min(text.len())
}

/// The dotted path (`participantToAdd.microsoftTeamsUser.userId`, `targets[1]`) of the value
/// a serde_json error at `line`/`column` of `text` is about.
///
/// serde_json reports an error raised after a value was read (a wrong number, a missing member,
/// an identifier our own deserializer refuses at the end of its object) just after that value,
/// and one raised on a peek (a wrong type) just inside it. So: the smallest value ending exactly
/// there, else the smallest value starting at or around the position.
pub fn path_at(text: &str, line: usize, column: usize) -> String {
    let at = offset(text, line, column);
    let mut spans = Vec::new();
    value(text.as_bytes(), text, 0, "", &mut spans, 0);
    let smallest = |f: &dyn Fn(&Span) -> bool| {
        spans.iter().filter(|s| f(s)).min_by_key(|s| s.end - s.start).map(|s| s.path.clone())
    };
    smallest(&|s| s.end == at).or_else(|| smallest(&|s| s.start <= at && at < s.end)).unwrap_or_default()
}

/// Turns a serde message plus the path where it happened into a [`FieldError`]: `missing field`
/// names the member; identifier errors already say `microsoftTeamsUser.userId: ...`.
pub fn field_error(path: String, message: String) -> FieldError {
    if let Some(rest) = message.strip_prefix("missing field `") {
        if let Some(end) = rest.find('`') {
            return FieldError::new(&rest[..end], "is required").within(&path);
        }
    }
    // Reported at the object holding it: name the member itself.
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some(end) = rest.find('`') {
            let expected = rest[end + 1..].trim_start_matches(", ");
            return FieldError::new(&rest[..end], format!("is not a member here ({expected})")).within(&path);
        }
    }
    if let Some((inner, msg)) = message.split_once(": ") {
        if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_alphanumeric() || b"._[]".contains(&b)) {
            return FieldError::new(inner, msg).within(&path);
        }
    }
    FieldError::new(path, message)
}

/// Deserialises `T` from JSON text; an error names the field (see the module doc).
pub fn from_text<'a, T: serde::Deserialize<'a>>(text: &'a str) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_str(text);
    T::deserialize(Top(&mut de)).and_then(|v| de.end().map(|()| v)).map_err(|e| error(text, &e))
}

/// [`from_text`], and when that fails on text holding escaped lone surrogates (`"\ud83d"`: valid
/// JSON, which `JSON.parse` and .NET accept — a display name cut in the middle of an emoji —
/// but not a Rust string), once more with each of them read as U+FFFD. Only the error path pays.
pub fn from_text_mended<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, FieldError> {
    from_text(text).or_else(|e| match mend_lone_surrogates(text) {
        // Same length: the mended text's error is at the same place in the caller's text.
        Some(mended) => from_text(&mended),
        None => Err(e),
    })
}

/// `text` with every escaped lone surrogate (`\uD800`–`\uDFFF` not forming a pair) written
/// as `\uFFFD`, or `None` when it has none.
pub fn mend_lone_surrogates(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let hex = |i: usize| -> Option<u16> {
        let digits = text.get(i..i + 4)?;
        if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(digits, 16).ok()
    };
    let escape_at = |i: usize| -> Option<u16> {
        (b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u')).then(|| hex(i + 2)).flatten()
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(i) else {
            i += 2;
            continue;
        };
        let paired =
            (0xD800..0xDC00).contains(&unit) && escape_at(i + 6).is_some_and(|n| (0xDC00..0xE000).contains(&n));
        if paired {
            i += 12;
        } else if (0xD800..0xE000).contains(&unit) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str("\\uFFFD");
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    out.map(|mut o| {
        o.push_str(&text[copied..]);
        o
    })
}

/// serde_json's deserializer for the top-level value, reading a struct only from a JSON object.
///
/// serde's derived visitors also read a struct from an array (members by position), and
/// serde_json calls that on `[`: every derived type then carries a `visit_seq` reading each of
/// its members once more. Nothing this crate reads is written that way — the top-level values
/// are event data, envelopes and params objects — so an array there is refused ("invalid type:
/// sequence, expected struct …"), and the largest types (the events' data) leave that code
/// out of the wasm. Nested structs still go through serde_json directly.
struct Top<'a, 'de>(&'a mut serde_json::Deserializer<serde_json::de::StrRead<'de>>);

macro_rules! forward {
    ($($method:ident)*) => {
        $(
            fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                serde::Deserializer::$method(self.0, visitor)
            }
        )*
    };
}

impl<'de> serde::Deserializer<'de> for Top<'_, 'de> {
    type Error = serde_json::Error;

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq
        deserialize_map deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: serde::de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }
}

/// The [`FieldError`] for a serde_json error raised while reading `text`.
pub fn error(text: &str, e: &serde_json::Error) -> FieldError {
    let message = e.to_string();
    // serde_json appends " at line L column C"; the path says it better.
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    };
    if e.is_syntax() || e.is_eof() {
        return FieldError::new("", format!("{message} (line {}, column {})", e.line(), e.column()));
    }
    let path = path_at(text, e.line(), e.column());
    field_error(path, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Inner {
        user_id: String,
        n: Option<i32>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Outer {
        a: Option<i32>,
        items: Vec<Inner>,
        id: Option<crate::CommunicationIdentifier>,
    }

    fn field(text: &str) -> String {
        from_text::<Outer>(text).unwrap_err().field
    }

    #[test]
    fn finds_the_field_of_each_kind_of_error() {
        assert_eq!(field(r#"{"a":"x","items":[]}"#), "a");
        assert_eq!(field(r#"{"a":1}"#), "items");
        assert_eq!(field(r#"{"items":[{"userId":"u"},{"n":1}]}"#), "items[1].userId");
        assert_eq!(field(r#"{"items":[{"userId":"u","n":true}]}"#), "items[0].n");
        assert_eq!(field("{\n  \"items\": [],\n  \"id\": {\"kind\": \"microsoftTeamsUser\", \"microsoftTeamsUser\": {\"userId\": \"\"}}\n}"), "id.microsoftTeamsUser.userId");
        assert_eq!(
            field(
                r#"{"items":[],"id":{"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":"x","cloud":"mars"}},"a":1}"#
            ),
            "id.microsoftTeamsUser.cloud"
        );
        // The failing value last in its parent (serde_json then reports past the parent's `}`).
        assert_eq!(
            field(r#"{"items":[],"id":{"kind":"microsoftTeamsUser","microsoftTeamsUser":{"userId":""}}}"#),
            "id.microsoftTeamsUser.userId"
        );
        assert_eq!(field(r#"{"items":[],"id":{"kind":"microsoftTeamsUser"}}"#), "id.microsoftTeamsUser");
        assert_eq!(field(r#"{"items":[{"userId":{}}]}"#), "items[0].userId");
        assert_eq!(field(r#"{"items":[],"a":"#), "");
        let e = from_text::<Outer>(r#"{"items":[],"a":1.5}"#).unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("a", "invalid type: floating point `1.5`, expected i32"));
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        inner: Option<StrictInner>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct StrictInner {
        drop: f64,
    }

    #[test]
    fn an_unknown_member_is_named_itself_not_its_object() {
        let e = from_text::<Strict>(r#"{"inner":{"dorp":0.1}}"#).unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("inner.dorp", "is not a member here (expected `drop`)"));
        assert_eq!(from_text::<Strict>(r#"{"outer":1}"#).unwrap_err().field, "outer");
    }

    #[test]
    fn reads_a_top_level_struct_from_an_object_only() {
        // serde's derived visitor would read `[…]` by position; the top level refuses it
        // (so the derived `visit_seq` is never compiled in), with serde's own message.
        let e = from_text::<Inner>(r#"["u",1]"#).unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("", "invalid type: sequence, expected struct Inner"));
        let e = from_text::<Inner>(r#""u""#).unwrap_err();
        assert_eq!(e.message, r#"invalid type: string "u", expected struct Inner"#);
        // Trailing text is still an error, as with serde_json::from_str.
        assert!(from_text::<Inner>(r#"{"userId":"u"} x"#).is_err());
        assert_eq!(from_text::<Inner>(r#" {"userId":"u","n":2} "#).unwrap().n, Some(2));
        // Nested structs are read by serde_json itself (here from an array, by position).
        assert_eq!(from_text::<Outer>(r#"{"items":[["u",3]]}"#).unwrap().items[0].n, Some(3));
    }

    #[test]
    fn survives_hostile_text() {
        for t in ["", "{", "[[[[", "{\"a\":", "\"\\", "{\"\\u00e9\":[1,2", "{\"a\" 1}", "}}}"] {
            let _ = path_at(t, 1, t.len());
            let _ = path_at(t, 9, 9);
        }
        let deep = "[".repeat(10_000);
        assert_eq!(path_at(&deep, 1, 5000), "");
    }
}

#[cfg(test)]
mod mend_tests {
    use super::{from_text_mended, mend_lone_surrogates};

    #[test]
    fn lone_surrogate_escapes_become_the_replacement_character() {
        assert_eq!(mend_lone_surrogates(r#"{"a":"plain \n \\ud83d"}"#), None, "escaped backslash, not an escape");
        assert_eq!(mend_lone_surrogates(r#"{"a":"\ud83d\ude00 pair"}"#), None);
        assert_eq!(mend_lone_surrogates(r#"{"a":"Zo\ud83d"}"#).as_deref(), Some(r#"{"a":"Zo\uFFFD"}"#));
        assert_eq!(
            mend_lone_surrogates(r#"{"a":"\uDE00x\uD83D\u0041"}"#).as_deref(),
            Some(r#"{"a":"\uFFFDx\uFFFD\u0041"}"#)
        );
        assert_eq!(
            mend_lone_surrogates(r#"{"a":"\ud83d\ud83d\ude00"}"#).as_deref(),
            Some(r#"{"a":"\uFFFD\ud83d\ude00"}"#)
        );
        assert_eq!(mend_lone_surrogates(r#"{"a":"cut \ud8"}"#), None, "not an escape of four hex digits");
    }

    #[test]
    fn mended_text_is_read_and_other_errors_stay_as_they_were() {
        let m: serde_json::Map<String, serde_json::Value> =
            from_text_mended(r#"{"sourceDisplayName":"Zoë \ud83d"}"#).unwrap();
        assert_eq!(m["sourceDisplayName"], "Zoë \u{FFFD}");
        let e = from_text_mended::<serde_json::Map<String, serde_json::Value>>(r#"{"a":"\ud83d","b":}"#).unwrap_err();
        assert!(e.to_string().contains("expected value (line 1, column 19)"), "the error beyond the mended one: {e}");
    }
}
