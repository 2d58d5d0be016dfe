use super::*;
use proptest::prelude::*;

const AUD: &str = "0f2a6c1e-9b3d-4c5e-8f70-1a2b3c4d5e6f";
const NOW: i64 = 1_700_000_000;

fn b64(v: &Value) -> String {
    B64URL.encode(v.to_string())
}

/// A token with these header and claims and a dummy (non-empty) signature.
fn token(header: Value, claims: Value) -> String {
    format!("{}.{}.{}", b64(&header), b64(&claims), B64URL.encode([1u8, 2, 3]))
}

fn header() -> Value {
    serde_json::json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})
}

fn claims() -> Value {
    serde_json::json!({"iss": ACS_ISSUER, "aud": AUD, "iat": NOW, "nbf": NOW, "exp": NOW + 300, "jti": "j1"})
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

fn decode_err(t: &str) -> JwtError {
    UnverifiedToken::decode(t).unwrap_err()
}

fn check_at(header: Value, claims: Value, now: i64) -> Result<(), JwtError> {
    UnverifiedToken::decode(&token(header, claims)).unwrap().check(&Expectations::acs(AUD), now)
}

fn malformed_text(e: JwtError) -> String {
    match e {
        JwtError::Malformed(what) => what,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

// --- bearer ---------------------------------------------------------------------------------------

#[test]
fn bearer_extracts_the_token_whatever_the_scheme_case_and_whitespace() {
    assert_eq!(bearer(Some("Bearer a.b.c")), Ok("a.b.c"));
    assert_eq!(bearer(Some("bearer a.b.c")), Ok("a.b.c"));
    assert_eq!(bearer(Some("  BEARER \t  a.b.c \r\n")), Ok("a.b.c"));
}

#[test]
fn bearer_without_header_or_token_is_missing() {
    for h in [None, Some(""), Some("   "), Some("Bearer"), Some("Bearer    ")] {
        assert_eq!(bearer(h), Err(JwtError::Missing), "{h:?}");
    }
    assert_eq!(JwtError::Missing.code(), "token_missing");
}

#[test]
fn bearer_refuses_other_schemes_without_echoing_them() {
    let e = bearer(Some("HMAC-SHA256 SignedHeaders=x-ms-date;host&Signature=secret")).unwrap_err();
    assert_eq!(e.code(), "token_malformed");
    assert!(!e.to_string().contains("secret"), "{e}");
    assert_eq!(bearer(Some("Bearera.b.c")).unwrap_err().code(), "token_malformed");
    assert_eq!(bearer(Some("Bearer a.b .c")).unwrap_err().code(), "token_malformed");
}

// --- decode ---------------------------------------------------------------------------------------

#[test]
fn decode_reads_header_claims_signing_input_and_signature() {
    let t = token(header(), claims());
    let u = UnverifiedToken::decode(&t).unwrap();
    assert_eq!(u.alg, "RS256");
    assert_eq!(u.kid.as_deref(), Some("k1"));
    assert_eq!(
        u.claims,
        Claims {
            iss: Some(ACS_ISSUER.into()),
            aud: vec![AUD.into()],
            exp: Some(NOW + 300),
            nbf: Some(NOW),
            iat: Some(NOW),
            jti: Some("j1".into()),
        }
    );
    assert_eq!(u.signing_input, t[..t.rfind('.').unwrap()]);
    assert_eq!(u.signature, [1, 2, 3]);
}

#[test]
fn decode_accepts_aud_as_an_array() {
    let t = token(header(), with(claims(), "aud", serde_json::json!(["other", AUD])));
    assert_eq!(UnverifiedToken::decode(&t).unwrap().claims.aud, ["other", AUD]);
    let t = token(header(), with(claims(), "aud", serde_json::json!([])));
    assert!(UnverifiedToken::decode(&t).unwrap().claims.aud.is_empty());
}

#[test]
fn decode_accepts_fractional_numeric_dates_rounding_down() {
    let c = with(with(claims(), "exp", serde_json::json!(1_700_000_300.9)), "iat", serde_json::json!(-0.5));
    let c = with(c, "nbf", serde_json::json!(1.7e9));
    let u = UnverifiedToken::decode(&token(header(), c)).unwrap();
    assert_eq!((u.claims.exp, u.claims.iat, u.claims.nbf), (Some(1_700_000_300), Some(-1), Some(1_700_000_000)));
}

#[test]
fn decode_treats_absent_and_null_claims_alike() {
    let c = serde_json::json!({"iss": null, "exp": null});
    let u = UnverifiedToken::decode(&token(without(header(), "kid"), c)).unwrap();
    assert_eq!((u.kid, u.claims), (None, Claims::default()));
}

#[test]
fn decode_tolerates_base64_padding_and_keeps_the_input_as_received() {
    // Pick claims whose encodings need padding, then pad every part.
    let pad = |s: String| {
        let n = (4 - s.len() % 4) % 4;
        s + &"=".repeat(n)
    };
    let c = with(claims(), "jti", serde_json::json!("j12"));
    let (h, p) = (pad(b64(&header())), pad(b64(&c)));
    assert!(h.ends_with('=') || p.ends_with('='), "test needs padding: {h} {p}");
    let t = format!("{h}.{p}.{}", pad(B64URL.encode([9u8; 5])));
    let u = UnverifiedToken::decode(&t).unwrap();
    assert_eq!(u.claims.jti.as_deref(), Some("j12"));
    assert_eq!(u.signing_input, format!("{h}.{p}"));
    assert_eq!(u.signature, [9; 5]);
}

#[test]
fn decode_needs_exactly_three_parts() {
    let t = token(header(), claims());
    for bad in [String::new(), "abc".into(), "a.b".into(), format!("{t}.x"), format!("{t}.")] {
        assert!(malformed_text(decode_err(&bad)).contains("three"), "{bad}");
    }
}

#[test]
fn decode_refuses_parts_that_are_not_base64url() {
    let (h, p) = (b64(&header()), b64(&claims()));
    assert!(malformed_text(decode_err(&format!("{h}!.{p}.AQ"))).contains("header is not base64url"));
    assert!(malformed_text(decode_err(&format!("{h}.{p}+.AQ"))).contains("payload is not base64url"));
    assert!(malformed_text(decode_err(&format!("{h}.{p}.A/Q"))).contains("signature is not base64url"));
    // Standard base64 with padding in the middle is not base64url either.
    assert!(malformed_text(decode_err(&format!("{h}.{p}.A=Q"))).contains("signature"));
}

#[test]
fn decode_needs_json_objects() {
    let p = b64(&claims());
    let e = malformed_text(decode_err(&format!("{}.{p}.AQ", B64URL.encode("not json"))));
    assert!(e.contains("header is not JSON"), "{e}");
    let e = malformed_text(decode_err(&format!("{}.{p}.AQ", b64(&serde_json::json!(["RS256", "k1"])))));
    assert!(e.contains("header is not a JSON object"), "{e}");
    let e = malformed_text(decode_err(&format!("{}.{}.AQ", b64(&header()), b64(&serde_json::json!("claims")))));
    assert!(e.contains("payload is not a JSON object"), "{e}");
}

#[test]
fn decode_refuses_mistyped_header_members() {
    let cases = [
        (without(header(), "alg"), "no alg"),
        (with(header(), "alg", serde_json::json!(256)), "alg is not a string"),
        (with(header(), "kid", serde_json::json!(1)), "kid is not a string"),
        (with(header(), "crit", serde_json::json!(["exp"])), "crit"),
    ];
    for (h, needle) in cases {
        let e = malformed_text(decode_err(&token(h, claims())));
        assert!(e.contains(needle), "{e} should mention {needle}");
    }
}

#[test]
fn decode_refuses_mistyped_claims() {
    let cases = [
        ("iss", serde_json::json!(["x"]), "claim iss is not a string"),
        ("jti", serde_json::json!(7), "claim jti is not a string"),
        ("aud", serde_json::json!(7), "aud is neither"),
        ("aud", serde_json::json!([AUD, 7]), "aud has a member"),
        ("exp", serde_json::json!("1700000300"), "claim exp is not a number"),
        ("nbf", serde_json::json!(true), "claim nbf is not a number"),
        ("exp", serde_json::json!(u64::MAX), "claim exp is out of range"),
        ("iat", serde_json::json!(1e300), "claim iat is out of range"),
        ("iat", serde_json::json!(-1e300), "claim iat is out of range"),
    ];
    for (key, value, needle) in cases {
        let e = malformed_text(decode_err(&token(header(), with(claims(), key, value))));
        assert!(e.contains(needle), "{e} should mention {needle}");
    }
}

// --- check ----------------------------------------------------------------------------------------

#[test]
fn check_accepts_a_good_token_across_its_lifetime_and_the_skew() {
    for now in [NOW - 60, NOW, NOW + 300, NOW + 360] {
        assert_eq!(check_at(header(), claims(), now), Ok(()), "at {now}");
    }
}

#[test]
fn check_refuses_expired_tokens_after_the_skew() {
    let e = check_at(header(), claims(), NOW + 361).unwrap_err();
    assert_eq!(e, JwtError::Expired { exp: NOW + 300, now: NOW + 361 });
    assert_eq!(e.code(), "token_expired");
    assert_eq!(e.to_string(), "the token expired at 1700000300 (Unix seconds); it is now 1700000361");
}

#[test]
fn check_refuses_tokens_valid_for_more_than_an_hour() {
    // ACS's callback tokens live 5 minutes; a media-streaming token (24 h, same issuer and
    // audience) or one signed for the year 3000 is not one of those.
    let hour = super::MAX_REMAINING_S;
    assert_eq!(hour, 3600);
    assert_eq!(check_at(header(), with(claims(), "exp", serde_json::json!(NOW + hour)), NOW), Ok(()));
    let e = check_at(header(), with(claims(), "exp", serde_json::json!(NOW + hour + 61)), NOW).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the bearer token is malformed: the token is valid for more than an hour from now (a callback token lives 5 minutes)"
    );
    assert!(check_at(header(), with(claims(), "exp", serde_json::json!(NOW + 23 * 3600)), NOW).is_err());
    assert!(check_at(header(), with(claims(), "exp", serde_json::json!(32_503_680_000_i64)), NOW).is_err());
}

#[test]
fn check_refuses_tokens_before_nbf_minus_the_skew() {
    let e = check_at(header(), claims(), NOW - 61).unwrap_err();
    assert_eq!(e, JwtError::NotYetValid { nbf: NOW, now: NOW - 61 });
    assert_eq!(e.code(), "token_not_yet_valid");
    // Without nbf, an early token is fine.
    assert_eq!(check_at(header(), without(claims(), "nbf"), NOW - 1000), Ok(()));
}

#[test]
fn check_honours_a_float_exp() {
    let c = with(claims(), "exp", serde_json::json!((NOW + 300) as f64 + 0.75));
    assert_eq!(check_at(header(), c.clone(), NOW + 360), Ok(()));
    assert!(matches!(check_at(header(), c, NOW + 361), Err(JwtError::Expired { .. })));
}

#[test]
fn check_requires_exp() {
    let e = check_at(header(), without(claims(), "exp"), NOW).unwrap_err();
    assert!(malformed_text(e).contains("no exp claim"));
}

#[test]
fn check_refuses_every_alg_but_rs256() {
    for alg in ["none", "HS256", "HS512", "RS384", "PS256", "ES256", "rs256"] {
        let e = check_at(with(header(), "alg", alg.into()), claims(), NOW).unwrap_err();
        assert_eq!(e, JwtError::UnsupportedAlg { alg: alg.into() });
        assert_eq!(e.code(), "token_unsupported_alg");
    }
}

#[test]
fn check_refuses_an_unsigned_token_even_if_it_claims_rs256() {
    let t = format!("{}.{}.", b64(&header()), b64(&claims()));
    let u = UnverifiedToken::decode(&t).unwrap();
    assert!(u.signature.is_empty());
    assert!(malformed_text(u.check(&Expectations::acs(AUD), NOW).unwrap_err()).contains("no signature"));
    // The classic `alg: none` token is refused for its alg.
    let t = format!("{}.{}.", b64(&with(header(), "alg", "none".into())), b64(&claims()));
    let e = UnverifiedToken::decode(&t).unwrap().check(&Expectations::acs(AUD), NOW).unwrap_err();
    assert_eq!(e.code(), "token_unsupported_alg");
}

#[test]
fn check_requires_a_kid() {
    for h in [without(header(), "kid"), with(header(), "kid", "".into())] {
        let e = check_at(h, claims(), NOW).unwrap_err();
        assert_eq!(e, JwtError::MissingKid);
        assert_eq!(e.code(), "token_missing_kid");
    }
}

#[test]
fn check_requires_the_issuer() {
    let e = check_at(header(), with(claims(), "iss", "https://evil.example".into()), NOW).unwrap_err();
    assert_eq!(e, JwtError::WrongIssuer { found: Some("https://evil.example".into()) });
    assert_eq!(e.code(), "token_wrong_issuer");
    assert!(e.to_string().contains("'https://evil.example'"), "{e}");
    let e = check_at(header(), without(claims(), "iss"), NOW).unwrap_err();
    assert_eq!(e, JwtError::WrongIssuer { found: None });
    assert!(e.to_string().contains("no iss claim"), "{e}");
    // Issuers compare exactly: a trailing slash is another issuer.
    let e = check_at(header(), with(claims(), "iss", format!("{ACS_ISSUER}/").into()), NOW).unwrap_err();
    assert_eq!(e.code(), "token_wrong_issuer");
}

#[test]
fn check_requires_the_audience_as_string_or_in_an_array() {
    let aud = |v: Value| check_at(header(), with(claims(), "aud", v), NOW);
    assert_eq!(aud(serde_json::json!(["a", AUD])), Ok(()));
    assert_eq!(aud(serde_json::json!(AUD.to_uppercase())), Ok(()));
    assert_eq!(aud(serde_json::json!([AUD.to_uppercase()])), Ok(()));
    let e = aud(serde_json::json!(["a", "b"])).unwrap_err();
    assert_eq!(e, JwtError::WrongAudience { found: vec!["a".into(), "b".into()] });
    assert_eq!(e.code(), "token_wrong_audience");
    assert_eq!(e.to_string(), "the token is meant for [a, b], not for this ACS resource");
    let e = check_at(header(), without(claims(), "aud"), NOW).unwrap_err();
    assert_eq!(e, JwtError::WrongAudience { found: vec![] });
}

#[test]
fn audiences_ignore_case_only_for_guids() {
    assert!(same_audience("0F2A6C1E-9B3D-4C5E-8F70-1A2B3C4D5E6F", AUD));
    assert!(!same_audience("API://App", "api://app"));
    assert!(!same_audience(&AUD[1..], &AUD[1..].to_uppercase()));
}

#[test]
fn empty_expectations_match_nothing() {
    let u =
        UnverifiedToken::decode(&token(header(), with(with(claims(), "iss", "".into()), "aud", "".into()))).unwrap();
    let e = u.check(&Expectations { issuer: String::new(), audience: AUD.into(), skew_s: 60 }, NOW);
    assert_eq!(e.unwrap_err().code(), "token_wrong_issuer");
    let e = u.check(&Expectations { issuer: String::new(), audience: String::new(), skew_s: 60 }, NOW);
    assert_eq!(e.unwrap_err().code(), "token_wrong_issuer");
    let u = UnverifiedToken::decode(&token(header(), with(claims(), "aud", "".into()))).unwrap();
    let e = u.check(&Expectations { audience: String::new(), ..Expectations::acs("") }, NOW);
    assert_eq!(e.unwrap_err().code(), "token_wrong_audience");
}

#[test]
fn check_survives_extreme_times_and_skews() {
    let u =
        UnverifiedToken::decode(&token(header(), with(with(claims(), "exp", i64::MAX.into()), "nbf", i64::MIN.into())))
            .unwrap();
    let mut expect = Expectations::acs(AUD);
    for skew in [i64::MIN, -1, 0, i64::MAX] {
        expect.skew_s = skew;
        for now in [i64::MIN, 0, i64::MAX] {
            // Valid for ever: accepted only where "a day from now" reaches that far.
            let far = now.saturating_add(super::MAX_REMAINING_S.saturating_add(skew.max(0))) == i64::MAX;
            let r = u.check(&expect, now);
            assert!(
                if far { r.is_ok() } else { matches!(r, Err(JwtError::Malformed(_))) },
                "skew {skew} now {now}: {r:?}"
            );
        }
    }
    // A negative skew counts as none.
    let u = UnverifiedToken::decode(&token(header(), claims())).unwrap();
    expect.skew_s = -100;
    assert_eq!(u.check(&expect, NOW), Ok(()));
    assert_eq!(u.check(&expect, NOW + 300), Ok(()));
    assert_eq!(u.check(&expect, NOW + 301), Err(JwtError::Expired { exp: NOW + 300, now: NOW + 301 }));
}

#[test]
fn acs_expectations_use_the_acs_issuer_and_a_minute_of_skew() {
    let e = Expectations::acs(AUD);
    assert_eq!(
        (e.issuer.as_str(), e.audience.as_str(), e.skew_s),
        ("https://acscallautomation.communication.azure.com", AUD, 60)
    );
}

// --- JWKS and OpenID configuration -----------------------------------------------------------------

fn rsa_entry(kid: &str, n: &[u8]) -> Value {
    serde_json::json!({"kty": "RSA", "use": "sig", "kid": kid, "n": B64URL.encode(n), "e": "AQAB"})
}

#[test]
fn jwks_keeps_rsa_signature_keys_and_skips_the_rest() {
    let n = [0xC5u8; 256];
    let doc = serde_json::json!({"keys": [
        rsa_entry("a", &n),
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AQ", "y": "AQ"},
        with(rsa_entry("enc", &n), "use", "enc".into()),
        with(rsa_entry("rs384", &n), "alg", "RS384".into()),
        with(rsa_entry("wrap", &n), "key_ops", serde_json::json!(["wrapKey"])),
        without(rsa_entry("no-kid", &n), "kid"),
        without(rsa_entry("no-n", &n), "n"),
        rsa_entry("short", &[0xC5; 128]),
        with(rsa_entry("bad-n", &n), "n", "!!".into()),
        "not an object",
        with(with(rsa_entry("b", &n), "alg", "RS256".into()), "key_ops", serde_json::json!(["verify"])),
        with(rsa_entry("a", &[0xAA; 256]), "x5c", serde_json::json!(["MIIB"])),
    ]});
    let jwks = Jwks::parse(&doc.to_string()).unwrap();
    let kids: Vec<&str> = jwks.keys.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, ["a", "b", "a"]);
    let a = jwks.get("a").unwrap();
    assert_eq!((a.n.as_slice(), a.e.as_slice()), (&n[..], &[1u8, 0, 1][..]));
    assert_eq!((a.n_b64.as_str(), a.e_b64.as_str()), (B64URL.encode(n).as_str(), "AQAB"));
    assert!(jwks.get("ec").is_none() && jwks.get("enc").is_none() && jwks.get("A").is_none());
}

#[test]
fn jwk_normalises_padding_and_leading_zeros_for_webcrypto() {
    let mut n = vec![0u8];
    n.extend([0xC5; 256]);
    let entry = with(with(rsa_entry("k", &n), "n", format!("{}=", B64URL.encode(&n)).into()), "e", "AAEAAQ==".into());
    let jwks = Jwks::parse(&serde_json::json!({"keys": [entry]}).to_string()).unwrap();
    let k = &jwks.keys[0];
    assert_eq!((k.n.len(), k.e.as_slice()), (256, &[1u8, 0, 1][..]));
    assert_eq!(
        k.to_webcrypto_jwk(),
        serde_json::json!({"kty": "RSA", "n": B64URL.encode([0xC5; 256]), "e": "AQAB", "alg": "RS256", "ext": true})
    );
}

#[test]
fn jwks_that_is_not_a_key_set_is_an_error() {
    for doc in ["", "[]", "{}", r#"{"keys": {}}"#, r#"{"keys": "a"}"#, "{\"keys\": [", "null"] {
        let e = Jwks::parse(doc).unwrap_err();
        assert_eq!(e.code(), "jwks_malformed", "{doc}");
        assert!(!e.is_caller_error());
    }
    assert_eq!(Jwks::parse(r#"{"keys": []}"#), Ok(Jwks::default()));
}

#[test]
fn signing_key_finds_the_token_kid_or_says_unknown() {
    let jwks = Jwks::parse(&serde_json::json!({"keys": [rsa_entry("k1", &[0xC5; 256])]}).to_string()).unwrap();
    let u = UnverifiedToken::decode(&token(header(), claims())).unwrap();
    assert_eq!(u.signing_key(&jwks).unwrap().kid, "k1");
    let u = UnverifiedToken::decode(&token(with(header(), "kid", "k2".into()), claims())).unwrap();
    let e = u.signing_key(&jwks).unwrap_err();
    assert_eq!(e, JwtError::UnknownKid { kid: "k2".into() });
    assert_eq!((e.code(), e.to_string().contains("'k2'")), ("token_unknown_kid", true));
    let u = UnverifiedToken::decode(&token(without(header(), "kid"), claims())).unwrap();
    assert_eq!(u.signing_key(&jwks), Err(JwtError::MissingKid));
}

#[test]
fn openid_configuration_gives_issuer_and_jwks_uri() {
    let doc = r#"{
        "issuer": "https://acscallautomation.communication.azure.com",
        "jwks_uri": "https://acscallautomation.communication.azure.com/calling/keys",
        "id_token_signing_alg_values_supported": ["RS256"]
    }"#;
    let c = OpenIdConfiguration::parse(doc).unwrap();
    assert_eq!((c.issuer.as_str(), c.jwks_uri.as_str()), (ACS_ISSUER, ACS_JWKS_URL));
    for bad in ["", "[]", r#"{"issuer":"x"}"#, r#"{"issuer":"x","jwks_uri":1}"#, r#"{"issuer":"","jwks_uri":"u"}"#] {
        let e = OpenIdConfiguration::parse(bad).unwrap_err();
        assert_eq!(e.code(), "openid_configuration_malformed", "{bad}");
    }
}

#[test]
fn error_codes_are_stable_and_distinct() {
    let all = [
        JwtError::Missing,
        JwtError::Malformed("x".into()),
        JwtError::UnsupportedAlg { alg: "HS256".into() },
        JwtError::MissingKid,
        JwtError::UnknownKid { kid: "k".into() },
        JwtError::BadSignature,
        JwtError::Expired { exp: 1, now: 2 },
        JwtError::NotYetValid { nbf: 2, now: 1 },
        JwtError::WrongIssuer { found: None },
        JwtError::WrongAudience { found: vec![] },
        JwtError::MalformedJwks("x".into()),
        JwtError::MalformedOpenIdConfiguration("x".into()),
    ];
    let codes: Vec<&str> = all.iter().map(JwtError::code).collect();
    assert_eq!(
        codes,
        [
            "token_missing",
            "token_malformed",
            "token_unsupported_alg",
            "token_missing_kid",
            "token_unknown_kid",
            "token_bad_signature",
            "token_expired",
            "token_not_yet_valid",
            "token_wrong_issuer",
            "token_wrong_audience",
            "jwks_malformed",
            "openid_configuration_malformed",
        ]
    );
    assert_eq!(all.iter().filter(|e| e.is_caller_error()).count(), 10);
    assert_eq!(JwtError::BadSignature.to_string(), "the token signature does not match the signing key");
}

// --- never panics ---------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decode_and_bearer_never_panic_on_any_string(s in ".{0,200}") {
        let _ = UnverifiedToken::decode(&s);
        let _ = bearer(Some(&s));
        let _ = Jwks::parse(&s);
        let _ = OpenIdConfiguration::parse(&s);
    }

    #[test]
    fn decode_never_panics_on_token_shaped_strings(s in "[A-Za-z0-9_=.-]{0,120}") {
        let _ = UnverifiedToken::decode(&s);
    }

    #[test]
    fn decode_and_check_never_panic_on_any_json_parts(
        h in prop::collection::vec(any::<u8>(), 0..64),
        p in prop::collection::vec(any::<u8>(), 0..64),
        json_claims in prop::option::of((any::<i64>(), any::<f64>(), any::<bool>())),
        now in any::<i64>(),
        skew in any::<i64>(),
    ) {
        // Arbitrary bytes as header and payload, and well-formed JSON with extreme numbers.
        let _ = UnverifiedToken::decode(&format!("{}.{}.AQ", B64URL.encode(&h), B64URL.encode(&p)));
        if let Some((i, f, as_float)) = json_claims {
            let exp = if as_float { serde_json::json!(f) } else { serde_json::json!(i) };
            let c = with(with(claims(), "exp", exp), "nbf", serde_json::json!(i));
            if let Ok(u) = UnverifiedToken::decode(&token(header(), c)) {
                let _ = u.check(&Expectations { skew_s: skew, ..Expectations::acs(AUD) }, now);
            }
        }
    }
}

