//! A reader for configuration documents (the tenant configuration and its overflow policy)
//! over a parsed `serde_json::Value`, with errors that name the field.
//!
//! The configuration is read once per isolate, so speed does not matter here but size does:
//! derived `Deserialize` impls for its thirteen document structs were ~30 KB of the Worker's
//! gzipped wasm, and this reader uses only the `Value` code every other part already carries.

use serde_json::{Map, Value};

use crate::FieldError;

/// One object of a document, checked to hold only the names it may have, and where it is in
/// the document (`trigger`, `groups[0]`), so every error it gives names the whole path.
#[derive(Clone, Debug)]
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    at: String,
}

/// What a value is, for messages (`must be a string (got a number)`).
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong(field: String, want: &str, got: &Value) -> FieldError {
    FieldError::new(field, format!("must be {want} (got {})", kind(got)))
}

fn join(at: &str, key: &str) -> String {
    match (at.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (_, true) => at.to_owned(),
        _ => format!("{at}.{key}"),
    }
}

impl<'a> Obj<'a> {
    /// `v` as an object whose names are all in `known` (an unknown name is refused: it is
    /// almost always a misspelling, and a misspelt setting silently ignored is worse); its
    /// errors name fields from here (the caller puts them in place with `within`).
    pub fn new(v: &'a Value, known: &[&str]) -> Result<Self, FieldError> {
        Self::at(v, known, String::new())
    }

    /// [`Obj::new`] for an object found at `at` in the document (an array element:
    /// `groups[0]`): its errors name fields from the document's root.
    pub fn at(v: &'a Value, known: &[&str], at: String) -> Result<Self, FieldError> {
        let o = Self::any(v, at)?;
        if let Some(k) = o.map.keys().find(|k| !known.contains(&k.as_str())) {
            let expected: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
            return Err(o.error("", format!("unknown field `{k}`, expected one of {}", expected.join(", "))));
        }
        Ok(o)
    }

    fn any(v: &'a Value, at: String) -> Result<Self, FieldError> {
        match v.as_object() {
            Some(map) => Ok(Self { map, at }),
            None => Err(wrong(at, "an object", v)),
        }
    }

    /// The path of `key` in this object (`""`: the object itself).
    pub fn path(&self, key: &str) -> String {
        join(&self.at, key)
    }

    /// An error about `key` of this object (`""`: the object itself).
    pub fn error(&self, key: &str, message: impl Into<String>) -> FieldError {
        FieldError::new(self.path(key), message)
    }

    /// The value of `key`; `null` counts as absent.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// An optional string.
    pub fn str(&self, key: &str) -> Result<Option<&'a str>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(wrong(self.path(key), "a string", v)),
        }
    }

    /// A string that must be there.
    pub fn required_str(&self, key: &str) -> Result<&'a str, FieldError> {
        self.str(key)?.ok_or_else(|| self.error(key, "is required"))
    }

    /// An optional `true` / `false`.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(wrong(self.path(key), "true or false", v)),
        }
    }

    /// An optional whole number.
    pub fn int(&self, key: &str) -> Result<Option<i64>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| wrong(self.path(key), "a whole number", v)),
        }
    }

    /// An array (absent: empty).
    pub fn array(&self, key: &str) -> Result<&'a [Value], FieldError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(v) => Err(wrong(self.path(key), "an array", v)),
        }
    }

    /// An array of strings (absent: `None`).
    pub fn strings(&self, key: &str) -> Result<Option<Vec<&'a str>>, FieldError> {
        if self.get(key).is_none() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for (i, v) in self.array(key)?.iter().enumerate() {
            out.push(v.as_str().ok_or_else(|| wrong(self.path(&format!("{key}[{i}]")), "a string", v))?);
        }
        Ok(Some(out))
    }

    /// An optional object whose names are all in `known`, at `key` of this one.
    pub fn object(&self, key: &str, known: &[&str]) -> Result<Option<Obj<'a>>, FieldError> {
        self.get(key).map(|v| Obj::at(v, known, self.path(key))).transpose()
    }

    /// An optional object with names of any kind (a map: tenant ids), at `key` of this one.
    pub fn map(&self, key: &str) -> Result<Option<Obj<'a>>, FieldError> {
        self.get(key).map(|v| Obj::any(v, self.path(key))).transpose()
    }

    /// The object's entries, in document order.
    pub fn entries(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.map.iter()
    }
}

