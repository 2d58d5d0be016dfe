//! Microsoft Graph presence (`POST /v1.0/communications/getPresencesByUserId`), for the expert
//! list and the queue's knowledge workers. A tenant without `graph`, or a Graph that does not
//! answer 200, gives `None`: presence unknown, never an error for the caller.

use ::worker::{Fetch, Headers, Method};
use serde_json::Value;

use crate::tenant::Tenant;

/// Graph's answer body for these object ids.
pub async fn presence_body(tenant: &Tenant, ids: &[&str]) -> Option<String> {
    let g = tenant.graph.as_ref()?;
    let headers = Headers::new();
    headers.set("Content-Type", "application/json").ok()?;
    if let Some(t) = &g.token {
        headers.set("Authorization", &format!("Bearer {t}")).ok()?;
    }
    let url = format!("{}/v1.0/communications/getPresencesByUserId", g.endpoint);
    let body = crate::api::experts::presence_request(ids);
    match Fetch::Request(super::env::request(Method::Post, &url, Some(&headers), Some(&body)).ok()?).send().await {
        Ok(mut r) if r.status_code() == 200 => r.text().await.ok(),
        _ => None,
    }
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
