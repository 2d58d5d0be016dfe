//! A request URL as the runtime hands it over (`https://host[:port]/path?query#fragment`,
//! already normalised by workerd): its origin, path and query parameters, read without the
//! `url` crate, whose IDNA tables cost the Worker's bundle about 40 KB for hosts it never has
//! to normalise.

use super::routes::percent_decode;
use crate::FieldError;

/// The parts of one request URL, borrowed from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestUrl<'a> {
    origin: &'a str,
    path: &'a str,
    query: &'a str,
}

impl<'a> RequestUrl<'a> {
    /// Splits `url`. Anything without `scheme://` is read as a path (`/api/health?x=1`).
    pub fn parse(url: &'a str) -> Self {
        let url = url.split('#').next().unwrap_or("");
        let (origin, rest) = match url.find("://") {
            Some(i) => {
                let after = i + 3;
                let end = url[after..].find(['/', '?']).map_or(url.len(), |j| after + j);
                (&url[..end], &url[end..])
            }
            None => ("", url),
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        Self { origin, path: if path.is_empty() { "/" } else { path }, query }
    }

    /// `scheme://host[:port]`, as sent (empty for a bare path).
    pub fn origin(&self) -> &'a str {
        self.origin
    }

    /// The path, still percent-encoded (`/api/calls/4%3A%2B1425…`), `/` at least.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The first value of query parameter `name`, decoded as a form would be (`+` is a
    /// space); a malformed escape is kept as sent.
    pub fn query(&self, name: &str) -> Option<String> {
        self.values(name).next()
    }

    /// Every value of query parameter `name`, in order, decoded as [`Self::query`] says.
    fn values<'n>(&self, name: &'n str) -> impl Iterator<Item = String> + use<'a, 'n> {
        let decode = |s: &str| {
            let s = s.replace('+', " ");
            percent_decode(&s).unwrap_or(s)
        };
        self.query.split('&').filter(|p| !p.is_empty()).filter_map(move |pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k) == name).then(|| decode(v))
        })
    }

    /// A yes/no query parameter: absent, `false` or `0` is no, `true` or `1` (or the bare
    /// name) yes; anything else is an error naming it.
    /// Given twice (`?available=true&available=false`) it is an error too: which one was meant?
    pub fn flag(&self, name: &str) -> Result<bool, FieldError> {
        let mut values = self.values(name);
        let value = values.next();
        if values.next().is_some() {
            return Err(FieldError::new(name, "is given more than once"));
        }
        match value.as_deref() {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1" | "") => Ok(true),
            Some(_) => Err(FieldError::new(name, "must be true or false")),
        }
    }
}

/// The origin callback URIs are built from: `PUBLIC_ORIGIN` (`configured`) when set — an
/// `https` origin without a path (plain `http` only against the emulator) —, else, against the
/// emulator only, the request's own origin. Against real ACS (`acs`) it must be set: a request's
/// `Host` would otherwise choose where ACS sends a call's signed callbacks. 503 `misconfigured`
/// otherwise, saying what to set.
pub fn callback_origin(configured: &str, acs: bool, request_origin: &str) -> Result<String, super::ApiError> {
    let misconfigured = |why: &str| {
        super::ApiError::new(
            503,
            "misconfigured",
            format!("PUBLIC_ORIGIN {why}: set it to the Worker's https origin, e.g. https://switchboard.example.workers.dev (wrangler.toml [env.production] vars)"),
        )
    };
    let configured = configured.trim().trim_end_matches('/');
    if configured.is_empty() {
        return if acs { Err(misconfigured("is not set")) } else { Ok(request_origin.to_owned()) };
    }
    let host = configured.strip_prefix("https://").or_else(|| configured.strip_prefix("http://").filter(|_| !acs));
    match host {
        Some(h) if !h.is_empty() && !h.contains(['/', '?', '#', ' ', '<', '>']) => Ok(configured.to_owned()),
        _ => Err(misconfigured(&format!("is {configured:?}, not an origin"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_origin_path_and_query() {
        let u = RequestUrl::parse("https://sb.example:8443/api/callbacks/contoso/c-1?sig=a%2Bb&x=1#frag");
        assert_eq!((u.origin(), u.path()), ("https://sb.example:8443", "/api/callbacks/contoso/c-1"));
        assert_eq!(u.query("sig").as_deref(), Some("a+b"));
        assert_eq!(u.query("x").as_deref(), Some("1"));
        assert_eq!(u.query("y"), None);
        let u = RequestUrl::parse("http://127.0.0.1:8787?access_token=a+b&empty&k=%zz");
        assert_eq!((u.origin(), u.path()), ("http://127.0.0.1:8787", "/"));
        assert_eq!(u.query("access_token").as_deref(), Some("a b"));
        assert_eq!(u.query("empty").as_deref(), Some(""));
        assert_eq!(u.query("k").as_deref(), Some("%zz"), "a bad escape is kept");
        let u = RequestUrl::parse("/api/health?tenant=contoso&key=k%3D1");
        assert_eq!((u.origin(), u.path(), u.query("key").as_deref()), ("", "/api/health", Some("k=1")));
        assert_eq!(RequestUrl::parse("").path(), "/");
    }

    #[test]
    fn callback_origins_come_from_public_origin_against_real_acs() {
        let req = "http://evil.example:4444";
        assert_eq!(callback_origin("https://sb.example.com/", true, req).unwrap(), "https://sb.example.com");
        // Against ACS, never the request's own (its Host would steer the callbacks).
        let e = callback_origin("", true, req).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (503, "misconfigured"));
        assert!(e.message.starts_with("PUBLIC_ORIGIN is not set"), "{}", e.message);
        for bad in [
            "http://sb.example.com",
            "https://sb.example.com/api",
            "https://<your-subdomain>.workers.dev",
            "sb.example.com",
            "https://",
        ] {
            assert_eq!(callback_origin(bad, true, req).unwrap_err().code, "misconfigured", "{bad}");
        }
        // Against the emulator (local development) the request's own origin will do, and http.
        assert_eq!(callback_origin("", false, "http://127.0.0.1:8787").unwrap(), "http://127.0.0.1:8787");
        assert_eq!(callback_origin("http://127.0.0.1:9000", false, req).unwrap(), "http://127.0.0.1:9000");
    }

    #[test]
    fn flags_are_yes_no_or_an_error_naming_them() {
        let u = RequestUrl::parse("/api/experts?available=true&ready=0&bare&odd=maybe");
        assert_eq!(
            (u.flag("available"), u.flag("ready"), u.flag("bare"), u.flag("absent")),
            (Ok(true), Ok(false), Ok(true), Ok(false))
        );
        let e = u.flag("odd").unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("odd", "must be true or false"));
        let twice = RequestUrl::parse("/api/experts?available=true&available=false").flag("available").unwrap_err();
        assert_eq!((twice.field.as_str(), twice.message.as_str()), ("available", "is given more than once"));
    }
}
