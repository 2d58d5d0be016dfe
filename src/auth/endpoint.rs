//! The ACS resource origin, and the two URL facts signing needs (host and path+query).
//!
//! A full URL parser would be overkill: ACS endpoints are origins, and the only URLs we sign are
//! the ones we build or ones a caller hands to `signRequest`.

/// Why an endpoint or URL was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not `https://` (or `http://`).
    #[error("{0:?} must start with https:// (or http:// for a loopback emulator)")]
    Scheme(String),
    /// No host after the scheme.
    #[error("{0:?} has no host")]
    NoHost(String),
    /// A host with characters no DNS name or IP literal has, or user info.
    #[error("{0:?} has an invalid host")]
    Host(String),
    /// A port that is not 1–65535.
    #[error("{0:?} has an invalid port")]
    Port(String),
    /// The endpoint has a path, query or fragment (the SDKs refuse these too, SPEC §8).
    #[error(
        "{0:?} must be an origin without a path, query or fragment, e.g. https://contoso.communication.azure.com/"
    )]
    NotAnOrigin(String),
    /// Plain http to a non-loopback host.
    #[error("{0:?} uses plain http; only a loopback host (the local emulator) may, ACS itself needs https")]
    InsecureHttp(String),
}

/// An https origin (or http on loopback), e.g. `https://contoso.communication.azure.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    secure: bool,
    host: String,
}

impl Endpoint {
    /// Parses an origin; a single trailing `/` is allowed, any other path is refused.
    pub fn parse(value: &str) -> Result<Self, EndpointError> {
        let (endpoint, rest) = split(value)?;
        if !(rest.is_empty() || rest == "/") || value.contains('#') {
            return Err(EndpointError::NotAnOrigin(value.to_owned()));
        }
        if !endpoint.secure && !endpoint.is_loopback() {
            return Err(EndpointError::InsecureHttp(value.to_owned()));
        }
        Ok(endpoint)
    }

    /// The authority used in the string to sign: lower-case host, plus the port when it is not
    /// the scheme's default (what `URL.host` gives in JS).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `https://host[:port]`, without a trailing slash.
    pub fn origin(&self) -> String {
        let scheme = if self.secure { "https://" } else { "http://" };
        let mut out = String::with_capacity(scheme.len() + self.host.len());
        out.push_str(scheme);
        out.push_str(&self.host);
        out
    }

    /// True for `https`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// True for `localhost`, `127.0.0.0/8` and `[::1]`.
    pub fn is_loopback(&self) -> bool {
        let name = match self.host.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
            _ => &self.host,
        };
        name == "localhost" || name == "[::1]" || name.starts_with("127.")
    }
}

/// Splits an absolute URL into its origin and the rest: path and query as given (already
/// percent-encoded; empty when the URL has no path), fragment dropped. See [`path_and_query`].
pub fn split(url: &str) -> Result<(Endpoint, &str), EndpointError> {
    let bad_scheme = || EndpointError::Scheme(url.to_owned());
    let colon = url.find("://").ok_or_else(bad_scheme)?;
    let scheme = &url[..colon];
    let secure = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err(bad_scheme());
    };
    let after = &url[colon + 3..];
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    let mut rest = &after[end..];
    if let Some(hash) = rest.find('#') {
        rest = &rest[..hash];
    }
    if authority.is_empty() {
        return Err(EndpointError::NoHost(url.to_owned()));
    }
    if authority.contains('@') {
        return Err(EndpointError::Host(url.to_owned()));
    }
    let (name, port) = if authority.starts_with('[') {
        let close = authority.find(']').ok_or_else(|| EndpointError::Host(url.to_owned()))?;
        let inner = &authority[1..close];
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return Err(EndpointError::Host(url.to_owned()));
        }
        let tail = &authority[close + 1..];
        match tail.strip_prefix(':') {
            Some(p) => (&authority[..=close], Some(p)),
            None if tail.is_empty() => (&authority[..=close], None),
            None => return Err(EndpointError::Host(url.to_owned())),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if !name.starts_with('[')
        && (name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'))
    {
        return Err(EndpointError::Host(url.to_owned()));
    }
    let mut host = name.to_ascii_lowercase();
    if let Some(p) = port {
        let n: u16 = p
            .parse()
            .ok()
            .filter(|n| *n > 0 && p.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| EndpointError::Port(url.to_owned()))?;
        if n != if secure { 443 } else { 80 } {
            host.push(':');
            host.push_str(p);
        }
    }
    Ok((Endpoint { secure, host }, rest))
}

/// The path-and-query to sign: what JS computes as `URL.pathname` (+ `?` + query), i.e. an empty
/// path becomes `/`.
pub fn path_and_query(rest: &str) -> std::borrow::Cow<'_, str> {
    if rest.starts_with('/') {
        rest.into()
    } else {
        format!("/{rest}").into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_hosts() {
        let e = Endpoint::parse("https://Contoso.Communication.Azure.com/").unwrap();
        assert_eq!(
            (e.host(), e.origin().as_str()),
            ("contoso.communication.azure.com", "https://contoso.communication.azure.com")
        );
        assert_eq!(Endpoint::parse("https://a.b:443").unwrap().host(), "a.b");
        assert_eq!(Endpoint::parse("https://a.b:8443/").unwrap().host(), "a.b:8443");
        let local = Endpoint::parse("http://127.0.0.1:8788/").unwrap();
        assert_eq!((local.host(), local.is_secure(), local.is_loopback()), ("127.0.0.1:8788", false, true));
        assert!(Endpoint::parse("http://localhost").unwrap().is_loopback());
        assert!(Endpoint::parse("http://[::1]:8788").unwrap().is_loopback());
    }

    #[test]
    fn refuses_what_the_sdk_refuses() {
        use EndpointError::*;
        let err = |s: &str| Endpoint::parse(s).unwrap_err();
        assert!(matches!(err("http://127.0.0.1:8787/emulator/"), NotAnOrigin(_)));
        assert!(matches!(err("https://a.b/?x=1"), NotAnOrigin(_)));
        assert!(matches!(err("http://contoso.communication.azure.com/"), InsecureHttp(_)));
        assert!(matches!(err("contoso.communication.azure.com"), Scheme(_)));
        assert!(matches!(err("ftp://a.b"), Scheme(_)));
        assert!(matches!(err("https:///"), NoHost(_)));
        assert!(matches!(err("https://user@a.b"), Host(_)));
        assert!(matches!(err("https://a b"), Host(_)));
        assert!(matches!(err("https://a.b:0"), Port(_)));
        assert!(matches!(err("https://a.b:99999"), Port(_)));
        assert!(matches!(err("https://a.b:+1"), Port(_)));
        assert!(matches!(err("https://[zz]"), Host(_)));
    }

    #[test]
    fn split_keeps_path_and_query_and_drops_fragment() {
        let (e, pq) = split("https://a.b:8080/calling/callConnections?api-version=2025-05-15#x").unwrap();
        assert_eq!((e.host(), pq), ("a.b:8080", "/calling/callConnections?api-version=2025-05-15"));
        assert_eq!(split("https://a.b").unwrap().1, "");
        assert_eq!(path_and_query(split("https://a.b").unwrap().1), "/");
        assert_eq!(path_and_query(split("https://a.b?x=1").unwrap().1), "/?x=1");
        assert!(matches!(Endpoint::parse("https://a.b/#f"), Err(EndpointError::NotAnOrigin(_))));
    }
}
