//! Access-key HMAC-SHA256 request signing and verification, exactly as SPEC §1.3.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::date::HttpDate;

type HmacSha256 = Hmac<Sha256>;

/// `x-ms-content-sha256` of an empty body.
pub const EMPTY_CONTENT_HASH: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/// Base64(SHA-256(body)): the `x-ms-content-sha256` header.
pub fn content_hash(body: &[u8]) -> String {
    B64.encode(Sha256::digest(body))
}

/// `verb \n pathAndQuery \n date;host;contentHash` — no trailing newline.
pub fn string_to_sign(method: &str, path_and_query: &str, date: &str, host: &str, content_hash: &str) -> String {
    let mut s =
        String::with_capacity(method.len() + path_and_query.len() + date.len() + host.len() + content_hash.len() + 4);
    s.push_str(&method.to_ascii_uppercase());
    s.push('\n');
    s.push_str(path_and_query);
    s.push('\n');
    s.push_str(date);
    s.push(';');
    s.push_str(host);
    s.push(';');
    s.push_str(content_hash);
    s
}

/// Base64(HMAC-SHA256(key, stringToSign)).
pub fn signature(key: &SigningKey, string_to_sign: &str) -> String {
    B64.encode(key.mac(string_to_sign).finalize().into_bytes())
}

/// An access key ready to sign with: the HMAC state after the key's inner and outer padded
/// blocks, computed once per key instead of once per request (two of the dozen SHA-256
/// compressions a request costs).
#[derive(Clone)]
pub struct SigningKey {
    key: Vec<u8>,
    keyed: HmacSha256,
}

impl SigningKey {
    /// Keys the HMAC with the decoded access key.
    pub fn new(key: Vec<u8>) -> Self {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        let keyed = <HmacSha256 as KeyInit>::new_from_slice(&key).unwrap_or_else(|_| unreachable!());
        Self { key, keyed }
    }

    /// The decoded access key.
    pub fn bytes(&self) -> &[u8] {
        &self.key
    }

    /// The keyed HMAC with `string_to_sign` absorbed, ready to finalize or verify.
    fn mac(&self, string_to_sign: &str) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(string_to_sign.as_bytes());
        mac
    }
}

impl PartialEq for SigningKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for SigningKey {}

// Keep the key out of logs and panic messages.
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// The three headers an access-key request carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `x-ms-date`.
    pub date: String,
    /// `x-ms-content-sha256`.
    pub content_sha256: String,
    /// `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...`.
    pub authorization: String,
}

impl SignedHeaders {
    /// As `(name, value)` pairs in the order the SDK sends them.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [
            ("x-ms-date", &self.date),
            ("x-ms-content-sha256", &self.content_sha256),
            ("Authorization", &self.authorization),
        ]
    }
}

/// Signs one request. `host` is the authority (`host[:port]` when the port is not the default).
pub fn sign(
    method: &str,
    path_and_query: &str,
    host: &str,
    body: &[u8],
    date: HttpDate,
    key: &SigningKey,
) -> SignedHeaders {
    let date = date.to_string();
    let content_sha256 = content_hash(body);
    let sig = signature(key, &string_to_sign(method, path_and_query, &date, host, &content_sha256));
    const SCHEME: &str = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";
    let mut authorization = String::with_capacity(SCHEME.len() + sig.len());
    authorization.push_str(SCHEME);
    authorization.push_str(&sig);
    SignedHeaders { authorization, date, content_sha256 }
}

/// Why the service side refused a signed request (answered with 401 by ACS and the emulator).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `Authorization` is not the HMAC-SHA256 form.
    #[error("Authorization is not 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>'")]
    MalformedAuthorization,
    /// `x-ms-date` is not an IMF-fixdate.
    #[error("x-ms-date is not an RFC 1123 date")]
    MalformedDate,
    /// `x-ms-date` is further than the allowed skew from now.
    #[error("x-ms-date is {skew_seconds} s away from the server time (limit {limit_seconds} s)")]
    StaleDate {
        /// Absolute difference.
        skew_seconds: i64,
        /// Allowed difference.
        limit_seconds: i64,
    },
    /// `x-ms-content-sha256` does not match the body.
    #[error("x-ms-content-sha256 does not match the request body")]
    ContentHashMismatch,
    /// The signature does not match.
    #[error("HMAC signature mismatch")]
    SignatureMismatch,
}

