//! Callback authentication: ACS's RS256 token checked before anything else. Claims are the
//! core's (`auth::jwt`); the signature is WebCrypto's (`crypto.subtle.verify`). The signing keys
//! are fetched from the JWKS URL once per isolate and again when a token names a key we do not
//! have (ACS rotates keys), at most once a minute. A failed fetch is remembered for a few
//! seconds: while ACS's key endpoint is down, tokens are not a way to make the Worker fetch it
//! once per request.

use std::cell::RefCell;
use std::collections::BTreeMap;

use ::worker::js_sys::{self, Array, Object, Reflect, Uint8Array};
use ::worker::wasm_bindgen::{JsCast, JsValue};
use ::worker::wasm_bindgen_futures::JsFuture;

use crate::api::ApiError;
use crate::auth::jwt::{self, Expectations, Jwks, JwtError, UnverifiedToken};
use crate::tenant::{AcsTrust, Tenant};

/// How soon an unknown `kid` may trigger another JWKS fetch.
const REFETCH_AFTER_MS: i64 = 60_000;
/// How soon after a failed JWKS fetch another may be tried.
const RETRY_FAILED_AFTER_MS: i64 = 5_000;

struct Cache {
    url: String,
    fetched_at: i64,
    keys: BTreeMap<String, JsValue>,
}

thread_local! {
    static CACHE: RefCell<Option<Cache>> = const { RefCell::new(None) };
    /// The last failed fetch: its URL, when, and why.
    static FAILED: RefCell<Option<(String, i64, String)>> = const { RefCell::new(None) };
}

fn unauthorized(e: &JwtError) -> ApiError {
    if e.is_caller_error() {
        ApiError::new(401, e.code(), e.to_string())
    } else {
        ApiError::new(502, e.code(), e.to_string())
    }
}

/// A verified callback token's identity: its id and `exp` (Unix s).
pub struct Verified {
    /// Token id: a token is good for one delivery. Its `jti`, or — the claim is optional and
    /// SPEC §3.6 only says ACS mints a new token per event — its signature's first 12 bytes in
    /// hex, as unique as the token.
    pub jti: String,
    /// Expiry.
    pub exp: i64,
}

/// Checks a callback's `Authorization` header for `tenant`.
pub async fn verify_callback(
    authorization: Option<&str>,
    trust: &AcsTrust,
    tenant: &Tenant,
    now_ms: i64,
) -> Result<Verified, ApiError> {
    let token = jwt::bearer(authorization).map_err(|e| unauthorized(&e))?;
    let t = UnverifiedToken::decode(token).map_err(|e| unauthorized(&e))?;
    let expect = Expectations {
        issuer: trust.issuer.clone(),
        audience: tenant.acs_resource_id.clone(),
        skew_s: jwt::DEFAULT_SKEW_S,
    };
    t.check(&expect, now_ms.div_euclid(1000)).map_err(|e| unauthorized(&e))?;
    let kid = t.kid.clone().unwrap_or_default();
    let key = match cached_key(&trust.jwks_url, &kid) {
        Some(k) => k,
        None => {
            refresh(&trust.jwks_url, now_ms).await?;
            cached_key(&trust.jwks_url, &kid).ok_or_else(|| unauthorized(&JwtError::UnknownKid { kid: kid.clone() }))?
        }
    };
    if verify_rs256(&key, &t.signature, t.signing_input.as_bytes()).await? {
        let jti = t.claims.jti.clone().unwrap_or_else(|| {
            let mut id = String::from("sig-");
            for b in t.signature.iter().take(12) {
                crate::auth::push_hex(&mut id, *b);
            }
            id
        });
        Ok(Verified { jti, exp: t.claims.exp.unwrap_or(0) })
    } else {
        Err(unauthorized(&JwtError::BadSignature))
    }
}

fn cached_key(url: &str, kid: &str) -> Option<JsValue> {
    CACHE.with(|c| c.borrow().as_ref().filter(|c| c.url == url).and_then(|c| c.keys.get(kid).cloned()))
}

async fn refresh(url: &str, now_ms: i64) -> Result<(), ApiError> {
    let recent =
        CACHE.with(|c| c.borrow().as_ref().is_some_and(|c| c.url == url && now_ms - c.fetched_at < REFETCH_AFTER_MS));
    if recent {
        return Ok(());
    }
    let failed = FAILED.with(|f| {
        f.borrow()
            .as_ref()
            .filter(|(u, at, _)| u == url && now_ms - at < RETRY_FAILED_AFTER_MS)
            .map(|(_, _, why)| why.clone())
    });
    if let Some(why) = failed {
        return Err(ApiError::new(502, "jwks_unavailable", format!("{why} (tried again 5 s after a failure)")));
    }
    let result = fetch_keys(url).await;
    match &result {
        Ok(_) => FAILED.with(|f| *f.borrow_mut() = None),
        Err(e) => FAILED.with(|f| *f.borrow_mut() = Some((url.to_owned(), now_ms, e.message.clone()))),
    }
    let keys = result?;
    CACHE.with(|c| *c.borrow_mut() = Some(Cache { url: url.to_owned(), fetched_at: now_ms, keys }));
    Ok(())
}

async fn fetch_keys(url: &str) -> Result<BTreeMap<String, JsValue>, ApiError> {
    let res = super::acs::get(url).await;
    match res.status {
        200 => {}
        0 => return Err(ApiError::new(502, "jwks_unavailable", format!("fetching {url}: {}", res.body))),
        s => return Err(ApiError::new(502, "jwks_unavailable", format!("{url} answered {s}"))),
    }
    let jwks = Jwks::parse(&res.body).map_err(|e| unauthorized(&e))?;
    let mut keys = BTreeMap::new();
    for k in &jwks.keys {
        keys.insert(k.kid.clone(), import(&k.to_webcrypto_jwk()).await?);
    }
    Ok(keys)
}

fn subtle() -> Result<JsValue, ApiError> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(js_error)?;
    Reflect::get(&crypto, &"subtle".into()).map_err(js_error)
}

fn algorithm() -> Result<JsValue, ApiError> {
    let alg = Object::new();
    Reflect::set(&alg, &"name".into(), &"RSASSA-PKCS1-v1_5".into()).map_err(js_error)?;
    Reflect::set(&alg, &"hash".into(), &"SHA-256".into()).map_err(js_error)?;
    Ok(alg.into())
}

async fn call(method: &str, args: &Array) -> Result<JsValue, ApiError> {
    let subtle = subtle()?;
    let f: js_sys::Function = Reflect::get(&subtle, &method.into()).map_err(js_error)?.dyn_into().map_err(js_error)?;
    let promise: js_sys::Promise = f.apply(&subtle, args).map_err(js_error)?.dyn_into().map_err(js_error)?;
    JsFuture::from(promise).await.map_err(js_error)
}

async fn import(jwk: &serde_json::Value) -> Result<JsValue, ApiError> {
    let key = js_sys::JSON::parse(&jwk.to_string()).map_err(js_error)?;
    let usages = Array::of1(&"verify".into());
    let args = Array::of5(&"jwk".into(), &key, &algorithm()?, &JsValue::FALSE, &usages);
    call("importKey", &args).await
}

async fn verify_rs256(key: &JsValue, signature: &[u8], data: &[u8]) -> Result<bool, ApiError> {
    let args = Array::of4(&algorithm()?, key, &Uint8Array::from(signature), &Uint8Array::from(data));
    Ok(call("verify", &args).await?.as_bool().unwrap_or(false))
}

fn js_error(e: JsValue) -> ApiError {
    ApiError::new(500, "internal", format!("WebCrypto: {e:?}"))
}
