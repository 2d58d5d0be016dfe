//! Access-key authentication (SPEC §1.2, §1.3): `ConnectionString::parse`, the endpoint and URL
//! parsers, `HttpDate::parse`, and the HMAC verifier's header parsing. The text is also read as
//! the lines of a request (`method`, `path`, `host`, `x-ms-date`, `x-ms-content-sha256`,
//! `Authorization`, body) for the verifier.
//!
//! Properties: no panic, no hang; a parsed origin or date prints to text that parses back to the
//! same value; what `sign` signs, `verify` accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::auth::hmac::{self, IncomingRequest};
use switchboard::auth::{path_and_query, sign_url, split_url, ConnectionString, Endpoint, HttpDate, SigningKey};

/// 2025-04-01T12:00:00Z, the SPEC's test-vector date.
const NOW: i64 = 1_743_508_800;
const KEY: &[u8] = b"Switchboard-ACS-emulator-dev-key";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    if let Ok(cs) = ConnectionString::parse(text) {
        let origin = cs.endpoint().origin();
        assert_eq!(Endpoint::parse(&origin).as_ref(), Ok(cs.endpoint()), "origin {origin} does not parse back");
        let url = format!("{origin}/calling/callConnections?api-version=2025-05-15");
        let signed = sign_url("POST", &url, b"{}", HttpDate::from_unix_seconds(NOW), cs.signing_key());
        assert!(signed.is_ok(), "cannot sign for the endpoint of {cs:?}");
        let _ = format!("{cs:?}");
    }

    if let Ok(endpoint) = Endpoint::parse(text) {
        let origin = endpoint.origin();
        assert_eq!(Endpoint::parse(&origin).as_ref(), Ok(&endpoint), "origin {origin} does not parse back");
        let _ = (endpoint.host(), endpoint.is_secure(), endpoint.is_loopback());
    }
    if let Ok((endpoint, rest)) = split_url(text) {
        let _ = (endpoint.origin(), path_and_query(rest));
        let _ = sign_url("GET", text, &[], HttpDate::from_unix_seconds(NOW), &SigningKey::new(KEY.to_vec()));
    }

    if let Some(date) = HttpDate::parse(text) {
        let printed = date.to_string();
        assert_eq!(HttpDate::parse(&printed), Some(date), "{text:?} printed as {printed:?} does not parse back");
    }

    verify_lines(text);
});

/// The text as a request's lines: the verifier must refuse or accept, never panic; and a
/// request signed by `sign` from the same pieces must verify.
fn verify_lines(text: &str) {
    let mut lines = text.splitn(7, '\n');
    let mut next = || lines.next();
    let (method, path, host) = (next().unwrap_or(""), next().unwrap_or(""), next().unwrap_or(""));
    let (date, hash, authorization) = (next(), next(), next());
    let body = next().unwrap_or("").as_bytes();
    let now = HttpDate::from_unix_seconds(NOW);
    let req = IncomingRequest { method, path_and_query: path, host, date, content_sha256: hash, authorization, body };
    let _ = hmac::verify(&req, KEY, now).map_err(|e| e.to_string());

    let signed = hmac::sign(method, path, host, body, now, &SigningKey::new(KEY.to_vec()));
    let req = IncomingRequest {
        date: Some(&signed.date),
        content_sha256: Some(&signed.content_sha256),
        authorization: Some(&signed.authorization),
        ..req
    };
    if let Err(e) = hmac::verify(&req, KEY, now) {
        panic!("verify refuses what sign signed ({e}): {req:?}");
    }
}
