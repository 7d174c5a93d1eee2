//! No write makes a GET answer larger than a kiosk reads ([`KIOSK_BODY_CAP`]): a kiosk would refuse
//! the whole feed and keep showing old data. Checked inside the write's transaction, on what the
//! answer would be after it, so the write is refused (and rolled back) instead of the feed breaking.

use std::io::Write;

use sqlx::AnyConnection;
use venue_contract::payload::{Endpoint, KIOSK_BODY_CAP};

use super::{Failure, Store};

const MIB: f64 = 1024.0 * 1024.0;

/// Counts the bytes written to it.
#[derive(Default)]
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

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

impl Store {
    /// Refuse a write whose schedule or draw answer would exceed [`KIOSK_BODY_CAP`]. The other
    /// answers are far below it by the write limits (500 live messages, 32 teams, 100 rounds).
    pub(super) async fn check_feed_sizes(&self, conn: &mut AnyConnection, endpoints: &[Endpoint]) -> Result<(), Failure> {
        for endpoint in endpoints {
            let bytes = match endpoint {
                Endpoint::Schedule => {
                    let sessions: Vec<String> = sqlx::query_scalar("SELECT body FROM sessions").fetch_all(&mut *conn).await?;
                    r#"{"version":1,"sessions":}"#.len() as u64 + array_bytes(&sessions)
                }
                Endpoint::Draw => {
                    let prizes: Vec<String> = sqlx::query_scalar("SELECT body FROM prizes").fetch_all(&mut *conn).await?;
                    let tickets: Vec<(i64, String, String)> = sqlx::query_as("SELECT number, display_name, holder FROM tickets")
                        .fetch_all(&mut *conn)
                        .await?;
                    // As the answer writes them (`Ticket`'s fields, in its order), counted, not kept.
                    #[derive(serde::Serialize)]
                    struct TicketJson<'a> {
                        number: i64,
                        display_name: &'a str,
                        holder: &'a str,
                    }
                    let mut counter = Counter::default();
                    for (number, display_name, holder) in &tickets {
                        let ticket = TicketJson {
                            number: *number,
                            display_name,
                            holder,
                        };
                        serde_json::to_writer(&mut counter, &ticket).map_err(Failure::internal)?;
                    }
                    r#"{"version":1,"prizes":,"tickets":}"#.len() as u64 + array_bytes(&prizes) + 2 + tickets.len() as u64 + counter.0
                }
                _ => continue,
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