/// An optional name from a closed list (`"longestIdle"` → `Order::LongestIdle`).
pub fn one_of<T: Copy>(obj: &Obj<'_>, key: &str, names: &[(&str, T)]) -> Result<Option<T>, FieldError> {
    let Some(s) = obj.str(key)? else { return Ok(None) };
    match names.iter().find(|(n, _)| *n == s) {
        Some((_, t)) => Ok(Some(*t)),
        None => {
            let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
            Err(obj.error(key, format!("must be one of {} (got `{s}`)", list.join(", "))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_each_kind_and_names_the_field_of_each_mistake() {
        let v = json!({"s": "x", "b": true, "n": 5, "a": ["p", "q"], "o": {"k": 1}, "z": null});
        let o = Obj::new(&v, &["s", "b", "n", "a", "o", "z", "m"]).unwrap();
        assert_eq!(o.str("s").unwrap(), Some("x"));
        assert_eq!(o.str("z").unwrap(), None, "null is absent");
        assert_eq!(o.str("m").unwrap(), None);
        assert_eq!(o.bool("b").unwrap(), Some(true));
        assert_eq!(o.int("n").unwrap(), Some(5));
        assert_eq!(o.strings("a").unwrap(), Some(vec!["p", "q"]));
        assert!(o.array("m").unwrap().is_empty());
        assert_eq!(o.object("o", &["k"]).unwrap().unwrap().int("k").unwrap(), Some(1));

        let e = o.int("s").unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("s", "must be a whole number (got a string)"));
        assert_eq!(o.required_str("m").unwrap_err().field, "m");
        assert_eq!(o.bool("n").unwrap_err().field, "n");
        assert_eq!(o.object("o", &["j"]).unwrap_err().field, "o");
        assert!(o.object("o", &["j"]).unwrap_err().message.contains("unknown field `k`"));
        let bad = json!({"a": ["p", 3]});
        assert_eq!(Obj::new(&bad, &["a"]).unwrap().strings("a").unwrap_err().field, "a[1]");
        let e = Obj::new(&json!({"colour": "red"}), &["color"]).unwrap_err();
        assert_eq!(e.field, "");
        assert_eq!(e.message, "unknown field `colour`, expected one of `color`");
        assert_eq!(Obj::new(&json!([1]), &[]).unwrap_err().message, "must be an object (got an array)");
        assert_eq!(Obj::new(&json!({"n": 1.5}), &["n"]).unwrap().int("n").unwrap_err().field, "n");
    }

    #[test]
    fn an_inner_object_names_its_fields_from_the_root() {
        let v = json!({"o": {"k": "x", "i": {"deep": 1}}, "m": {"any": 1}, "list": [{"x": true}]});
        let o = Obj::new(&v, &["o", "m", "list"]).unwrap();
        let inner = o.object("o", &["k", "i"]).unwrap().unwrap();
        assert_eq!(inner.int("k").unwrap_err().field, "o.k");
        assert_eq!(inner.required_str("gone").unwrap_err().field, "o.gone");
        assert_eq!(inner.object("i", &[]).unwrap_err().field, "o.i");
        assert_eq!(inner.object("i", &["deep"]).unwrap().unwrap().str("deep").unwrap_err().field, "o.i.deep");
        assert_eq!(inner.error("", "is wrong").field, "o");
        assert_eq!(o.map("m").unwrap().unwrap().entries().count(), 1);
        assert_eq!(o.map("o").unwrap().unwrap().path("k"), "o.k");
        let item = Obj::at(&o.array("list").unwrap()[0], &["x"], "list[0]".into()).unwrap();
        assert_eq!(one_of(&item, "x", &[("y", 1)]).unwrap_err().field, "list[0].x");
        assert_eq!(Obj::at(&json!(3), &[], "list[1]".into()).unwrap_err().field, "list[1]");
    }

    #[test]
    fn one_of_lists_the_names_it_takes() {
        let v = json!({"order": "loudest", "ok": "b"});
        let o = Obj::new(&v, &["order", "ok"]).unwrap();
        let names = [("a", 1), ("b", 2)];
        assert_eq!(one_of(&o, "ok", &names).unwrap(), Some(2));
        assert_eq!(one_of(&o, "missing", &names).unwrap(), None);
        let e = one_of(&o, "order", &names).unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("order", "must be one of a, b (got `loudest`)"));
    }
}
