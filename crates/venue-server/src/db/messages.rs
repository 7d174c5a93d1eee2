//! Broadcast messages: only those that have not ended count against the limit; ended ones are kept
//! for the organisers' history, then pruned.

use chrono::Utc;

use super::{Store, from_stored, to_json};
use crate::error::Failure;
use crate::input;
use venue_contract::payload::Endpoint;
use venue_contract::wire::Message;

/// Ended messages are kept this long (the console's history), then pruned.
pub const MESSAGE_HISTORY_S: i64 = 7 * 24 * 3600;

impl Store {
    // ---- messages ----

    /// A new message. Messages that ended more than [`MESSAGE_HISTORY_S`] ago are pruned first; only
    /// messages that have not ended count against [`input::MAX_LIVE_MESSAGES`].
    pub async fn add_message(&self, message: &Message) -> Result<(), Failure> {
        let now = Utc::now().timestamp();
        let mut tx = self.begin(&[Endpoint::Messages]).await?;
        sqlx::query("DELETE FROM messages WHERE expires_unix < $1")
            .bind(now - MESSAGE_HISTORY_S)
            .execute(&mut *tx)
            .await?;
        let inserted =
            sqlx::query("INSERT INTO messages (id, starts_unix, expires_unix, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(&message.id)
                .bind(message.starts.timestamp())
                .bind(message.expires.timestamp())
                .bind(to_json(message))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if inserted == 0 {
            return Err(Failure::already_exists(format!("message `{}` already exists", message.id)));
        }
        let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE expires_unix > $1")
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        if live > input::MAX_LIVE_MESSAGES as i64 {
            return Err(Failure::invalid_body(format!(
                "this would make {live} messages showing or waiting to show; the limit is {}: expire or delete some first",
                input::MAX_LIVE_MESSAGES
            )));
        }
        self.commit(tx, &[Endpoint::Messages]).await
    }

    pub async fn delete_message(&self, id: &str) -> Result<(), Failure> {
        self.delete(Endpoint::Messages, "DELETE FROM messages WHERE id = $1", id, "message")
            .await
    }

    /// Every stored message (live, coming and ended within the history), newest start first.
    pub async fn message_history(&self) -> Result<Vec<Message>, Failure> {
        let bodies: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT body FROM messages ORDER BY starts_unix DESC, {}",
            self.bytewise("id")
        ))
        .fetch_all(&self.pool)
        .await?;
        bodies.iter().map(|body| from_stored("message", body)).collect()
    }

    /// Rows stored before migration 2 learn their expiry from their bodies (once; idempotent).
    pub(super) async fn fill_message_expiry(&self) -> Result<(), Failure> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, body FROM messages WHERE expires_unix = 0")
            .fetch_all(&self.pool)
            .await?;
        for (id, body) in rows {
            let message: Message = from_stored("message", &body)?;
            sqlx::query("UPDATE messages SET expires_unix = $1 WHERE id = $2")
                .bind(message.expires.timestamp())
                .bind(&id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn update_message(&self, id: &str, change: impl FnOnce(Message) -> Result<Message, Failure>) -> Result<Message, Failure> {
        let mut tx = self.begin(&[Endpoint::Messages]).await?;
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM messages WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let body = body.ok_or_else(|| Failure::not_found(format!("no message `{id}`")))?;
        let message = change(from_stored("message", &body)?)?;
        sqlx::query("UPDATE messages SET starts_unix = $1, expires_unix = $2, body = $3 WHERE id = $4")
            .bind(message.starts.timestamp())
            .bind(message.expires.timestamp())
            .bind(to_json(&message))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Endpoint::Messages]).await?;
        Ok(message)
    }
}