/// What a server sees of a request, for [`verify`].
#[derive(Clone, Copy, Debug)]
pub struct IncomingRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path and query as received (percent-encoded).
    pub path_and_query: &'a str,
    /// The `Host` header (authority).
    pub host: &'a str,
    /// `x-ms-date` (or `Date`).
    pub date: Option<&'a str>,
    /// `x-ms-content-sha256`.
    pub content_sha256: Option<&'a str>,
    /// `Authorization`.
    pub authorization: Option<&'a str>,
    /// The body bytes.
    pub body: &'a [u8],
}

/// ACS's limit on clock skew for `x-ms-date`.
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// Verifies an access-key request as ACS does: date within 15 minutes of `now`, content hash of
/// the body, then the signature — also accepting the older JS SDK's doubled port in the host
/// (`localhost:8080:8080`, SPEC §1.3), so every SDK version works against the emulator.
pub fn verify(req: &IncomingRequest<'_>, key: &[u8], now: HttpDate) -> Result<(), VerifyError> {
    let date = req.date.ok_or(VerifyError::MissingHeader("x-ms-date"))?;
    let hash = req.content_sha256.ok_or(VerifyError::MissingHeader("x-ms-content-sha256"))?;
    let auth = req.authorization.ok_or(VerifyError::MissingHeader("Authorization"))?;
    let given = auth
        .strip_prefix("HMAC-SHA256 ")
        .and_then(|rest| rest.trim_start().strip_prefix("SignedHeaders="))
        .and_then(|rest| rest.split_once("&Signature="))
        .filter(|(headers, _)| headers.eq_ignore_ascii_case("x-ms-date;host;x-ms-content-sha256"))
        .map(|(_, sig)| sig)
        .ok_or(VerifyError::MalformedAuthorization)?;
    let given = B64.decode(given).map_err(|_| VerifyError::MalformedAuthorization)?;
    let sent = HttpDate::parse(date).ok_or(VerifyError::MalformedDate)?;
    let skew = (now.unix_seconds() - sent.unix_seconds()).abs();
    if skew > MAX_SKEW_SECONDS {
        return Err(VerifyError::StaleDate { skew_seconds: skew, limit_seconds: MAX_SKEW_SECONDS });
    }
    if content_hash(req.body) != hash {
        return Err(VerifyError::ContentHashMismatch);
    }
    let doubled = req.host.rsplit_once(':').map(|(_, port)| format!("{}:{port}", req.host));
    let hosts = std::iter::once(req.host.to_owned()).chain(doubled);
    // Keyed once for both hosts.
    let key = SigningKey::new(key.to_vec());
    for host in hosts {
        let sts = string_to_sign(req.method, req.path_and_query, date, &host, hash);
        if key.mac(&sts).verify_slice(&given).is_ok() {
            return Ok(());
        }
    }
    Err(VerifyError::SignatureMismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = {
        let mut k = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            k[i] = i as u8;
            i += 1;
        }
        k
    };
    const BODY: &str = r#"{"targets":[{"kind":"communicationUser","communicationUser":{"id":"8:acs:x_y"}}],"callbackUri":"https://app.example/cb"}"#;
    const PQ: &str = "/calling/callConnections?api-version=2025-05-15";
    const DATE: i64 = 1_743_508_800; // Tue, 01 Apr 2025 12:00:00 GMT

    #[test]
    fn reproduces_the_spec_test_vector() {
        assert_eq!(content_hash(BODY.as_bytes()), "CXVHrrDJ6nq2H04mjTFL1V6endG5kZukCwKPsfAHwc4=");
        assert_eq!(
            string_to_sign("post", PQ, "Tue, 01 Apr 2025 12:00:00 GMT", "contoso.communication.azure.com", "CXVHrrDJ6nq2H04mjTFL1V6endG5kZukCwKPsfAHwc4="),
            "POST\n/calling/callConnections?api-version=2025-05-15\nTue, 01 Apr 2025 12:00:00 GMT;contoso.communication.azure.com;CXVHrrDJ6nq2H04mjTFL1V6endG5kZukCwKPsfAHwc4="
        );
        let h = signed("contoso.communication.azure.com");
        assert_eq!(h.date, "Tue, 01 Apr 2025 12:00:00 GMT");
        assert_eq!(
            h.authorization,
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=haiRn2MCzmA67QRey7V70MKLGyUjCsDIeX/At/IWJQU="
        );
        assert_eq!(content_hash(b""), EMPTY_CONTENT_HASH);
    }

    /// The spec body POSTed to `host`, signed at DATE with KEY.
    fn signed(host: &str) -> SignedHeaders {
        sign("POST", PQ, host, BODY.as_bytes(), HttpDate::from_unix_seconds(DATE), &SigningKey::new(KEY.to_vec()))
    }

    fn incoming<'a>(h: &'a SignedHeaders, host: &'a str, body: &'a [u8]) -> IncomingRequest<'a> {
        IncomingRequest {
            method: "POST",
            path_and_query: PQ,
            host,
            date: Some(&h.date),
            content_sha256: Some(&h.content_sha256),
            authorization: Some(&h.authorization),
            body,
        }
    }

    #[test]
    fn verify_accepts_a_good_request_and_the_doubled_port_quirk() {
        let now = HttpDate::from_unix_seconds(DATE + 60);
        let h = signed("localhost:8080");
        assert_eq!(verify(&incoming(&h, "localhost:8080", BODY.as_bytes()), &KEY, now), Ok(()));
        let old_sdk = signed("localhost:8080:8080");
        assert_eq!(verify(&incoming(&old_sdk, "localhost:8080", BODY.as_bytes()), &KEY, now), Ok(()));
    }

    #[test]
    fn verify_refuses_each_tampering() {
        let h = signed("a.b");
        let ok_now = HttpDate::from_unix_seconds(DATE + MAX_SKEW_SECONDS);
        assert_eq!(verify(&incoming(&h, "a.b", BODY.as_bytes()), &KEY, ok_now), Ok(()));
        let late = HttpDate::from_unix_seconds(DATE + MAX_SKEW_SECONDS + 1);
        assert!(matches!(
            verify(&incoming(&h, "a.b", BODY.as_bytes()), &KEY, late),
            Err(VerifyError::StaleDate { skew_seconds: 901, .. })
        ));
        assert_eq!(verify(&incoming(&h, "a.b", b"{}"), &KEY, ok_now), Err(VerifyError::ContentHashMismatch));
        assert_eq!(verify(&incoming(&h, "c.d", BODY.as_bytes()), &KEY, ok_now), Err(VerifyError::SignatureMismatch));
        assert_eq!(
            verify(&incoming(&h, "a.b", BODY.as_bytes()), &[1u8; 32], ok_now),
            Err(VerifyError::SignatureMismatch)
        );
        let mut r = incoming(&h, "a.b", BODY.as_bytes());
        r.method = "PUT";
        assert_eq!(verify(&r, &KEY, ok_now), Err(VerifyError::SignatureMismatch));
        r = incoming(&h, "a.b", BODY.as_bytes());
        r.authorization = Some("Bearer x");
        assert_eq!(verify(&r, &KEY, ok_now), Err(VerifyError::MalformedAuthorization));
        r.authorization = Some("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=***");
        assert_eq!(verify(&r, &KEY, ok_now), Err(VerifyError::MalformedAuthorization));
        r = incoming(&h, "a.b", BODY.as_bytes());
        r.date = Some("yesterday");
        assert_eq!(verify(&r, &KEY, ok_now), Err(VerifyError::MalformedDate));
        r.date = None;
        assert_eq!(verify(&r, &KEY, ok_now), Err(VerifyError::MissingHeader("x-ms-date")));
    }
}
