//! Requests to ACS (and the few to Graph, the identity platform and the key document): an
//! [`HttpRequest`] value from the core, signed for ACS, sent with `fetch`; 429 and 5xx (and no
//! answer at all) retried by the core's [`RetryPolicy`], waiting with timers.

use std::time::Duration;

use ::worker::{Delay, Fetch, Headers, Method};

use super::env;
use crate::flow::RetryPolicy;
use crate::ops::HttpRequest;

/// ACS's answer: status (0 when none came), body, `Retry-After`.
#[derive(Clone, Debug)]
pub struct Answer {
    /// HTTP status; 0 when the request failed without one.
    pub status: u16,
    /// Body text.
    pub body: String,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
}

/// A plain `GET` of `url` (the callback-token key document), once.
pub async fn get(url: &str) -> Answer {
    send(&HttpRequest { method: crate::ops::Method::Get, url: url.to_owned(), headers: vec![], body: vec![] }).await
}

/// Sends one request.
pub async fn send(req: &HttpRequest) -> Answer {
    match try_send(req).await {
        Ok(a) => a,
        Err(e) => {
            Answer { status: 0, body: format!("{{\"error\":{{\"message\":{:?}}}}}", e.to_string()), retry_after: None }
        }
    }
}

async fn try_send(req: &HttpRequest) -> ::worker::Result<Answer> {
    let headers = Headers::new();
    for (k, v) in &req.headers {
        headers.set(k, v)?;
    }
    let method = match req.method {
        crate::ops::Method::Get => Method::Get,
        crate::ops::Method::Post => Method::Post,
        crate::ops::Method::Delete => Method::Delete,
    };
    let body = (!req.body.is_empty()).then(|| String::from_utf8_lossy(&req.body));
    let mut res = Fetch::Request(env::request(method, &req.url, Some(&headers), body.as_deref())?).send().await?;
    let retry_after = res.headers().get("retry-after")?;
    Ok(Answer { status: res.status_code(), body: res.text().await?, retry_after })
}

/// Sends a request built fresh for each attempt by `build(now)` (a new `x-ms-date` and
/// signature; the same Repeatability pair), retrying per `policy`. `attempted` is told before
/// each attempt (the Durable Object persists the attempt count).
pub async fn send_with_retry(policy: RetryPolicy, mut build: impl FnMut(i64) -> Option<HttpRequest>) -> (Answer, u32) {
    let mut attempts = 0;
    loop {
        let now = env::now_ms();
        let Some(req) = build(now) else {
            return (Answer { status: 0, body: String::new(), retry_after: None }, attempts);
        };
        attempts += 1;
        let answer = send(&req).await;
        let jitter = f64::from(env::random16()[0]) / 256.0;
        match policy.delay(attempts, answer.status, answer.retry_after.as_deref(), now, jitter) {
            Some(ms) => Delay::from(Duration::from_millis(ms)).await,
            None => return (answer, attempts),
        }
    }
}
