//! Microsoft Entra object ids: the GUID that names a Teams user (or Teams app / resource account).

use std::fmt;

use super::IdError;

/// A validated Microsoft Entra (Azure AD) object id, stored lower-case.
///
/// ACS addresses a Teams user by this GUID (`8:orgid:<object id>`). Graph returns it lower-case;
/// we normalise upper-case input so raw ids built here match the ones ACS sends back.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntraObjectId(String);

const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];

impl EntraObjectId {
    /// Validates `value` as a GUID in the `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` form.
    ///
    /// The error says exactly what is wrong (length, a non-hex character and its position, a
    /// misplaced dash, or braces), because these ids are usually pasted by hand from the Teams
    /// admin centre or Graph Explorer.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        // The usual case first (repeatability ids, object ids from Graph): no allocation but
        // the result's.
        let b = value.as_bytes();
        if b.len() == 36
            && b.iter()
                .enumerate()
                .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
        {
            if b.iter().all(|c| matches!(c, b'0' | b'-')) {
                let reason = "it is the nil GUID (all zeros), which no Entra object has".into();
                return Err(IdError::InvalidObjectId { value: value.to_owned(), reason });
            }
            return Ok(Self(value.to_ascii_lowercase()));
        }
        let bad = |reason: String| IdError::InvalidObjectId { value: value.to_owned(), reason };
        if value.is_empty() {
            return Err(bad("it is empty".into()));
        }
        if value.starts_with('{') || value.ends_with('}') {
            return Err(bad("remove the surrounding braces".into()));
        }
        if value.trim() != value {
            return Err(bad("it has leading or trailing whitespace".into()));
        }
        let chars: Vec<char> = value.chars().collect();
        if chars.len() != 36 {
            return Err(bad(format!(
                "expected 36 characters (8-4-4-4-12 hex digits with dashes), got {}",
                chars.len()
            )));
        }
        let mut pos = 0;
        for (group, len) in GROUPS.iter().enumerate() {
            for _ in 0..*len {
                let c = chars[pos];
                if !c.is_ascii_hexdigit() {
                    return Err(bad(format!("character {:?} at position {} is not a hexadecimal digit", c, pos + 1)));
                }
                pos += 1;
            }
            if group < 4 {
                if chars[pos] != '-' {
                    return Err(bad(format!("expected '-' at position {}", pos + 1)));
                }
                pos += 1;
            }
        }
        Ok(Self(value.to_ascii_lowercase()))
    }

    /// The GUID, lower-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntraObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for EntraObjectId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(s: &str) -> String {
        match EntraObjectId::parse(s) {
            Err(IdError::InvalidObjectId { reason, .. }) => reason,
            other => panic!("expected an error for {s:?}, got {other:?}"),
        }
    }

    #[test]
    fn accepts_guid_and_lowercases_it() {
        let id = EntraObjectId::parse("8F4B6E2A-1C3D-4E5F-9A0B-1C2D3E4F5A6B").unwrap();
        assert_eq!(id.as_str(), "8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b");
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(reason(""), "it is empty");
        assert!(reason("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6").contains("got 35"));
        assert_eq!(
            reason("8f4b6e2g-1c3d-4e5f-9a0b-1c2d3e4f5a6b"),
            "character 'g' at position 8 is not a hexadecimal digit"
        );
        assert_eq!(
            reason("8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b0"),
            "expected 36 characters (8-4-4-4-12 hex digits with dashes), got 37"
        );
        assert_eq!(reason("8f4b6e2a01c3d-4e5f-9a0b-1c2d3e4f5a6b"), "expected '-' at position 9");
        assert_eq!(reason("8f4b6e2a-1c3d04e5f-9a0b-1c2d3e4f5a6b"), "expected '-' at position 14");
        assert_eq!(reason("{8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b}"), "remove the surrounding braces");
        assert_eq!(reason(" 8f4b6e2a-1c3d-4e5f-9a0b-1c2d3e4f5a6b"), "it has leading or trailing whitespace");
        assert_eq!(
            reason("00000000-0000-0000-0000-000000000000"),
            "it is the nil GUID (all zeros), which no Entra object has"
        );
    }

    #[test]
    fn multibyte_input_does_not_panic() {
        assert!(reason("ééééééééééééééééééééééééééééééééééé").contains("got 35"));
        assert!(reason("éééééééé-ãããã-4e5f-9a0b-1c2d3e4f5a6b").contains("position 1"));
    }
}
