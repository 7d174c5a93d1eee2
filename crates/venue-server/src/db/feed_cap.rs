//! No write makes a GET answer larger than a kiosk reads ([`KIOSK_BODY_CAP`]): a kiosk would refuse
//! the whole feed and keep showing old data. Checked inside the write's transaction, on what the
//! answer would be after it, so the write is refused (and rolled back) instead of the feed breaking.

use sqlx::AnyConnection;
use venue_contract::payload::{Endpoint, KIOSK_BODY_CAP};

use super::{Failure, Store};

const MIB: f64 = 1024.0 * 1024.0;

/// Bytes of `[a,b,…]` made of stored JSON bodies.
fn array_bytes(bodies: &[String]) -> u64 {
    2 + bodies.iter().map(|b| b.len() as u64 + 1).sum::<u64>()
}

/// `422 feed_too_large`, saying how large the feed would be.
pub fn feed_too_large(endpoint: Endpoint, bytes: u64) -> Failure {
    Failure::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "feed_too_large",
        format!(
            "the {} feed would be {:.1} MiB, over the {} MiB a kiosk accepts; nothing was changed (remove {} or shorten their texts)",
            endpoint.name(),
            bytes as f64 / MIB,
            KIOSK_BODY_CAP as f64 / MIB,
            match endpoint {
                Endpoint::Draw => "tickets or prizes",
                Endpoint::Schedule => "sessions",
                _ => "entries",
            }
        ),
    )
}

/// How many bytes `endpoint`'s answer holds now (before gzip); `None` for the answers the write
/// limits keep far below the cap.
async fn feed_bytes(conn: &mut AnyConnection, endpoint: Endpoint) -> Result<Option<u64>, Failure> {
    Ok(Some(match endpoint {
        Endpoint::Schedule => {
            let sessions: Vec<String> = sqlx::query_scalar("SELECT body FROM sessions").fetch_all(&mut *conn).await?;
            r#"{"version":1,"sessions":}"#.len() as u64 + array_bytes(&sessions)
        }
        Endpoint::Draw => {
            let prizes: Vec<String> = sqlx::query_scalar("SELECT body FROM prizes").fetch_all(&mut *conn).await?;
            // Summed by the database: a check-in grants a ticket through here, so this must
            // not read every ticket back (2,000 check-ins would read 2 million rows).
            // `{"number":N,"display_name":"…","holder":"…"}` is 41 bytes around the three
            // values; names and holders are counted in UTF-8 bytes, each quote or backslash
            // in them twice (JSON escapes them). Groups (stored `a,b`) add `,"groups":["a","b"]`:
            // 14 bytes, the stored text and 2 quotes per comma.
            let (count, values): (i64, i64) = sqlx::query_as(
                r#"SELECT COUNT(*), COALESCE(SUM(octet_length(CAST(number AS TEXT)) + octet_length(display_name) + octet_length(holder)
                       + (octet_length(display_name) - octet_length(REPLACE(REPLACE(display_name, '"', ''), '\', '')))
                       + (octet_length(holder) - octet_length(REPLACE(REPLACE(holder, '"', ''), '\', '')))
                       + CASE WHEN ticket_groups = '' THEN 0
                         ELSE 14 + octet_length(ticket_groups) + 2 * (octet_length(ticket_groups) - octet_length(REPLACE(ticket_groups, ',', ''))) END), 0)
                       FROM tickets"#,
            )
            .fetch_one(&mut *conn)
            .await?;
            let tickets = u64::try_from(count).unwrap_or_default();
            let ticket_bytes = 41 * tickets + u64::try_from(values).unwrap_or_default();
            r#"{"version":1,"prizes":,"tickets":}"#.len() as u64 + array_bytes(&prizes) + 2 + tickets + ticket_bytes
        }
        _ => return Ok(None),
    }))
}

impl Store {
    /// What `feed_bytes` counts for `endpoint`, for tests and the log.
    pub async fn feed_size(&self, endpoint: Endpoint) -> Result<Option<u64>, Failure> {
        let mut conn = self.pool.acquire().await?;
        feed_bytes(&mut conn, endpoint).await
    }

    /// Refuse a write whose schedule or draw answer would exceed [`KIOSK_BODY_CAP`]. The other
    /// answers are far below it by the write limits (500 live messages, 32 teams, 100 rounds).
    pub(super) async fn check_feed_sizes(&self, conn: &mut AnyConnection, endpoints: &[Endpoint]) -> Result<(), Failure> {
        for endpoint in endpoints {
            let Some(bytes) = feed_bytes(conn, *endpoint).await? else {
                continue;
            };
            if bytes > KIOSK_BODY_CAP {
                tracing::warn!(
                    endpoint = endpoint.name(),
                    bytes,
                    "write refused: the feed would exceed the kiosks' body cap"
                );
                return Err(feed_too_large(*endpoint, bytes));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_says_how_large_and_what_a_kiosk_accepts() {
        let failure = feed_too_large(Endpoint::Draw, 9 * 1024 * 1024 + 300 * 1024);
        assert_eq!(failure.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            failure
                .message
                .starts_with("the draw feed would be 9.3 MiB, over the 8 MiB a kiosk accepts"),
            "{}",
            failure.message
        );
    }
}
