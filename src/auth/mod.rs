//! Authentication: connection strings, HMAC request signing (SPEC §1.3), Repeatability headers
//! (SPEC §1.5), the HTTP date format they share, and callback JWT checks (SPEC §3.6).

mod connection_string;
mod date;
mod endpoint;
pub mod entra;
pub mod hmac;
pub mod jwt;
mod repeatability;

pub use connection_string::{ConnectionString, ConnectionStringError};
pub use date::HttpDate;
pub use endpoint::{path_and_query, split as split_url, Endpoint, EndpointError};
pub use hmac::{SignedHeaders, SigningKey, VerifyError};
pub use repeatability::{push_hex, uuid_v4, Repeatability};

/// Signs a request given by absolute URL (what `signRequest` in the npm package does): the host
/// and path-and-query are taken from the URL, not from the connection string.
pub fn sign_url(
    method: &str,
    url: &str,
    body: &[u8],
    date: HttpDate,
    key: &SigningKey,
) -> Result<SignedHeaders, EndpointError> {
    let (endpoint, rest) = split_url(url)?;
    Ok(hmac::sign(method, &path_and_query(rest), endpoint.host(), body, date, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_url_matches_the_spec_vector() {
        let key: Vec<u8> = (0u8..32).collect();
        let h = sign_url(
            "POST",
            "https://contoso.communication.azure.com/calling/callConnections?api-version=2025-05-15",
            br#"{"targets":[{"kind":"communicationUser","communicationUser":{"id":"8:acs:x_y"}}],"callbackUri":"https://app.example/cb"}"#,
            HttpDate::from_unix_seconds(1_743_508_800),
            &SigningKey::new(key),
        )
        .unwrap();
        assert!(h.authorization.ends_with("Signature=haiRn2MCzmA67QRey7V70MKLGyUjCsDIeX/At/IWJQU="));
    }
}
