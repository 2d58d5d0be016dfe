//! Operation → HTTP request value (method, URL with `api-version`, headers, body bytes), signed.

use super::{Body, Method, Operation, OperationMeta};
use crate::auth::{self, ConnectionString, HttpDate, Repeatability};
use crate::FieldError;

/// A ready-to-send HTTP request: hand it to `fetch`, Node, or the emulator's in-process handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL including `?api-version=`.
    pub url: String,
    /// Headers in the order the official SDK sends them (no `Host`: the URL carries it, and
    /// browsers and workerd refuse to set it).
    pub headers: Vec<(&'static str, String)>,
    /// Body bytes (empty when the operation sends none).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Per-request inputs the core does not invent: time, idempotency key, API version.
#[derive(Clone, Debug)]
pub struct RequestOptions<'a> {
    /// `api-version` query value; `None`: [`crate::DEFAULT_API_VERSION`], or
    /// [`crate::PREVIEW_API_VERSION`] for an operation only preview versions have.
    pub api_version: Option<&'a str>,
    /// Signing time (`x-ms-date`).
    pub date: HttpDate,
    /// Required for repeatable operations; keep it with the command and reuse it on retries.
    pub repeatability: Option<&'a Repeatability>,
    /// `x-ms-client-request-id`, for correlating logs.
    pub client_request_id: Option<&'a str>,
}

impl<'a> RequestOptions<'a> {
    /// Options for a request signed at `date`, default API version, no Repeatability.
    pub fn new(date: HttpDate) -> Self {
        Self { api_version: None, date, repeatability: None, client_request_id: None }
    }

    /// With the command's Repeatability pair.
    pub fn repeatability(mut self, r: &'a Repeatability) -> Self {
        self.repeatability = Some(r);
        self
    }

    /// With another API version (the JS SDK 1.6 sends `2026-03-12`, SPEC §8).
    pub fn api_version(mut self, v: &'a str) -> Self {
        self.api_version = Some(v);
        self
    }
}

/// Percent-encodes a path segment exactly as JS `encodeURIComponent` (what the SDK does with a
/// participant raw id: `8:acs:x` → `8%3Aacs%3Ax`).
pub fn encode_component(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() + 8);
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

fn check_api_version(v: &str) -> Result<(), FieldError> {
    let ok = v.len() >= 10 && v.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new("apiVersion", format!("{v:?} is not an API version like 2025-05-15")))
    }
}

fn fill_path(meta: &OperationMeta, values: &[&str]) -> Result<String, FieldError> {
    let mut out = String::with_capacity(meta.path.len() + 64);
    let mut rest = meta.path;
    for (name, value) in meta.params.iter().zip(values) {
        let token = rest.find('{').unwrap_or(rest.len());
        out.push_str(&rest[..token]);
        rest = &rest[(token + name.len() + 2).min(rest.len())..];
        if value.trim().is_empty() {
            return Err(FieldError::new(*name, "is required and must not be empty"));
        }
        out.push_str(&encode_component(value));
    }
    out.push_str(rest);
    Ok(out)
}

/// Resolves a paging `nextLink` against the endpoint: a relative link is taken as a path, an
/// absolute one must point at the same origin (we never sign a request for another host).
fn resolve_link(link: &str, cs: &ConnectionString, api_version: &str) -> Result<String, FieldError> {
    let path = if link.starts_with('/') {
        link.to_owned()
    } else {
        let (origin, rest) = auth::split_url(link).map_err(|e| FieldError::new("nextLink", e.to_string()))?;
        if origin.host() != cs.endpoint().host() {
            return Err(FieldError::new("nextLink", "points at another host than the connection string's endpoint"));
        }
        auth::path_and_query(rest).into_owned()
    };
    Ok(if path.contains("api-version=") {
        path
    } else {
        format!("{path}{}api-version={api_version}", if path.contains('?') { '&' } else { '?' })
    })
}

/// Validates, serialises and signs an operation for the resource in `cs`.
///
/// Refuses (naming the field) a body ACS would refuse, an empty path parameter, a malformed
/// API version, and a repeatable operation without its [`Repeatability`].
pub fn build_request<O: Operation>(
    op: &O,
    cs: &ConnectionString,
    opts: &RequestOptions<'_>,
) -> Result<HttpRequest, FieldError> {
    op.body().validate()?;
    let body = if <O::Body as Body>::PRESENT {
        serde_json::to_vec(op.body()).map_err(|e| FieldError::new("", e.to_string()))?
    } else {
        Vec::new()
    };
    assemble(&O::META, &op.path_values(), op.url_override(), body, cs, opts)
}

/// The operation-independent part of building: URL, headers, signature. Kept out of the
/// generic [`build_request`] so it exists once in the binary, not once per operation.
pub(crate) fn assemble(
    meta: &OperationMeta,
    path_values: &[&str],
    url_override: Option<&str>,
    body: Vec<u8>,
    cs: &ConnectionString,
    opts: &RequestOptions<'_>,
) -> Result<HttpRequest, FieldError> {
    let api_version = opts.api_version.unwrap_or_else(|| super::default_api_version(meta.name));
    check_api_version(api_version)?;
    let path_and_query = match url_override {
        Some(link) => resolve_link(link, cs, api_version)?,
        None => {
            let mut p = fill_path(meta, path_values)?;
            p.push_str("?api-version=");
            p.push_str(api_version);
            p
        }
    };
    let mut headers: Vec<(&'static str, String)> = Vec::with_capacity(8);
    headers.push(("Accept", "application/json".to_owned()));
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json".to_owned()));
    }
    if let Some(id) = opts.client_request_id {
        headers.push(("x-ms-client-request-id", id.to_owned()));
    }
    if meta.repeatable {
        let r = opts.repeatability.ok_or_else(|| {
            FieldError::new(
                "repeatabilityRequestId",
                format!(
                    "{} takes Repeatability headers: create one per command and reuse it on every retry",
                    meta.name
                ),
            )
        })?;
        crate::EntraObjectId::parse(&r.request_id)
            .map_err(|_| FieldError::new("repeatabilityRequestId", format!("{:?} is not a UUID", r.request_id)))?;
        headers.extend(r.pairs());
    }
    let signed = auth::hmac::sign(
        meta.method.as_str(),
        &path_and_query,
        cs.endpoint().host(),
        &body,
        opts.date,
        cs.signing_key(),
    );
    headers.extend(signed.pairs().map(|(n, v)| (n, v.to_owned())));
    let origin = cs.endpoint().origin();
    let mut url = String::with_capacity(origin.len() + path_and_query.len());
    url.push_str(&origin);
    url.push_str(&path_and_query);
    Ok(HttpRequest { method: meta.method, url, headers, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(encode_component("8:acs:a_b"), "8%3Aacs%3Aa_b");
        assert_eq!(encode_component("4:+1 425"), "4%3A%2B1%20425");
        assert_eq!(encode_component("eyJ/ab==!~*'()"), "eyJ%2Fab%3D%3D!~*'()");
        assert_eq!(encode_component("é"), "%C3%A9");
    }
}
