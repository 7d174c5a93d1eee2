//! What the organisers' console keeps: signed-in browsers, one-time sign-in links, screenshots the
//! screens sent, uploaded prize photos, uploads waiting for a preview to be applied, and settings
//! such as the schedule's source URL. All of it in the database, so any server instance can answer.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Utc;

use super::{Store, from_stored};
use crate::error::Failure;
use venue_contract::wire::{Round, Session};

const SILENT_AFTER_SETTING: &str = "screens_silent_after_s";
/// Heartbeats come every 5 s; six missed ones flag a screen.
pub const DEFAULT_SILENT_AFTER_S: i64 = 30;

/// Staged uploads are dropped after this long.
const STAGED_FOR_S: i64 = 3600;

/// A screen's screenshot state: asked for when, received when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenshotState {
    pub requested_unix_ms: i64,
    pub taken_unix_ms: i64,
}

impl ScreenshotState {
    /// Asked for and not received since.
    pub fn pending(&self) -> bool {
        self.requested_unix_ms > self.taken_unix_ms
    }
}

impl Store {
    // ---- console sessions ----

    /// A signed-in browser. Ended sessions are removed on the way.
    pub async fn add_console_session(&self, id_hash: &str, csrf: &str, expires_unix: i64, scope: &str) -> Result<(), Failure> {
        sqlx::query("DELETE FROM console_sessions WHERE expires_unix < $1")
            .bind(Utc::now().timestamp())
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO console_sessions (id_hash, csrf, expires_unix, scope) VALUES ($1, $2, $3, $4)")
            .bind(id_hash)
            .bind(csrf)
            .bind(expires_unix)
            .bind(scope)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The form token and scope of a live session.
    pub async fn console_session(&self, id_hash: &str) -> Result<Option<(String, String)>, Failure> {
        Ok(
            sqlx::query_as("SELECT csrf, scope FROM console_sessions WHERE id_hash = $1 AND expires_unix > $2")
                .bind(id_hash)
                .bind(Utc::now().timestamp())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn end_console_session(&self, id_hash: &str) -> Result<(), Failure> {
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every console session ends (the admin token was rotated or the organiser asked).
    pub async fn end_all_console_sessions(&self) -> Result<(), Failure> {
        sqlx::query("DELETE FROM console_sessions").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn add_sign_in_link(&self, code_hash: &str, expires_unix: i64) -> Result<(), Failure> {
        sqlx::query("DELETE FROM sign_in_links WHERE expires_unix < $1")
            .bind(Utc::now().timestamp())
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO sign_in_links (code_hash, expires_unix) VALUES ($1, $2)")
            .bind(code_hash)
            .bind(expires_unix)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Use a sign-in link: `true` once, for a live link; the delete makes it once across instances.
    pub async fn take_sign_in_link(&self, code_hash: &str) -> Result<bool, Failure> {
        let taken = sqlx::query("DELETE FROM sign_in_links WHERE code_hash = $1 AND expires_unix > $2")
            .bind(code_hash)
            .bind(Utc::now().timestamp())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(taken == 1)
    }

    // ---- screenshots ----

    pub async fn request_screenshot(&self, kiosk_id: &str, now_unix_ms: i64) -> Result<(), Failure> {
        sqlx::query(
            "INSERT INTO screenshots (kiosk_id, requested_unix_ms, taken_unix_ms, png_base64) VALUES ($1, $2, 0, '')
             ON CONFLICT (kiosk_id) DO UPDATE SET requested_unix_ms = excluded.requested_unix_ms",
        )
        .bind(kiosk_id)
        .bind(now_unix_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn screenshot_state(&self, kiosk_id: &str) -> Result<ScreenshotState, Failure> {
        let row: Option<(i64, i64)> = sqlx::query_as("SELECT requested_unix_ms, taken_unix_ms FROM screenshots WHERE kiosk_id = $1")
            .bind(kiosk_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|(requested_unix_ms, taken_unix_ms)| ScreenshotState {
                requested_unix_ms,
                taken_unix_ms,
            })
            .unwrap_or_default())
    }

    /// Every screen's screenshot state, by kiosk id.
    pub async fn screenshot_states(&self) -> Result<Vec<(String, ScreenshotState)>, Failure> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT kiosk_id, requested_unix_ms, taken_unix_ms FROM screenshots ORDER BY {}",
            self.bytewise("kiosk_id")
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, requested_unix_ms, taken_unix_ms)| {
                (
                    id,
                    ScreenshotState {
                        requested_unix_ms,
                        taken_unix_ms,
                    },
                )
            })
            .collect())
    }

    pub async fn store_screenshot(&self, kiosk_id: &str, png: &[u8], now_unix_ms: i64) -> Result<(), Failure> {
        sqlx::query(
            "INSERT INTO screenshots (kiosk_id, requested_unix_ms, taken_unix_ms, png_base64) VALUES ($1, 0, $2, $3)
             ON CONFLICT (kiosk_id) DO UPDATE SET taken_unix_ms = excluded.taken_unix_ms, png_base64 = excluded.png_base64",
        )
        .bind(kiosk_id)
        .bind(now_unix_ms)
        .bind(BASE64.encode(png))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest screenshot of a screen and when it arrived.
    pub async fn screenshot(&self, kiosk_id: &str) -> Result<Option<(Vec<u8>, i64)>, Failure> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT png_base64, taken_unix_ms FROM screenshots WHERE kiosk_id = $1 AND taken_unix_ms > 0")
                .bind(kiosk_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(data, taken)| {
            let png = BASE64
                .decode(data)
                .map_err(|e| Failure::internal(format!("stored screenshot does not decode: {e}")))?;
            Ok((png, taken))
        })
        .transpose()
    }

    // ---- images ----

    pub async fn put_image(&self, id: &str, content_type: &str, data: &[u8]) -> Result<(), Failure> {
        sqlx::query("INSERT INTO images (id, content_type, data_base64) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(content_type)
            .bind(BASE64.encode(data))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// An uploaded image: (content type, bytes).
    pub async fn image(&self, id: &str) -> Result<Option<(String, Vec<u8>)>, Failure> {
        let row: Option<(String, String)> = sqlx::query_as("SELECT content_type, data_base64 FROM images WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(content_type, data)| {
            let bytes = BASE64
                .decode(data)
                .map_err(|e| Failure::internal(format!("stored image does not decode: {e}")))?;
            Ok((content_type, bytes))
        })
        .transpose()
    }

    // ---- staged uploads ----

    pub async fn stage_import(&self, id: &str, body: &str) -> Result<(), Failure> {
        let now = Utc::now().timestamp();
        sqlx::query("DELETE FROM staged_imports WHERE created_unix < $1")
            .bind(now - STAGED_FOR_S)
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO staged_imports (id, created_unix, body) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(now)
            .bind(body)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Take a staged upload (once).
    pub async fn take_staged_import(&self, id: &str) -> Result<Option<String>, Failure> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM staged_imports WHERE id = $1 AND created_unix >= $2")
            .bind(id)
            .bind(Utc::now().timestamp() - STAGED_FOR_S)
            .fetch_optional(&self.pool)
            .await?;
        let taken = sqlx::query("DELETE FROM staged_imports WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(body.filter(|_| taken == 1))
    }

    // ---- settings and reads for the console ----

    pub async fn setting(&self, name: &str) -> Result<Option<String>, Failure> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_setting(&self, name: &str, value: Option<&str>) -> Result<(), Failure> {
        match value {
            Some(value) => {
                sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
                    .bind(name)
                    .bind(value)
                    .execute(&self.pool)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM settings WHERE name = $1")
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// A screen silent for longer than this many seconds is flagged (set on the Screens page).
    pub async fn silent_after_s(&self) -> Result<i64, Failure> {
        Ok(self
            .setting(SILENT_AFTER_SETTING)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_SILENT_AFTER_S))
    }

    pub async fn set_silent_after_s(&self, seconds: i64) -> Result<(), Failure> {
        self.set_setting(SILENT_AFTER_SETTING, Some(&seconds.to_string())).await
    }

    /// The game's round plan.
    pub async fn rounds(&self) -> Result<Vec<Round>, Failure> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM documents WHERE name = 'rounds'")
            .fetch_optional(&self.pool)
            .await?;
        body.map_or_else(|| Ok(Vec::new()), |body| from_stored("rounds", &body))
    }

    /// Every session of the schedule, in start order.
    pub async fn sessions(&self) -> Result<Vec<Session>, Failure> {
        let bodies: Vec<String> = sqlx::query_scalar(&format!("SELECT body FROM sessions ORDER BY start_unix, {}", self.bytewise("id")))
            .fetch_all(&self.pool)
            .await?;
        bodies.iter().map(|body| from_stored("session", body)).collect()
    }
}
