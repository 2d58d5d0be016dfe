//! Graph tokens by client credentials (the Microsoft identity platform's
//! `POST {authority}/{tenantId}/oauth2/v2.0/token`, `grant_type=client_credentials`): the
//! request for an app registration, and the answer read into a token with the time to ask
//! again. Sans-IO: the Worker sends the request and keeps the token.

use serde_json::Value;

use crate::ops::{HttpRequest, Method};
use crate::tenant::GraphApp;

/// Ask again this long before a token expires (a read in flight must not meet the expiry).
pub const RENEW_BEFORE_MS: i64 = 5 * 60_000;

/// A Graph token and when to ask for the next (Unix ms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphToken {
    /// The bearer token.
    pub access_token: String,
    /// When it is to be renewed: its expiry less [`RENEW_BEFORE_MS`].
    pub renew_at: i64,
}

/// The token request for `app`, for the Graph at `graph_endpoint` (scope `{endpoint}/.default`).
pub fn token_request(app: &GraphApp, graph_endpoint: &str) -> HttpRequest {
    let mut body = String::from("grant_type=client_credentials&client_id=");
    form_push(&mut body, &app.client_id);
    body.push_str("&client_secret=");
    form_push(&mut body, &app.client_secret);
    body.push_str("&scope=");
    form_push(&mut body, &format!("{}/.default", graph_endpoint.trim_end_matches('/')));
    HttpRequest {
        method: Method::Post,
        url: format!("{}/{}/oauth2/v2.0/token", app.authority, app.tenant_id),
        headers: vec![("Content-Type", "application/x-www-form-urlencoded".to_owned())],
        body: body.into_bytes(),
    }
}

/// The identity platform's answer at `now` (Unix ms): the token, or why there is none (its
/// `error_description` when it gave one).
pub fn read_token(status: u16, body: &str, now: i64) -> Result<GraphToken, String> {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match (status, v["access_token"].as_str(), v["expires_in"].as_i64()) {
        (200, Some(token), Some(expires_in)) if !token.is_empty() => Ok(GraphToken {
            access_token: token.to_owned(),
            renew_at: now + (expires_in * 1000 - RENEW_BEFORE_MS).max(0),
        }),
        (0, _, _) => Err("the identity platform did not answer".into()),
        (s, _, _) => Err(format!(
            "the identity platform answered {s}: {}",
            v["error_description"].as_str().or(v["error"].as_str()).unwrap_or("no token in the answer")
        )),
    }
}

/// Appends `value` form-urlencoded (RFC 3986 unreserved characters kept, the rest %XX).
fn form_push(out: &mut String, value: &str) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> GraphApp {
        GraphApp {
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            client_id: "11111111-2222-4333-8444-555555555555".into(),
            client_secret: "a+b/c=d&e f".into(),
            authority: "https://login.microsoftonline.com".into(),
        }
    }

    #[test]
    fn the_request_is_a_client_credentials_form_for_the_graph_scope() {
        let r = token_request(&app(), "https://graph.microsoft.com/");
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.url, "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token");
        assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
        assert_eq!(
            String::from_utf8(r.body).unwrap(),
            "grant_type=client_credentials&client_id=11111111-2222-4333-8444-555555555555\
             &client_secret=a%2Bb%2Fc%3Dd%26e%20f&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        );
    }

    #[test]
    fn the_answer_gives_a_token_renewed_before_it_expires_or_says_why_not() {
        let t = read_token(200, r#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0"}"#, 1_000).unwrap();
        assert_eq!(t, GraphToken { access_token: "eyJ0".into(), renew_at: 1_000 + 3_599_000 - RENEW_BEFORE_MS });
        let short = read_token(200, r#"{"expires_in":60,"access_token":"x"}"#, 1_000).unwrap();
        assert_eq!(short.renew_at, 1_000, "a token shorter-lived than the margin is renewed at once next time");
        let refused = read_token(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
            0,
        );
        assert_eq!(
            refused.unwrap_err(),
            "the identity platform answered 401: AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(read_token(200, "{}", 0).unwrap_err(), "the identity platform answered 200: no token in the answer");
        assert_eq!(read_token(0, "", 0).unwrap_err(), "the identity platform did not answer");
    }
}
