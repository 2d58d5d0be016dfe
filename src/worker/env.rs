//! What the edge takes from outside the core: the tenant configuration (secret or var
//! `TENANTS`), the clock and randomness.

use std::cell::RefCell;
use std::rc::Rc;

use ::worker::Env;

use crate::api::ApiError;
use crate::tenant::Config;

thread_local! {
    /// The parsed configuration and the text it came from (an isolate lives across requests;
    /// parsing once per isolate keeps it off every callback's path).
    static CONFIG: RefCell<Option<(String, Rc<Config>)>> = const { RefCell::new(None) };
}

/// The tenant configuration: `TENANTS` as a secret (production: `wrangler secret put TENANTS`)
/// or a var (local: `.dev.vars` or `--var`), JSON in the shape of `config/tenants.dev.json`.
pub fn config(env: &Env) -> Result<Rc<Config>, ApiError> {
    let text =
        env.secret("TENANTS").map(|s| s.to_string()).or_else(|_| env.var("TENANTS").map(|v| v.to_string())).map_err(
            |_| ApiError::new(500, "not_configured", "TENANTS is not set (see config/tenants.dev.json for its shape)"),
        )?;
    if let Some(c) = CONFIG.with(|c| c.borrow().as_ref().filter(|(t, _)| *t == text).map(|(_, c)| c.clone())) {
        return Ok(c);
    }
    let parsed =
        Rc::new(Config::parse(&text).map_err(|e| {
            ApiError::new(500, "bad_configuration", format!("TENANTS is invalid: {e}")).field(&e.field)
        })?);
    CONFIG.with(|c| *c.borrow_mut() = Some((text, parsed.clone())));
    Ok(parsed)
}

/// `ACS_MODE` (`emulator` locally, `acs` in production).
pub fn acs_mode(env: &Env) -> String {
    env.var("ACS_MODE").map(|v| v.to_string()).unwrap_or_else(|_| "acs".into())
}

/// Unix ms.
pub fn now_ms() -> i64 {
    ::worker::Date::now().as_millis() as i64
}

/// 16 bytes from the platform's CSPRNG.
pub fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    // The Workers runtime always has crypto.getRandomValues; a failure leaves zeros, which only
    // weakens an id's uniqueness, never its safety.
    let _ = getrandom::fill(&mut b);
    b
}

/// A fresh UUID v4.
pub fn uuid() -> String {
    crate::auth::uuid_v4(random16())
}
