//! Callback token checks (SPEC §3.6): the sans-IO half of verifying the `Authorization: Bearer <JWT>`
//! ACS puts on every mid-call callback. This module parses the token, the JWKS and the OpenID
//! configuration and checks the claims against `now`; the RS256 signature itself is verified by the
//! edge (WebCrypto in the Worker) with the [`Jwk`] and [`UnverifiedToken::signing_input`] handed out
//! here. It never reads a clock or the network, and it never fetches a key from a URL named in the
//! token (`jku`, `x5u`): keys come only from the configured JWKS.
//!
//! Order at the edge: [`bearer`] → [`UnverifiedToken::decode`] → [`UnverifiedToken::check`] →
//! [`UnverifiedToken::signing_key`] → RS256 verify (failure: [`JwtError::BadSignature`]). Checking the
//! claims first means an expired or foreign token costs no JWKS fetch.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::{Map, Value};

/// The issuer (`iss`) of real ACS callback tokens (SPEC §3.6).
pub const ACS_ISSUER: &str = "https://acscallautomation.communication.azure.com";

/// Where real ACS publishes its OpenID configuration (SPEC §3.6).
pub const ACS_OPENID_CONFIGURATION_URL: &str =
    "https://acscallautomation.communication.azure.com/calling/.well-known/acsopenidconfiguration";

/// Where real ACS publishes its signing keys (SPEC §3.6).
pub const ACS_JWKS_URL: &str = "https://acscallautomation.communication.azure.com/calling/keys";

/// The only signature algorithm ACS uses and this module accepts.
pub const RS256: &str = "RS256";

/// The longest a callback token may still be valid for, in seconds. ACS mints one per delivery,
/// valid for 5 minutes (SPEC §3.6); its media-streaming tokens have the same issuer and audience
/// but live 24 h, and must not pass for a callback's. An hour leaves room for a lifetime the
/// digest has wrong without admitting those.
pub const MAX_REMAINING_S: i64 = 3600;

/// Default clock skew tolerated on `exp` and `nbf`, in seconds.
pub const DEFAULT_SKEW_S: i64 = 60;

/// Smallest RSA modulus accepted in a JWKS, in bytes (2048 bits, what ACS uses).
const MIN_MODULUS_BYTES: usize = 256;

/// Why a callback token, a JWKS or an OpenID configuration was refused. [`JwtError::code`] gives a
/// stable code for HTTP error bodies; the message says what is wrong in plain words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// No `Authorization` header, or a `Bearer` scheme with nothing after it.
    #[error("the request has no bearer token in its Authorization header")]
    Missing,
    /// The header or the token is not well formed; the text says what is wrong.
    #[error("the bearer token is malformed: {0}")]
    Malformed(String),
    /// The token is signed with an algorithm other than RS256 (`none` and `HS*` included).
    #[error("the token is signed with '{alg}', but only RS256 is accepted")]
    UnsupportedAlg {
        /// The `alg` of the token header.
        alg: String,
    },
    /// The token header names no signing key (`kid`).
    #[error("the token header has no key id (kid)")]
    MissingKid,
    /// The JWKS has no usable key with the token's `kid`.
    #[error("no signing key with id '{kid}' is published in the JWKS")]
    UnknownKid {
        /// The `kid` of the token header.
        kid: String,
    },
    /// The RS256 signature does not match (reported by the edge that verifies it).
    #[error("the token signature does not match the signing key")]
    BadSignature,
    /// `now` is past `exp` plus the allowed skew.
    #[error("the token expired at {exp} (Unix seconds); it is now {now}")]
    Expired {
        /// The `exp` claim.
        exp: i64,
        /// The time of the check.
        now: i64,
    },
    /// `now` is before `nbf` minus the allowed skew.
    #[error("the token is not valid before {nbf} (Unix seconds); it is now {now}")]
    NotYetValid {
        /// The `nbf` claim.
        nbf: i64,
        /// The time of the check.
        now: i64,
    },
    /// `iss` is absent or not the expected issuer.
    #[error("the token was issued by {}, not by the expected issuer", quoted_or(.found, "nobody (no iss claim)"))]
    WrongIssuer {
        /// The `iss` claim, if any.
        found: Option<String>,
    },
    /// `aud` does not contain the expected audience (the ACS resource's immutable id).
    #[error("the token is meant for [{}], not for this ACS resource", .found.join(", "))]
    WrongAudience {
        /// The `aud` claim (empty when absent).
        found: Vec<String>,
    },
    /// The JWKS document is not `{"keys": [...]}` (a problem of the key server, not of the caller).
    #[error("the JWKS document is malformed: {0}")]
    MalformedJwks(String),
    /// The OpenID configuration lacks `issuer` or `jwks_uri` (a problem of the key server, not of
    /// the caller).
    #[error("the OpenID configuration is malformed: {0}")]
    MalformedOpenIdConfiguration(String),
}