// --- real tokens from the emulator ----------------------------------------------------------------

#[cfg(feature = "emulator")]
mod emulator_tokens {
    use super::*;
    use crate::emulator::jwt::TokenSigner;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use sha2::Sha256;

    /// What the edge does with WebCrypto, natively: RS256 over `signing_input` with the JWKS key.
    fn verify_rs256(token: &UnverifiedToken, key: &Jwk) -> Result<(), JwtError> {
        let public = rsa::PublicKey::new(
            rsa::BoxedUint::from_be_slice_vartime(&key.n),
            rsa::BoxedUint::from_be_slice_vartime(&key.e),
        )
        .map_err(|_| JwtError::BadSignature)?;
        let signature = Signature::try_from(token.signature.as_slice()).map_err(|_| JwtError::BadSignature)?;
        VerifyingKey::<Sha256>::new(public)
            .verify(token.signing_input.as_bytes(), &signature)
            .map_err(|_| JwtError::BadSignature)
    }

    fn verify(raw: &str, jwks: &Jwks, expect: &Expectations, now: i64) -> Result<Claims, JwtError> {
        let token = UnverifiedToken::decode(raw)?;
        token.check(expect, now)?;
        verify_rs256(&token, token.signing_key(jwks)?)?;
        Ok(token.claims)
    }

