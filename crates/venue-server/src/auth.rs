//! Bearer tokens. The server's admin token (set at start) and named tokens issued through the admin
//! API, each with a scope: `kiosk` (post results, nothing else), `staff` (check-ins), `admin`
//! (everything). Only SHA-256 hashes are stored; a request's token is hashed and looked up. No token
//! is ever logged.

use std::path::Path;

use anyhow::{Context, bail};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

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
/// Refused when the file may be read (or written) by its group or by others: the admin token is the
/// key to everything, so it must be readable by its owner only (`chmod 600`, or `install -m 600`).
pub fn read_token_file(path: &Path) -> anyhow::Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("read the token file {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "the token file {} is open to its group or others (mode {:03o}); an admin token must be readable by its owner only: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
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

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A screen: post draw and game results (and, later, heartbeats). Nothing else.
    Kiosk,
    /// A staff member's phone: check-ins, and the casino's moves.
    Staff,
    /// The organisers: everything.
    Admin,
}

impl Scope {
    pub fn parse(text: &str) -> Option<Scope> {
        Some(match text {
            "kiosk" => Scope::Kiosk,
            "staff" => Scope::Staff,
            "admin" => Scope::Admin,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Kiosk => "kiosk",
            Scope::Staff => "staff",
            Scope::Admin => "admin",
        }
    }

    /// An admin token may do anything; the others only what their scope names.
    pub fn covers(self, needed: Scope) -> bool {
        self == Scope::Admin || self == needed
    }
}

/// Middleware for the admin API: an admin-scope token.
pub async fn require_admin(state: State<AppState>, request: Request, next: Next) -> Response {
    require(Scope::Admin, state, request, next).await
}

/// Middleware for result posts: a kiosk (or admin) token.
pub async fn require_kiosk(state: State<AppState>, request: Request, next: Next) -> Response {
    require(Scope::Kiosk, state, request, next).await
}

/// Middleware for the casino's moves: a staff (or admin) token.
pub async fn require_staff(state: State<AppState>, request: Request, next: Next) -> Response {
    require(Scope::Staff, state, request, next).await
}

/// `401 unauthorized` without a known bearer token, `403 forbidden` when its scope does not cover
/// `needed`. Looked up per request, so a token rotated or revoked on another instance counts at once.
async fn require(needed: Scope, State(state): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(presented) = presented else {
        return Failure::unauthorized().into_response();
    };
    let scope = match state.store.token_scope(&token_hash(presented)).await {
        Ok(Some(scope)) => Scope::parse(&scope),
        Ok(None) => None,
        Err(failure) => return failure.into_response(),
    };
    match scope {
        None => Failure::unauthorized().into_response(),
        Some(scope) if !scope.covers(needed) => Failure::forbidden(format!(
            "this token's scope is `{}`; this needs `{}`",
            scope.as_str(),
            needed.as_str()
        ))
        .into_response(),
        Some(_) => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    /// Issue #18: a token file others may read is refused, with the fix in the message.
    #[cfg(unix)]
    #[test]
    fn a_token_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "0123456789abcdef0123\n").unwrap();
        for mode in [0o644, 0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = format!("{:#}", read_token_file(&path).unwrap_err());
            assert!(err.contains("chmod 600"), "{mode:o}: {err}");
        }
        for mode in [0o600, 0o400] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(read_token_file(&path).unwrap(), "0123456789abcdef0123");
        }
    }

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
    fn only_admin_covers_other_scopes() {
        for scope in [Scope::Kiosk, Scope::Staff, Scope::Admin] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            assert!(scope.covers(scope));
            assert!(Scope::Admin.covers(scope));
        }
        assert!(!Scope::Kiosk.covers(Scope::Admin));
        assert!(!Scope::Kiosk.covers(Scope::Staff));
        assert!(!Scope::Staff.covers(Scope::Kiosk));
        assert_eq!(Scope::parse("root"), None);
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