impl JwtError {
    /// A stable snake_case code for HTTP error bodies and JS errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "token_missing",
            Self::Malformed(_) => "token_malformed",
            Self::UnsupportedAlg { .. } => "token_unsupported_alg",
            Self::MissingKid => "token_missing_kid",
            Self::UnknownKid { .. } => "token_unknown_kid",
            Self::BadSignature => "token_bad_signature",
            Self::Expired { .. } => "token_expired",
            Self::NotYetValid { .. } => "token_not_yet_valid",
            Self::WrongIssuer { .. } => "token_wrong_issuer",
            Self::WrongAudience { .. } => "token_wrong_audience",
            Self::MalformedJwks(_) => "jwks_malformed",
            Self::MalformedOpenIdConfiguration(_) => "openid_configuration_malformed",
        }
    }

    /// Whether the caller is at fault (answer 401) rather than the key server (answer 502/503).
    pub fn is_caller_error(&self) -> bool {
        !matches!(self, Self::MalformedJwks(_) | Self::MalformedOpenIdConfiguration(_))
    }
}

fn quoted_or(value: &Option<String>, absent: &str) -> String {
    value.as_deref().map_or_else(|| absent.to_owned(), |v| format!("'{v}'"))
}

fn malformed(what: impl Into<String>) -> JwtError {
    JwtError::Malformed(what.into())
}

/// The token of an `Authorization` header value (`Bearer <JWT>`): the scheme is case-insensitive and
/// whitespace around the value and between scheme and token is tolerated.
pub fn bearer(authorization: Option<&str>) -> Result<&str, JwtError> {
    let value = authorization.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(JwtError::Missing);
    }
    let (scheme, token) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        // Do not echo the value: it may be a credential of another kind.
        return Err(malformed("the Authorization scheme is not Bearer"));
    }
    let token = token.trim_start_matches([' ', '\t']);
    if token.is_empty() {
        return Err(JwtError::Missing);
    }
    if token.contains(char::is_whitespace) {
        return Err(malformed("the bearer token contains whitespace"));
    }
    Ok(token)
}

/// Registered claims of a callback token that matter for ACS (RFC 7519 §4.1). Numeric dates are Unix
/// seconds; fractional values are rounded down.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    /// `iss`: who issued the token.
    pub iss: Option<String>,
    /// `aud`: who the token is for, from a string or an array of strings (empty when absent).
    pub aud: Vec<String>,
    /// `exp`: expiry.
    pub exp: Option<i64>,
    /// `nbf`: not valid before.
    pub nbf: Option<i64>,
    /// `iat`: issued at.
    pub iat: Option<i64>,
    /// `jti`: token id (ACS issues a new token per callback).
    pub jti: Option<String>,
}

/// A decoded but not yet verified JWS compact token: everything an RS256 verifier needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnverifiedToken {
    /// `alg` of the header.
    pub alg: String,
    /// `kid` of the header: which JWKS key signed the token.
    pub kid: Option<String>,
    /// The payload's claims.
    pub claims: Claims,
    /// `header.payload` exactly as received: the bytes the signature covers.
    pub signing_input: String,
    /// The decoded signature (empty for an unsecured token).
    pub signature: Vec<u8>,
}

