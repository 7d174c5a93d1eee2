//! The admin bearer token. Only its SHA-256 is stored; a request's token is hashed and the hashes
//! are compared in constant time. The token itself is never logged.

use std::path::Path;

use anyhow::{Context, bail};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::db::Store;
use super::error::Failure;

/// Environment variable that may hold the admin token.
pub const TOKEN_ENV: &str = "VENUE_KIOSK_TOKEN";
const MIN_TOKEN_CHARS: usize = 16;

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random token: 32 bytes from the OS-seeded CSPRNG, hex.
pub fn generate_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

pub fn check_token_text(token: &str) -> anyhow::Result<()> {
    if token.chars().count() < MIN_TOKEN_CHARS {
        bail!("the admin token must be at least {MIN_TOKEN_CHARS} characters");
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        bail!("the admin token must be printable ASCII without spaces");
    }
    Ok(())
}

/// The token in `path` (surrounding whitespace ignored).
pub fn read_token_file(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read the token file {}", path.display()))?;
    let token = text.trim().to_string();
    check_token_text(&token).with_context(|| format!("token file {}", path.display()))?;
    Ok(token)
}

/// Make the stored hash match the configured token, or create a token on first start (or when
/// asked to rotate). Returns a token only when it was generated here, for the caller to show once.
pub async fn ensure_admin_token(store: &Store, configured: Option<&str>, rotate: bool) -> anyhow::Result<Option<String>> {
    if let Some(token) = configured {
        check_token_text(token)?;
        store.set_admin_token_hash(&token_hash(token)).await?;
        return Ok(None);
    }
    if rotate || store.admin_token_hash().await?.is_none() {
        let token = generate_token();
        store.set_admin_token_hash(&token_hash(&token)).await?;
        return Ok(Some(token));
    }
    Ok(None)
}

/// Middleware: `401 unauthorized` unless the request carries `Authorization: Bearer <admin token>`.
/// The stored hash is read per request, so a token rotated by another server instance counts at once.
pub async fn require_admin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(presented) = presented else {
        return Failure::unauthorized().into_response();
    };
    let stored = match state.store.admin_token_hash().await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Failure::unauthorized().into_response(),
        Err(failure) => return failure.into_response(),
    };
    let matches: bool = token_hash(presented).as_bytes().ct_eq(stored.as_bytes()).into();
    if !matches {
        return Failure::unauthorized().into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_long_and_distinct() {
        let (a, b) = (generate_token(), generate_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        check_token_text(&a).unwrap();
    }

    #[test]
    fn short_or_spaced_tokens_are_refused() {
        assert!(check_token_text("short").is_err());
        assert!(check_token_text("with a space in the middle").is_err());
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