    #[test]
    fn emulator_tokens_verify_end_to_end() {
        let signer = TokenSigner::dev();
        let raw = signer.token(AUD, NOW, "cb-1");
        let header = format!("Bearer {raw}");
        let jwks = Jwks::parse(&signer.jwks().to_string()).unwrap();
        assert_eq!(jwks.keys.len(), 1);
        assert_eq!(jwks.keys[0].kid, signer.kid());
        assert_eq!(jwks.keys[0].n.len(), 256);

        let claims = verify(bearer(Some(&header)).unwrap(), &jwks, &Expectations::acs(AUD), NOW + 10).unwrap();
        assert_eq!(claims.iss.as_deref(), Some(ACS_ISSUER));
        assert_eq!(claims.aud, [AUD]);
        assert_eq!((claims.iat, claims.nbf, claims.exp), (Some(NOW), Some(NOW), Some(NOW + 300)));
        assert_eq!(claims.jti.as_deref(), Some("cb-1"));

        // The emulator's claims fail the checks as real ones would.
        let e = verify(&raw, &jwks, &Expectations::acs(AUD), NOW + 361).unwrap_err();
        assert_eq!(e.code(), "token_expired");
        let e = verify(&raw, &jwks, &Expectations::acs("another-resource"), NOW).unwrap_err();
        assert_eq!(e.code(), "token_wrong_audience");
        let e = verify(&raw, &Jwks::default(), &Expectations::acs(AUD), NOW).unwrap_err();
        assert_eq!(e.code(), "token_unknown_kid");
    }