impl UnverifiedToken {
    /// Splits and decodes a compact JWS (`header.payload.signature`, base64url with or without
    /// padding). Header and payload must be JSON objects. Never panics.
    pub fn decode(token: &str) -> Result<Self, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("a JWT has exactly three dot-separated parts"));
        };
        let header_json = json_object(header, "header")?;
        let payload_json = json_object(payload, "payload")?;
        let signature = b64url(signature).ok_or_else(|| malformed("the signature is not base64url"))?;

        let alg = match header_json.get("alg") {
            Some(Value::String(alg)) => alg.clone(),
            Some(_) => return Err(malformed("the header's alg is not a string")),
            None => return Err(malformed("the header has no alg")),
        };
        // RFC 7515 §4.1.11: extensions marked critical must be understood, and we understand none.
        if header_json.contains_key("crit") {
            return Err(malformed("the header lists critical extensions (crit), which are not supported"));
        }
        let kid = string_member(&header_json, "kid", "the header's kid")?;
        let claims = Claims {
            iss: string_member(&payload_json, "iss", "claim iss")?,
            aud: audience(payload_json.get("aud"))?,
            exp: numeric_date(&payload_json, "exp")?,
            nbf: numeric_date(&payload_json, "nbf")?,
            iat: numeric_date(&payload_json, "iat")?,
            jti: string_member(&payload_json, "jti", "claim jti")?,
        };
        let signing_input = token[..header.len() + 1 + payload.len()].to_owned();
        Ok(Self { alg, kid, claims, signing_input, signature })
    }

    /// Checks everything but the signature: RS256 with a `kid`, the issuer, the audience, and the
    /// validity window at `now_s` (Unix seconds) with `expect.skew_s` of tolerance. `exp` is
    /// required, and at most [`MAX_REMAINING_S`] away; `nbf` is checked when present.
    pub fn check(&self, expect: &Expectations, now_s: i64) -> Result<(), JwtError> {
        if self.alg != RS256 {
            return Err(JwtError::UnsupportedAlg { alg: self.alg.clone() });
        }
        if self.signature.is_empty() {
            return Err(malformed("the token has no signature"));
        }
        if self.kid.as_deref().is_none_or(str::is_empty) {
            return Err(JwtError::MissingKid);
        }
        // An empty expectation is a configuration mistake; it must not match an empty claim.
        if expect.issuer.is_empty() || self.claims.iss.as_deref() != Some(expect.issuer.as_str()) {
            return Err(JwtError::WrongIssuer { found: self.claims.iss.clone() });
        }
        if expect.audience.is_empty() || !self.claims.aud.iter().any(|a| same_audience(a, &expect.audience)) {
            return Err(JwtError::WrongAudience { found: self.claims.aud.clone() });
        }
        let skew = expect.skew_s.max(0);
        let exp = self.claims.exp.ok_or_else(|| malformed("the token has no exp claim"))?;
        if now_s > exp.saturating_add(skew) {
            return Err(JwtError::Expired { exp, now: now_s });
        }
        if exp > now_s.saturating_add(MAX_REMAINING_S.saturating_add(skew)) {
            return Err(malformed(
                "the token is valid for more than an hour from now (a callback token lives 5 minutes)",
            ));
        }
        if let Some(nbf) = self.claims.nbf {
            if now_s < nbf.saturating_sub(skew) {
                return Err(JwtError::NotYetValid { nbf, now: now_s });
            }
        }
        Ok(())
    }

    /// The JWKS key that must have signed this token, by `kid`.
    pub fn signing_key<'a>(&self, jwks: &'a Jwks) -> Result<&'a Jwk, JwtError> {
        let kid = self.kid.as_deref().filter(|k| !k.is_empty()).ok_or(JwtError::MissingKid)?;
        jwks.get(kid).ok_or_else(|| JwtError::UnknownKid { kid: kid.to_owned() })
    }
}

/// What a callback token must say to be accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectations {
    /// The required `iss`.
    pub issuer: String,
    /// The audience `aud` must contain: the ACS resource's immutable resource id (a GUID).
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub skew_s: i64,
}

impl Expectations {
    /// Real ACS: issuer [`ACS_ISSUER`], 60 s of skew, and `audience` = the ACS resource's immutable
    /// resource id.
    pub fn acs(audience: impl Into<String>) -> Self {
        Self { issuer: ACS_ISSUER.to_owned(), audience: audience.into(), skew_s: DEFAULT_SKEW_S }
    }
}

/// ACS audiences are GUIDs, whose hex digits may come in either case; other values compare exactly.
fn same_audience(found: &str, expected: &str) -> bool {
    if is_guid(found) && is_guid(expected) {
        found.eq_ignore_ascii_case(expected)
    } else {
        found == expected
    }
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// Base64url, with or without trailing `=` padding.
fn b64url(s: &str) -> Option<Vec<u8>> {
    B64URL.decode(s.trim_end_matches('=')).ok()
}

fn json_object(part: &str, name: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = b64url(part).ok_or_else(|| malformed(format!("the {name} is not base64url")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed(format!("the {name} is not a JSON object"))),
        Err(e) => Err(malformed(format!("the {name} is not JSON ({e})"))),
    }
}

fn string_member(map: &Map<String, Value>, key: &str, what: &str) -> Result<Option<String>, JwtError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(malformed(format!("{what} is not a string"))),
    }
}

fn audience(aud: Option<&Value>) -> Result<Vec<String>, JwtError> {
    match aud {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|a| {
                a.as_str().map(str::to_owned).ok_or_else(|| malformed("claim aud has a member that is not a string"))
            })
            .collect(),
        Some(_) => Err(malformed("claim aud is neither a string nor an array of strings")),
    }
}

