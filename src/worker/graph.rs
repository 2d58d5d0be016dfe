//! Microsoft Graph presence (`POST /v1.0/communications/getPresencesByUserId`), for the expert
//! list and the queue's knowledge workers. A tenant without `graph`, or a Graph that does not
//! answer 200, gives `None`: presence unknown, never an error for the caller.

use std::cell::RefCell;

use serde_json::Value;

use crate::auth::entra::{self, GraphToken};
use crate::ops::HttpRequest;
use crate::tenant::{Graph, Tenant};

/// Graph's answer body for these object ids, when it answered 200.
pub async fn presence_body(tenant: &Tenant, ids: &[&str]) -> Option<String> {
    presence_answer(tenant, ids).await.filter(|(status, _)| *status == 200).map(|(_, body)| body)
}

/// Graph's status (0: no answer) and body for these object ids; `None` without `graph`. A
/// token the identity platform would not give is a 401 with its reason as the error message.
pub async fn presence_answer(tenant: &Tenant, ids: &[&str]) -> Option<(u16, String)> {
    let g = tenant.graph.as_ref()?;
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    match bearer(tenant, g).await {
        Ok(Some(t)) => headers.push(("Authorization", format!("Bearer {t}"))),
        Ok(None) => {}
        Err(why) => {
            return Some((401, format!(r#"{{"error":{{"code":"TokenUnavailable","message":{}}}}}"#, Value::from(why))))
        }
    }
    let req = HttpRequest {
        method: crate::ops::Method::Post,
        url: format!("{}/v1.0/communications/getPresencesByUserId", g.endpoint),
        headers,
        body: crate::api::experts::presence_request(ids).into_bytes(),
    };
    let answer = super::acs::send(&req).await;
    if answer.status == 401 {
        TOKENS.with(|c| c.borrow_mut().retain(|(id, _)| *id != tenant.id)); // revoked or rotated: ask anew
    }
    Some((answer.status, answer.body))
}

thread_local! {
    /// Graph tokens got by client credentials, per tenant id (per isolate; a few tenants, so a
    /// list: a map of its own type would cost the bundle more).
    static TOKENS: RefCell<Vec<(String, GraphToken)>> = const { RefCell::new(Vec::new()) };
}

/// The bearer token for Graph: the configured one, or one got for the tenant's app and kept
/// until shortly before it expires.
async fn bearer(tenant: &Tenant, g: &Graph) -> Result<Option<String>, String> {
    let Some(app) = &g.app else { return Ok(g.token.clone()) };
    let now = super::env::now_ms();
    let kept = TOKENS.with(|c| {
        c.borrow().iter().find(|(id, t)| *id == tenant.id && now < t.renew_at).map(|(_, t)| t.access_token.clone())
    });
    if kept.is_some() {
        return Ok(kept);
    }
    let answer = super::acs::send(&entra::token_request(app, &g.endpoint)).await;
    let token = entra::read_token(answer.status, &answer.body, now)?;
    let access = token.access_token.clone();
    TOKENS.with(|c| {
        let mut kept = c.borrow_mut();
        kept.retain(|(id, _)| *id != tenant.id);
        kept.push((tenant.id.clone(), token));
    });
    Ok(Some(access))
}

/// `(objectId, availability)` for these ids.
pub async fn presences(tenant: &Tenant, ids: &[String]) -> Option<Vec<(String, String)>> {
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let body = presence_body(tenant, &refs).await?;
    let v: Value = serde_json::from_str(&body).ok()?;
    Some(
        v.get("value")?
            .as_array()?
            .iter()
            .filter_map(|p| Some((p.get("id")?.as_str()?.to_owned(), p.get("availability")?.as_str()?.to_owned())))
            .collect(),
    )
}
