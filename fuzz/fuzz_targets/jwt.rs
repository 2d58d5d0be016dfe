//! Callback authentication (SPEC §3.6): the `Authorization` header, `UnverifiedToken::decode`
//! and `check` (issuer, audience, validity window), the JWKS and the OpenID configuration.
//!
//! Input: the first 8 bytes are `now` (Unix seconds, little-endian i64), the rest is the text
//! (a header value, a token, a JWKS or an OpenID configuration document).
//!
//! Properties: no panic, no hang; a decoded token's signing input is the start of the token; a
//! parsed JWKS key is usable by WebCrypto.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use switchboard::auth::jwt::{bearer, Expectations, Jwks, OpenIdConfiguration, UnverifiedToken};
use switchboard::emulator::jwt::TokenSigner;
use switchboard::emulator::DEV_RESOURCE_ID;

/// The emulator's JWKS: tokens whose `kid` names its key find it.
fn emulator_jwks() -> &'static Jwks {
    static JWKS: OnceLock<Jwks> = OnceLock::new();
    JWKS.get_or_init(|| Jwks::parse(&TokenSigner::dev().jwks().to_string()).expect("the emulator's JWKS parses"))
}

fuzz_target!(|data: &[u8]| {
    let (now, rest) = match data.split_first_chunk::<8>() {
        Some((now, rest)) => (i64::from_le_bytes(*now), rest),
        None => (0, data),
    };
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();
    let expect = Expectations::acs(DEV_RESOURCE_ID);
    assert_eq!(DEV_RESOURCE_ID, "5b1c6f43-2e7d-4a6b-9c1e-0a1b2c3d4e5f");

    token(text, &expect, now);
    if let Ok(t) = bearer(Some(text)) {
        token(t, &expect, now);
    }

    if let Ok(jwks) = Jwks::parse(text) {
        for key in &jwks.keys {
            assert!(!key.kid.is_empty() && !key.n.is_empty() && !key.e.is_empty());
            let jwk = key.to_webcrypto_jwk();
            assert_eq!(jwk["kty"], "RSA");
            assert!(jwks.get(&key.kid).is_some());
        }
    }
    if let Ok(config) = OpenIdConfiguration::parse(text) {
        assert!(!config.issuer.is_empty() && !config.jwks_uri.is_empty());
    }
});

fn token(text: &str, expect: &Expectations, now: i64) {
    let t = match UnverifiedToken::decode(text) {
        Ok(t) => t,
        Err(e) => {
            let _ = (e.code(), e.is_caller_error(), e.to_string());
            return;
        }
    };
    assert!(text.starts_with(&t.signing_input), "the signing input is not the start of the token");
    let checked = t.check(expect, now);
    if let Err(e) = &checked {
        let _ = (e.code(), e.is_caller_error(), e.to_string());
    }
    assert_eq!(t.check(expect, now), checked, "check is not deterministic");
    let _ = t.signing_key(emulator_jwks());
}
