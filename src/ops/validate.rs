//! Checks shared by request-body schemas. Each returns a [`FieldError`] naming the field.

use crate::auth::split_url;
use crate::FieldError;

/// A callback URI ACS can POST to: absolute https; plain http only on loopback (the emulator —
/// real ACS refuses http, SPEC §7.20).
pub(crate) fn callback_uri(field: &str, uri: &str) -> Result<(), FieldError> {
    match split_url(uri) {
        Ok((origin, _)) if origin.is_secure() || origin.is_loopback() => Ok(()),
        Ok(_) => Err(FieldError::new(
            field,
            format!("{uri:?} must be https (ACS refuses plain http callbacks; only a loopback emulator accepts them)"),
        )),
        Err(e) => Err(FieldError::new(field, e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_uris() {
        assert_eq!(callback_uri("callbackUri", "https://app.example/cb"), Ok(()));
        assert_eq!(callback_uri("callbackUri", "http://127.0.0.1:8787/api/callbacks/t/c"), Ok(()));
        assert!(callback_uri("callbackUri", "http://app.example/cb").unwrap_err().message.contains("must be https"));
        assert_eq!(callback_uri("callbackUri", "/relative").unwrap_err().field, "callbackUri");
    }
}
