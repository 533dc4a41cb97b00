//! Webhook signatures.
//!
//! Standard Webhooks (the default): `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">`, keyed with the base64-decoded `whsec_` secret, one `v1,` entry per
//! valid secret during a rotation. The seeds' scheme (an option per endpoint):
//! `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with the secret's bytes.
//! The bytes signed are exactly the bytes sent.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::secrets::Secret;

type HmacSha256 = hmac::Hmac<Sha256>;

pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a generated secret (Standard Webhooks allows 24 to 64).
pub const SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`.
    StandardWebhooks,
    /// `X-Webhook-Signature: sha256=<hex>` over the body.
    HmacSha256Hex,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::StandardWebhooks => "standard_webhooks",
            Scheme::HmacSha256Hex => "hmac_sha256_hex",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Scheme::StandardWebhooks, Scheme::HmacSha256Hex]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A new `whsec_` secret of 32 random bytes from the OS.
pub fn generate_secret() -> Result<Secret> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(Secret::new(format!(
        "{SECRET_PREFIX}{}",
        STANDARD.encode(bytes)
    )))
}

/// The HMAC key of a `whsec_` secret: its base64 payload, decoded.
pub fn key_bytes(secret: &Secret) -> Result<Vec<u8>> {
    let encoded = secret
        .expose()
        .strip_prefix(SECRET_PREFIX)
        .ok_or_else(|| Error::validation("secret", "A signing secret must start with whsec_."))?;
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| {
            Error::validation("secret", "The signing secret after whsec_ must be base64.")
        })?;
    if !(24..=64).contains(&bytes.len()) {
        return Err(Error::validation(
            "secret",
            "A signing secret must hold 24 to 64 bytes.",
        ));
    }
    Ok(bytes)
}

/// A signer built once per endpoint (per secret), reused for every message.
#[derive(Clone)]
pub struct Signer {
    scheme: Scheme,
    /// Standard Webhooks: the decoded key; hex scheme: the secret's own bytes. Newest first.
    keys: Vec<HmacSha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("scheme", &self.scheme)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl Signer {
    /// `secrets` are the valid secrets, newest first (two during a rotation).
    pub fn new(scheme: Scheme, secrets: &[Secret]) -> Result<Self> {
        let keys = secrets
            .iter()
            .map(|s| {
                let key = match scheme {
                    Scheme::StandardWebhooks => key_bytes(s)?,
                    Scheme::HmacSha256Hex => s.expose().as_bytes().to_vec(),
                };
                HmacSha256::new_from_slice(&key).map_err(|e| Error::Internal(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        if keys.is_empty() {
            return Err(Error::Internal("a signer needs at least one secret".into()));
        }
        Ok(Signer { scheme, keys })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The signature headers for one attempt: `(name, value)` pairs.
    pub fn headers(
        &self,
        msg_id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        match self.scheme {
            Scheme::StandardWebhooks => {
                let signatures: Vec<String> = self
                    .keys
                    .iter()
                    .map(|key| {
                        let mut mac = key.clone();
                        mac.update(msg_id.as_bytes());
                        mac.update(b".");
                        mac.update(timestamp.to_string().as_bytes());
                        mac.update(b".");
                        mac.update(body);
                        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
                    })
                    .collect();
                vec![
                    ("webhook-id", msg_id.to_owned()),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", signatures.join(" ")),
                ]
            }
            Scheme::HmacSha256Hex => {
                let mut mac = self.keys[0].clone();
                mac.update(body);
                vec![
                    ("webhook-id", msg_id.to_owned()),
                    ("webhook-timestamp", timestamp.to_string()),
                    (
                        "x-webhook-signature",
                        format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
                    ),
                ]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden vector from `shared/reference/webhook-senders.md` (Svix's unit test).
    #[test]
    fn standard_webhooks_golden_vector() {
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signer = Signer::new(Scheme::StandardWebhooks, &[secret]).unwrap();
        let headers = signer.headers(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        let signature = headers
            .iter()
            .find(|(k, _)| *k == "webhook-signature")
            .unwrap();
        assert_eq!(
            signature.1,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn rotation_signs_with_every_valid_secret_newest_first() {
        let new = generate_secret().unwrap();
        let old = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signer = Signer::new(Scheme::StandardWebhooks, &[new, old]).unwrap();
        let headers = signer.headers(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        let sig = &headers[2].1;
        let parts: Vec<&str> = sig.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn hex_scheme_signs_the_body_with_the_secret_bytes() {
        let secret = Secret::new("my-shared-secret");
        let signer = Signer::new(Scheme::HmacSha256Hex, &[secret]).unwrap();
        let headers = signer.headers("evt_1", 1, b"{\"a\":1}");
        // Computed independently with Python: hmac.new(b"my-shared-secret", b'{"a":1}', sha256)
        let expected = "sha256=4184aa4f0f5b015db7ea4b07dd0e1953a8819aea080cda9d0236fae3c781701d";
        assert_eq!(headers[2], ("x-webhook-signature", expected.to_owned()));
    }

    #[test]
    fn generated_secrets_are_whsec_with_32_random_bytes() {
        let a = generate_secret().unwrap();
        let b = generate_secret().unwrap();
        assert!(a.expose().starts_with("whsec_"));
        assert_eq!(key_bytes(&a).unwrap().len(), 32);
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn bad_secrets_are_refused() {
        assert!(key_bytes(&Secret::new("nope")).is_err());
        assert!(key_bytes(&Secret::new("whsec_!!!")).is_err());
        assert!(key_bytes(&Secret::new("whsec_AAAA")).is_err(), "too short");
    }
}
