//! Checks shared by request bodies. Each returns a [`FieldError`] naming the body field.

use crate::auth::split_url;
use crate::{CommunicationIdentifier, FieldError};

/// The identifier is one ACS can call (see [`CommunicationIdentifier::validate_target`]).
pub(crate) fn target(field: &str, id: &CommunicationIdentifier) -> Result<(), FieldError> {
    id.validate_target().map_err(|e| e.within(field))
}

/// A non-empty list of callable identifiers.
pub(crate) fn targets(field: &str, ids: &[CommunicationIdentifier]) -> Result<(), FieldError> {
    if ids.is_empty() {
        return Err(FieldError::new(field, "must name at least one participant"));
    }
    for (i, id) in ids.iter().enumerate() {
        target(&format!("{field}[{i}]"), id)?;
    }
    Ok(())
}

/// A callback URI ACS can POST to: absolute https; plain http only on loopback (the emulator —
/// real ACS refuses http, SPEC §7.20).
pub(crate) fn callback_uri(field: &str, uri: &str) -> Result<(), FieldError> {
    match split_url(uri) {
        Ok((origin, _)) if origin.is_secure() || origin.is_loopback() => Ok(()),
        Ok(_) => Err(FieldError::new(field, format!("{uri:?} must be https (ACS refuses plain http callbacks; only a loopback emulator accepts them)"))),
        Err(e) => Err(FieldError::new(field, e.to_string())),
    }
}

/// Optional callback URI.
pub(crate) fn opt_callback_uri(field: &str, uri: &Option<String>) -> Result<(), FieldError> {
    uri.as_deref().map_or(Ok(()), |u| callback_uri(field, u))
}

/// A required string that must not be blank.
pub(crate) fn non_empty(field: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        Err(FieldError::new(field, "is required and must not be empty"))
    } else {
        Ok(())
    }
}

/// An integer within `range`.
pub(crate) fn in_range(
    field: &str,
    value: Option<i32>,
    range: std::ops::RangeInclusive<i32>,
) -> Result<(), FieldError> {
    match value {
        Some(v) if !range.contains(&v) => Err(FieldError::new(
            field,
            format!("{v} is outside {}–{}", range.start(), range.end()),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_uris() {
        assert_eq!(
            callback_uri("callbackUri", "https://app.example/cb"),
            Ok(())
        );
        assert_eq!(
            callback_uri("callbackUri", "http://127.0.0.1:8787/api/callbacks/t/c"),
            Ok(())
        );
        assert!(callback_uri("callbackUri", "http://app.example/cb")
            .unwrap_err()
            .message
            .contains("must be https"));
        assert_eq!(
            callback_uri("callbackUri", "/relative").unwrap_err().field,
            "callbackUri"
        );
    }

    #[test]
    fn target_lists_name_the_index() {
        let ids = vec![
            CommunicationIdentifier::phone_number("+14255550123"),
            CommunicationIdentifier::phone_number("x"),
        ];
        assert_eq!(
            targets("targets", &ids).unwrap_err().field,
            "targets[1].phoneNumber.value"
        );
        assert_eq!(targets("targets", &[]).unwrap_err().field, "targets");
        assert_eq!(
            in_range("t", Some(181), 0..=180).unwrap_err().message,
            "181 is outside 0–180"
        );
    }
}
