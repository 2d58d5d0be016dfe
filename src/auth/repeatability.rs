//! Repeatability headers (SPEC §1.5): the idempotency key that makes a retried command safe.

use super::date::HttpDate;

/// `Repeatability-Request-ID` + `Repeatability-First-Sent` for one logical command.
///
/// Create it once when the command is decided and keep it with the command: every retry sends the
/// same pair, so ACS (and the emulator) answers with the first result instead of acting twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeatability {
    /// UUID v4, opaque.
    pub request_id: String,
    /// When the command was first sent.
    pub first_sent: HttpDate,
}

impl Repeatability {
    /// From 16 random bytes (randomness is an input of the core) and the first-send time.
    pub fn from_random(bytes: [u8; 16], first_sent: HttpDate) -> Self {
        Self { request_id: uuid_v4(bytes), first_sent }
    }

    /// As `(name, value)` header pairs.
    pub fn pairs(&self) -> [(&'static str, String); 2] {
        [
            ("Repeatability-Request-ID", self.request_id.clone()),
            ("Repeatability-First-Sent", self.first_sent.to_string()),
        ]
    }
}

/// Appends `byte` as two lower-case hex digits (by hand: `{:02x}` links the integer formatter).
pub fn push_hex(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 15)]));
}

/// Formats 16 random bytes as a version-4, RFC 4122 variant UUID (`xxxxxxxx-xxxx-4xxx-yxxx-...`).
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        push_hex(&mut s, *b);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_version_and_variant_bits() {
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(crate::EntraObjectId::parse(&uuid_v4([7; 16])).is_ok());
    }

    #[test]
    fn pairs_are_stable_for_the_same_command() {
        let r = Repeatability::from_random([1; 16], HttpDate::from_unix_seconds(784_111_777));
        assert_eq!(r.pairs(), r.clone().pairs());
        assert_eq!(r.pairs()[1].1, "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