/// A NumericDate (RFC 7519 §2): integer or fractional seconds, rounded down.
fn numeric_date(map: &Map<String, Value>, key: &str) -> Result<Option<i64>, JwtError> {
    let n = match map.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n,
        Some(_) => return Err(malformed(format!("claim {key} is not a number"))),
    };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    // `i64::MAX as f64` is 2^63, itself out of range, hence the strict upper bound.
    match n.as_f64().map(f64::floor) {
        Some(f) if !n.is_u64() && f >= i64::MIN as f64 && f < i64::MAX as f64 => Ok(Some(f as i64)),
        _ => Err(malformed(format!("claim {key} is out of range"))),
    }
}

/// One RSA signing key of a JWKS, with its modulus and exponent as big-endian bytes (no leading
/// zero octets) and as canonical base64url (no padding), which is what WebCrypto's `importKey`
/// accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jwk {
    /// Key id, matched against the token header's `kid`.
    pub kid: String,
    /// Modulus, big-endian.
    pub n: Vec<u8>,
    /// Public exponent, big-endian.
    pub e: Vec<u8>,
    /// Modulus, base64url without padding.
    pub n_b64: String,
    /// Public exponent, base64url without padding.
    pub e_b64: String,
}

impl Jwk {
    /// The JWK to pass to `crypto.subtle.importKey("jwk", jwk, {name: "RSASSA-PKCS1-v1_5", hash:
    /// "SHA-256"}, false, ["verify"])`.
    pub fn to_webcrypto_jwk(&self) -> Value {
        serde_json::json!({"kty": "RSA", "n": self.n_b64, "e": self.e_b64, "alg": RS256, "ext": true})
    }

    /// A usable RS256 verification key from one JWKS entry, or `None` to skip it.
    fn from_entry(entry: &Value) -> Option<Self> {
        let entry = entry.as_object()?;
        let str_of = |k: &str| entry.get(k).and_then(Value::as_str);
        let usable = str_of("kty") == Some("RSA")
            && str_of("use").is_none_or(|u| u == "sig")
            && str_of("alg").is_none_or(|a| a == RS256)
            && entry.get("key_ops").and_then(Value::as_array).is_none_or(|ops| ops.iter().any(|o| o == "verify"));
        let kid = str_of("kid").filter(|k| !k.is_empty())?;
        if !usable {
            return None;
        }
        let n = strip_leading_zeros(b64url(str_of("n")?)?);
        let e = strip_leading_zeros(b64url(str_of("e")?)?);
        if n.len() < MIN_MODULUS_BYTES || e.is_empty() || e.len() > 8 {
            return None;
        }
        Some(Self { kid: kid.to_owned(), n_b64: B64URL.encode(&n), e_b64: B64URL.encode(&e), n, e })
    }
}

fn strip_leading_zeros(mut b: Vec<u8>) -> Vec<u8> {
    let first = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    b.drain(..first);
    b
}

/// The RS256 keys of a JWKS document (`GET /calling/keys`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Jwks {
    /// Usable keys, in document order.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Parses `{"keys": [...]}`, keeping the RSA signature keys usable for RS256 (with a `kid`, a
    /// modulus of at least 2048 bits, `use`/`alg`/`key_ops` absent or compatible) and skipping the
    /// rest, so a key of another kind added on rotation does not break verification.
    pub fn parse(text: &str) -> Result<Self, JwtError> {
        let doc: Value = serde_json::from_str(text)
            .map_err(|e| JwtError::MalformedJwks(format!("the document is not JSON ({e})")))?;
        let Some(entries) = doc.get("keys").and_then(Value::as_array) else {
            return Err(JwtError::MalformedJwks("the document is not an object with a keys array".into()));
        };
        Ok(Self { keys: entries.iter().filter_map(Jwk::from_entry).collect() })
    }

    /// The key with this `kid` (the first one, should a JWKS repeat an id).
    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}

/// The members of an OpenID configuration (`/calling/.well-known/acsopenidconfiguration`) a
/// verifier uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenIdConfiguration {
    /// The issuer tokens must carry in `iss`.
    pub issuer: String,
    /// Where the JWKS is published.
    pub jwks_uri: String,
}

impl OpenIdConfiguration {
    /// Parses the document; `issuer` and `jwks_uri` are required strings, other members are ignored.
    pub fn parse(text: &str) -> Result<Self, JwtError> {
        let bad = JwtError::MalformedOpenIdConfiguration;
        let doc: Value = serde_json::from_str(text).map_err(|e| bad(format!("the document is not JSON ({e})")))?;
        let member = |k: &str| {
            doc.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| bad(format!("{k} is missing or not a string")))
        };
        Ok(Self { issuer: member("issuer")?, jwks_uri: member("jwks_uri")? })
    }
}

#[cfg(test)]
mod tests;