    #[test]
    fn emulator_configuration_names_the_acs_issuer() {
        let signer = TokenSigner::dev();
        let c = OpenIdConfiguration::parse(&signer.openid_configuration("http://127.0.0.1:8080").to_string()).unwrap();
        assert_eq!(c.issuer, ACS_ISSUER);
        assert_eq!(c.jwks_uri, "http://127.0.0.1:8080/calling/keys");
        assert_eq!(Expectations::acs(AUD).issuer, c.issuer);
    }

    #[test]
    fn a_tampered_emulator_token_fails_the_signature() {
        let signer = TokenSigner::dev();
        let jwks = Jwks::parse(&signer.jwks().to_string()).unwrap();
        let raw = signer.token(AUD, NOW, "cb-1");
        let parts: Vec<&str> = raw.split('.').collect();

        // Same header and signature, payload rewritten to another audience and a later expiry.
        let mut payload: Value = serde_json::from_slice(&B64URL.decode(parts[1]).unwrap()).unwrap();
        payload["aud"] = "another-resource".into();
        payload["exp"] = (NOW + 3_600 + 1_800).into();
        let forged = format!("{}.{}.{}", parts[0], b64(&payload), parts[2]);
        let e = verify(&forged, &jwks, &Expectations::acs("another-resource"), NOW + 3_600).unwrap_err();
        assert_eq!(e, JwtError::BadSignature);

        // A flipped signature bit fails too, and the untouched token still passes.
        let mut sig = B64URL.decode(parts[2]).unwrap();
        sig[0] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], B64URL.encode(sig));
        assert_eq!(verify(&flipped, &jwks, &Expectations::acs(AUD), NOW), Err(JwtError::BadSignature));
        assert!(verify(&raw, &jwks, &Expectations::acs(AUD), NOW).is_ok());

        // Re-padding the parts changes the signing input, so the signature no longer covers it.
        let padded = format!("{}=.{}.{}", parts[0], parts[1], parts[2]);
        assert_eq!(UnverifiedToken::decode(&padded).unwrap().claims.jti.as_deref(), Some("cb-1"));
        assert_eq!(verify(&padded, &jwks, &Expectations::acs(AUD), NOW), Err(JwtError::BadSignature));
    }
}
