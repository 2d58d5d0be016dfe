//! The error shared by every input check of the core: a bad value and the field that holds it.

use std::fmt;

/// A bad input value, naming the JSON field that holds it as a dotted path in ACS's camelCase
/// (`participantToAdd.microsoftTeamsUser.userId`), so an HTTP edge can answer 400 with
/// `{"error":{"code","message","field"}}` and a JS caller gets `err.field`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the offending field (empty when the whole input is wrong).
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// Prefixes the field path with `parent` (`parent.field`), used when a nested check fails.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = if self.field.is_empty() {
            parent.to_owned()
        } else if parent.is_empty() {
            self.field
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_builds_dotted_paths() {
        let e = FieldError::new("userId", "bad").within("microsoftTeamsUser").within("targets[0]");
        assert_eq!(e.field, "targets[0].microsoftTeamsUser.userId");
        assert_eq!(e.to_string(), "targets[0].microsoftTeamsUser.userId: bad");
        assert_eq!(FieldError::new("", "bad").within("body").field, "body");
    }
}
