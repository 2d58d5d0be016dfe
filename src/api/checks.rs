//! `GET /api/checks`: what an operator asks after a deploy or a key rotation — does ACS take
//! the tenant's access key, do the callback-token signing keys load, does Graph answer
//! presence. `/api/health` says the Worker is configured; this says the configuration works.
//! The Worker makes the three requests; these read the answers into verdicts.

use serde_json::{json, Value};

use crate::auth::jwt::Jwks;

/// The call connection the ACS probe reads. No call has this id, so an ACS that authenticated
/// the request answers 404 (or 400 for the id's form), and one that did not answers 401.
pub const PROBE_CALL_CONNECTION_ID: &str = "switchboard-check";

/// One verdict: `{name, ok, status?, message}` (`status` the HTTP status seen, 0 for none).
fn verdict(name: &str, ok: bool, status: Option<u16>, message: String) -> Value {
    json!({"name": name, "ok": ok, "status": status, "message": message})
}

/// ACS's answer to the probe (`status` 0: no answer; `body` ACS's text, or why it failed).
pub fn acs(status: u16, body: &str) -> Value {
    let said = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let (ok, message) = match status {
        200 | 400 | 404 => {
            (true, format!("ACS accepted the access key (a read of a call that does not exist answered {status})"))
        }
        401 | 403 => (
            false,
            format!(
                "ACS refused the access key ({status}): the connectionString's key is wrong or was rotated. {said}"
            ),
        ),
        0 => (false, format!("ACS did not answer: check the connectionString's endpoint. {said}")),
        429 | 500..=599 => (false, format!("ACS is unavailable ({status}). {said}")),
        _ => (false, format!("ACS answered {status} to a read. {said}")),
    };
    verdict("acs", ok, Some(status), message.trim_end().to_owned())
}

/// The callback-token issuer's key document at `url`.
pub fn callback_keys(url: &str, status: u16, body: &str) -> Value {
    let (ok, message) = match (status, Jwks::parse(body)) {
        (200, Ok(jwks)) if !jwks.keys.is_empty() => {
            (true, format!("{} RS256 signing key(s) at {url}: callbacks can be verified", jwks.keys.len()))
        }
        (200, Ok(_)) => (false, format!("{url} lists no RS256 signing key: every callback would be refused")),
        (200, Err(e)) => (false, format!("{url}: {e}: every callback would be refused")),
        (0, _) => (false, format!("{url} did not answer: callbacks are refused (502) until it does")),
        (s, _) => (false, format!("{url} answered {s}: callbacks are refused (502) until it answers 200")),
    };
    verdict("callbackKeys", ok, Some(status), message)
}

/// Graph's answer to a presence read of `asked` users; `None` when the tenant has no `graph`.
pub fn graph(answer: Option<(u16, &str)>, asked: usize) -> Value {
    let Some((status, body)) = answer else {
        return verdict("graph", true, None, "no graph configured: presence shows as unknown".into());
    };
    let v = serde_json::from_str::<Value>(body).unwrap_or(Value::Null);
    let read = v.get("value").and_then(Value::as_array).map(Vec::len).filter(|_| status == 200);
    let (ok, message) = match read {
        Some(n) => (true, format!("Graph answered presence for {n} of {asked} user(s)")),
        None if status == 401 || status == 403 => (
            false,
            format!(
                "Graph refused the token ({status}: {}): presence shows as unknown, the queue offers nobody",
                v.pointer("/error/message").and_then(Value::as_str).unwrap_or("no reason given")
            ),
        ),
        None if status == 0 => {
            (false, "Graph did not answer: presence shows as unknown, the queue offers nobody".into())
        }
        None => (false, format!("Graph answered {status} without presences: presence shows as unknown")),
    };
    verdict("graph", ok, Some(status), message)
}

/// The answer: `{ok, checks}`, 200 when every check passed, else 503.
pub fn report(checks: Vec<Value>) -> (Value, u16) {
    let ok = checks.iter().all(|c| c["ok"] == true);
    (json!({"ok": ok, "checks": checks}), if ok { 200 } else { 503 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwks() -> String {
        use base64::Engine as _;
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xC5u8; 256]);
        json!({"keys": [{"kty": "RSA", "use": "sig", "kid": "k1", "n": n, "e": "AQAB"}]}).to_string()
    }

    #[test]
    fn acs_verdicts_tell_a_wrong_key_from_an_outage() {
        let not_found = r#"{"error":{"code":"8522","message":"Call not found or already ended."}}"#;
        assert_eq!(acs(404, not_found)["ok"], true);
        assert_eq!(acs(400, "")["ok"], true);
        let refused = acs(401, r#"{"error":{"code":"Unauthorized","message":"Denied by the HMAC check."}}"#);
        assert_eq!((refused["ok"].clone(), refused["status"].clone()), (json!(false), json!(401)));
        let text = refused["message"].as_str().unwrap();
        assert!(text.contains("refused the access key") && text.ends_with("Denied by the HMAC check."), "{text}");
        assert!(acs(503, "").get("message").unwrap().as_str().unwrap().starts_with("ACS is unavailable (503)"));
        assert!(acs(0, "").get("message").unwrap().as_str().unwrap().contains("endpoint"));
        assert_eq!(acs(302, "")["ok"], false);
    }

    #[test]
    fn callback_key_verdicts_need_a_usable_key() {
        let url = "https://acs.example/calling/keys";
        let jwks = jwks();
        assert_eq!(callback_keys(url, 200, &jwks)["ok"], true);
        assert!(callback_keys(url, 200, &jwks)["message"].as_str().unwrap().starts_with("1 RS256"));
        assert_eq!(callback_keys(url, 200, r#"{"keys":[{"kty":"EC","kid":"k"}]}"#)["ok"], false);
        assert_eq!(callback_keys(url, 200, "<html>")["ok"], false);
        assert_eq!(callback_keys(url, 404, &jwks)["ok"], false);
        assert_eq!(callback_keys(url, 0, "")["status"], 0);
    }

    #[test]
    fn graph_verdicts() {
        assert_eq!(graph(None, 3)["ok"], true);
        let read = graph(Some((200, r#"{"value":[{"id":"a","availability":"Busy"}]}"#)), 3);
        assert_eq!(read["message"], "Graph answered presence for 1 of 3 user(s)");
        assert_eq!(graph(Some((401, "")), 3)["ok"], false);
        assert_eq!(graph(Some((200, "{}")), 3)["ok"], false);
        assert_eq!(graph(Some((500, r#"{"value":[]}"#)), 3)["ok"], false, "a value list under 500 is no answer");
    }

    #[test]
    fn the_report_fails_when_any_check_does() {
        let (all, status) = report(vec![acs(404, ""), graph(None, 0)]);
        assert_eq!((all["ok"].clone(), status), (json!(true), 200));
        let (one, status) = report(vec![acs(401, ""), graph(None, 0)]);
        assert_eq!((one["ok"].clone(), status), (json!(false), 503));
        assert_eq!(one["checks"][0]["name"], "acs");
    }
}
