//! Keeping members this crate does not model, without `#[serde(flatten)]` on the way in.
//!
//! Flatten makes serde buffer every struct into an intermediate tree and instantiate each field
//! type's deserializer a second time — slow, and the biggest code cost in the wasm after path
//! tracking. Instead a type marks its `extra` map `#[serde(flatten, skip_deserializing)]` (so it
//! still serialises inline) and [`from_text`] fills it after a plain parse: it asks serde for the
//! struct's field names and copies the other top-level members.

use std::borrow::Cow;

use serde::de::{self, Deserialize, Visitor};
use serde_json::value::RawValue;

use super::Extra;
use crate::FieldError;

/// A wire model that keeps unknown top-level members in an `extra` map.
pub trait KeepsUnknown {
    /// The map of unknown members, if this type keeps them.
    fn extra_mut(&mut self) -> Option<&mut Extra> {
        None
    }
}

/// Implements [`KeepsUnknown`] for types with a `pub extra: Extra` field.
macro_rules! keeps_unknown {
    ($($t:ty),+ $(,)?) => {
        $(impl $crate::model::KeepsUnknown for $t {
            fn extra_mut(&mut self) -> Option<&mut $crate::model::Extra> {
                Some(&mut self.extra)
            }
        })+
    };
}
pub(crate) use keeps_unknown;

/// A deserializer that only records the field list serde passes to `deserialize_struct`.
struct FieldsProbe<'a>(&'a mut &'static [&'static str]);

#[derive(Debug)]
struct Probed;

impl std::fmt::Display for Probed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("probed")
    }
}

impl std::error::Error for Probed {}

impl de::Error for Probed {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Probed
    }
}

impl<'de> de::Deserializer<'de> for FieldsProbe<'_> {
    type Error = Probed;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Probed> {
        *self.0 = fields;
        Err(Probed)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// The member names serde reads for struct `T` (empty for non-structs).
pub fn struct_fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldsProbe(&mut fields));
    fields
}

/// Top-level members of a JSON object text, in order, values as raw JSON.
fn members(text: &str) -> Vec<(Cow<'_, str>, &RawValue)> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<(Cow<'de, str>, &'de RawValue)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<super::CowStr<'de>, &'de RawValue>()? {
                out.push((k.0, v));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_map(&mut de, V).unwrap_or_default()
}

/// Parses `T` from JSON text (errors name the field) and fills its `extra` map with the
/// top-level members it does not model, other than those in `also_known` (e.g. path parameters
/// that share a params object with the body).
pub fn from_text<'a, T: Deserialize<'a> + KeepsUnknown>(text: &'a str, also_known: &[&str]) -> Result<T, FieldError> {
    let mut value: T = crate::json_path::from_text(text)?;
    if let Some(extra) = value.extra_mut() {
        let fields = struct_fields::<T>();
        for (key, raw) in members(text) {
            if fields.contains(&key.as_ref()) || also_known.contains(&key.as_ref()) {
                continue;
            }
            if let Ok(v) = serde_json::from_str(raw.get()) {
                extra.insert(key.into_owned(), v);
            }
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, serde::Serialize, Debug, Default)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        known_one: Option<i32>,
        #[serde(default, flatten, skip_deserializing)]
        extra: Extra,
    }
    keeps_unknown!(Body);

    #[test]
    fn unknown_members_are_kept_and_serialised_inline() {
        assert_eq!(struct_fields::<Body>(), ["knownOne"]);
        let b: Body = from_text(
            r#"{"knownOne":1,"future":{"x":[1]},"callConnectionId":"c","\u0066uture2":2}"#,
            &["callConnectionId"],
        )
        .unwrap();
        assert_eq!(b.extra.len(), 2);
        assert_eq!(serde_json::to_string(&b).unwrap(), r#"{"knownOne":1,"future":{"x":[1]},"future2":2}"#);
    }
}
