//! Who may do what, and who is out there: screens' heartbeats and named tokens with a scope.

use super::{Store, from_stored, now_text, to_json};
use crate::error::Failure;
use venue_contract::wire::Heartbeat;

/// Screens heard from within this long are listed.
pub const SCREENS_WITHIN_S: i64 = 6 * 3600;

impl Store {
    // ---- screens ----

    /// Keep a screen's latest heartbeat (one row per screen, replaced each time).
    pub async fn record_heartbeat(&self, heartbeat: &Heartbeat, seen_unix_ms: i64, skew_ms: i64) -> Result<(), Failure> {
        sqlx::query(
            "INSERT INTO screens (kiosk_id, body, seen_unix_ms, skew_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (kiosk_id) DO UPDATE SET body = excluded.body, seen_unix_ms = excluded.seen_unix_ms, skew_ms = excluded.skew_ms",
        )
        .bind(&heartbeat.kiosk_id)
        .bind(to_json(heartbeat))
        .bind(seen_unix_ms)
        .bind(skew_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Screens heard from since `since_unix_ms`: (heartbeat, seen at, skew), by id.
    pub async fn screens(&self, since_unix_ms: i64) -> Result<Vec<(Heartbeat, i64, i64)>, Failure> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT body, seen_unix_ms, skew_ms FROM screens WHERE seen_unix_ms >= $1 ORDER BY {}",
            self.bytewise("kiosk_id")
        ))
        .bind(since_unix_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(body, seen, skew)| Ok((from_stored("heartbeat", &body)?, seen, skew)))
            .collect()
    }

    // ---- named tokens ----

    /// The scope of the token with this hash: the server's admin token, or a named token.
    pub async fn token_scope(&self, hash: &str) -> Result<Option<String>, Failure> {
        if let Some(admin) = self.admin_token_hash().await?
            && bool::from(subtle::ConstantTimeEq::ct_eq(admin.as_bytes(), hash.as_bytes()))
        {
            return Ok(Some("admin".into()));
        }
        Ok(sqlx::query_scalar("SELECT scope FROM tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn add_token(&self, name: &str, scope: &str, hash: &str) -> Result<(), Failure> {
        let inserted = sqlx::query("INSERT INTO tokens (hash, name, scope, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(hash)
            .bind(name)
            .bind(scope)
            .bind(now_text())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if inserted == 0 {
            return Err(Failure::already_exists(format!(
                "a token named `{name}` already exists; revoke it first"
            )));
        }
        Ok(())
    }

    /// Every named token: (name, scope, created at), by name. Never the tokens or their hashes.
    pub async fn tokens(&self) -> Result<Vec<(String, String, String)>, Failure> {
        Ok(sqlx::query_as(&format!(
            "SELECT name, scope, created_at FROM tokens ORDER BY {}",
            self.bytewise("name")
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn revoke_token(&self, name: &str) -> Result<(), Failure> {
        let deleted = sqlx::query("DELETE FROM tokens WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(Failure::not_found(format!("no token named `{name}`")));
        }
        Ok(())
    }
}
