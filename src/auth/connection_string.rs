//! `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64>` (SPEC §1.2).

use std::fmt;

use base64::Engine as _;

use super::endpoint::{Endpoint, EndpointError};
use super::hmac::SigningKey;

/// Why a connection string was refused. Messages never echo the access key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionStringError {
    /// Nothing (or only whitespace and `;`) was given.
    #[error("the connection string is empty; expected endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>")]
    Empty,
    /// A `;`-separated part has no `=`.
    #[error("part {index} of the connection string has no '=' (expected key=value pairs separated by ';')")]
    MissingEquals {
        /// 1-based position of the part.
        index: usize,
    },
    /// The same key twice.
    #[error("the connection string names {key:?} twice")]
    Duplicate {
        /// The repeated key, lower-cased.
        key: String,
    },
    /// `endpoint=` is missing.
    #[error("the connection string has no endpoint=...")]
    MissingEndpoint,
    /// `accesskey=` is missing.
    #[error("the connection string has no accesskey=...")]
    MissingAccessKey,
    /// The endpoint is not an https (or loopback http) origin.
    #[error("endpoint: {0}")]
    Endpoint(#[from] EndpointError),
    /// The access key is not standard Base64 or decodes to nothing.
    #[error("accesskey is not a Base64-encoded key: {reason}")]
    AccessKey {
        /// What is wrong.
        reason: &'static str,
    },
}

/// A parsed ACS connection string: the resource origin and the decoded HMAC key.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionString {
    endpoint: Endpoint,
    access_key: SigningKey,
}

impl ConnectionString {
    /// Parses `endpoint=...;accesskey=...` (keys case-insensitive, any order, trailing `;` and
    /// unknown keys allowed; values may contain `=`).
    pub fn parse(value: &str) -> Result<Self, ConnectionStringError> {
        let mut endpoint = None;
        let mut access_key = None;
        let mut any = false;
        for (i, part) in value.split(';').enumerate() {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            any = true;
            let (key, val) = part.split_once('=').ok_or(ConnectionStringError::MissingEquals { index: i + 1 })?;
            let key = key.trim().to_ascii_lowercase();
            let slot = match key.as_str() {
                "endpoint" => &mut endpoint,
                "accesskey" => &mut access_key,
                _ => continue,
            };
            if slot.replace(val.trim()).is_some() {
                return Err(ConnectionStringError::Duplicate { key });
            }
        }
        if !any {
            return Err(ConnectionStringError::Empty);
        }
        let endpoint = Endpoint::parse(endpoint.ok_or(ConnectionStringError::MissingEndpoint)?)?;
        let key = access_key.ok_or(ConnectionStringError::MissingAccessKey)?;
        if key.is_empty() {
            return Err(ConnectionStringError::AccessKey { reason: "it is empty" });
        }
        let access_key =
            base64::engine::general_purpose::STANDARD.decode(key).map_err(|_| ConnectionStringError::AccessKey {
                reason: "it contains characters outside A-Z a-z 0-9 + / = or has bad padding",
            })?;
        Ok(Self::new(endpoint, access_key))
    }

    /// From parts (the emulator and tests build these directly).
    pub fn new(endpoint: Endpoint, access_key: Vec<u8>) -> Self {
        Self { endpoint, access_key: SigningKey::new(access_key) }
    }

    /// The ACS resource origin.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The decoded HMAC key.
    pub fn access_key(&self) -> &[u8] {
        self.access_key.bytes()
    }

    /// The key, keyed for signing requests.
    pub fn signing_key(&self) -> &SigningKey {
        &self.access_key
    }
}

// Keep the key out of logs and panic messages.
impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint.origin())
            .field("access_key", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn parses_the_usual_form_in_any_order_and_casing() {
        let a = ConnectionString::parse(&format!("endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"))
            .unwrap();
        let b =
            ConnectionString::parse(&format!(" AccessKey={KEY} ; Endpoint=https://CONTOSO.communication.azure.com ; "))
                .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.endpoint().host(), "contoso.communication.azure.com");
        assert_eq!(a.access_key(), (0u8..32).collect::<Vec<_>>());
    }

    #[test]
    fn names_each_malformed_form() {
        use ConnectionStringError::*;
        let err = |s: &str| ConnectionString::parse(s).unwrap_err();
        assert_eq!(err(""), Empty);
        assert_eq!(err(" ; ;"), Empty);
        assert_eq!(err("endpoint"), MissingEquals { index: 1 });
        assert_eq!(err(&format!("accesskey={KEY}")), MissingEndpoint);
        assert_eq!(err("endpoint=https://a.b/"), MissingAccessKey);
        assert_eq!(err("endpoint=https://a.b/;accesskey="), AccessKey { reason: "it is empty" });
        assert!(matches!(err("endpoint=https://a.b/;accesskey=not*base64"), AccessKey { .. }));
        assert_eq!(
            err(&format!("endpoint=https://a.b/;endpoint=https://c.d/;accesskey={KEY}")),
            Duplicate { key: "endpoint".into() }
        );
        assert!(matches!(err(&format!("endpoint=ftp://a.b/;accesskey={KEY}")), Endpoint(_)));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let cs = ConnectionString::parse(&format!("endpoint=https://a.b/;accesskey={KEY}")).unwrap();
        let shown = format!("{cs:?}");
        assert!(!shown.contains(KEY) && shown.contains("redacted"));
        let e = ConnectionString::parse("endpoint=https://a.b/;accesskey=sec*ret").unwrap_err();
        assert!(!e.to_string().contains("sec*ret"));
    }
}
