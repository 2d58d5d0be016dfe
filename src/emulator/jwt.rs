//! The emulator's callback tokens: RS256 JWTs signed with its own development key, with the
//! issuer and audience real ACS uses (SPEC §3.6), a 5-minute lifetime, and the JWKS / OpenID
//! configuration a verifier fetches.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

/// The issuer ACS puts in callback tokens.
pub const ISSUER: &str = "https://acscallautomation.communication.azure.com";

/// Lifetime of a callback token.
pub const LIFETIME_S: i64 = 300;

/// The emulator's well-known development signing key (like its access key, not a secret).
const DEV_KEY_PEM: &str = include_str!("dev_signing_key.pem");

/// Signs callback tokens.
#[derive(Clone, Debug)]
pub struct TokenSigner {
    key: SigningKey<Sha256>,
    n: Vec<u8>,
    e: Vec<u8>,
    kid: String,
}

impl TokenSigner {
    /// The signer with the development key.
    pub fn dev() -> Self {
        // The key is a constant of the crate; a parse failure is a build defect caught by tests.
        let private = rsa::PrivateKey::from_pkcs8_pem(DEV_KEY_PEM).expect("embedded development key parses");
        let public = private.to_public_key();
        let n = public.n().to_be_bytes().to_vec();
        let e = public.e().to_be_bytes().to_vec();
        let kid = hex(&Sha256::digest(&n)[..8]);
        Self { key: SigningKey::new(private), n, e, kid }
    }

    /// The key id in token headers and the JWKS.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A token for one callback, issued at `now_s` (Unix seconds), for `audience`.
    pub fn token(&self, audience: &str, now_s: i64, jti: &str) -> String {
        let header = serde_json::json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"});
        let claims = serde_json::json!({
            "iss": ISSUER,
            "aud": audience,
            "iat": now_s,
            "nbf": now_s,
            "exp": now_s + LIFETIME_S,
            "jti": jti,
        });
        let signing_input = format!("{}.{}", B64URL.encode(header.to_string()), B64URL.encode(claims.to_string()));
        let signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64URL.encode(signature.to_bytes()))
    }

    /// `GET /calling/keys`.
    pub fn jwks(&self) -> serde_json::Value {
        let n = B64URL.encode(strip_zeros(&self.n));
        let e = B64URL.encode(strip_zeros(&self.e));
        serde_json::json!({"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": n, "e": e}]})
    }

    /// `GET /calling/.well-known/acsopenidconfiguration`, with the JWKS at `origin`.
    pub fn openid_configuration(&self, origin: &str) -> serde_json::Value {
        serde_json::json!({
            "issuer": ISSUER,
            "jwks_uri": format!("{origin}/calling/keys"),
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none"],
        })
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|x| *x != 0).unwrap_or(b.len().saturating_sub(1));
    &b[first..]
}

fn hex(b: &[u8]) -> String {
    let mut out = String::with_capacity(2 * b.len());
    for x in b {
        crate::auth::push_hex(&mut out, *x);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;

    #[test]
    fn tokens_verify_against_the_published_key() {
        let s = TokenSigner::dev();
        let t = s.token("aud-1", 1_700_000_000, "e1");
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value = serde_json::from_slice(&B64URL.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(
            (claims["iss"].as_str(), claims["aud"].as_str(), claims["exp"].as_i64()),
            (Some(ISSUER), Some("aud-1"), Some(1_700_000_300))
        );
        let header: serde_json::Value = serde_json::from_slice(&B64URL.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["kid"], s.kid());
        // Rebuild the public key from the JWKS alone and verify.
        let jwks = s.jwks();
        let n = B64URL.decode(jwks["keys"][0]["n"].as_str().unwrap()).unwrap();
        let e = B64URL.decode(jwks["keys"][0]["e"].as_str().unwrap()).unwrap();
        assert_eq!(e, [1, 0, 1]);
        let public =
            rsa::PublicKey::new(rsa::BoxedUint::from_be_slice_vartime(&n), rsa::BoxedUint::from_be_slice_vartime(&e))
                .unwrap();
        let sig = Signature::try_from(B64URL.decode(parts[2]).unwrap().as_slice()).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        VerifyingKey::<Sha256>::new(public.clone()).verify(input.as_bytes(), &sig).unwrap();
        assert!(VerifyingKey::<Sha256>::new(public).verify(b"tampered", &sig).is_err());
    }
}
