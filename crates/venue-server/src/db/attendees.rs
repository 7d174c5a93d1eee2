//! Attendees, places, check-ins and the tickets they earn. Tickets are granted in the same
//! transaction as the check-in that earns them, behind the draw's revision row (so instances on one
//! PostgreSQL take turns) and a `(attendee, condition)` key (so a condition pays once, whatever
//! repeats).

use chrono::Utc;

use super::Store;
use crate::error::Failure;
use venue_contract::payload::Endpoint;
use venue_rules::attend::{self, PlaceKind, Progress, TicketRules};

/// Record each condition once and issue its tickets, numbered after the highest ticket so far. Runs
/// inside a transaction that began by bumping the draw's revision (instances take turns).
pub(super) async fn grant(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    attendee: &AttendeeRow,
    earned: &[attend::Earned],
    now: i64,
) -> Result<Vec<(String, Vec<u32>)>, Failure> {
    let mut granted = Vec::new();
    for earned in earned {
        let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM tickets")
            .fetch_one(&mut **tx)
            .await?;
        let claimed = sqlx::query(
            "INSERT INTO grants (attendee_id, condition, first_ticket, tickets, at_unix) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&attendee.id)
        .bind(&earned.condition)
        .bind(next)
        .bind(i64::from(earned.tickets))
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            continue; // granted before
        }
        let mut numbers = Vec::new();
        for offset in 0..i64::from(earned.tickets) {
            let number = next + offset;
            sqlx::query("INSERT INTO tickets (number, display_name, holder) VALUES ($1, $2, $3)")
                .bind(number)
                .bind(&attendee.display_name)
                .bind(&attendee.holder)
                .execute(&mut **tx)
                .await?;
            numbers.push(u32::try_from(number).map_err(Failure::internal)?);
        }
        granted.push((earned.condition.clone(), numbers));
    }
    Ok(granted)
}

/// Ticket rules as the console saved them (JSON).
const RULES_SETTING: &str = "ticket_rules";

/// An attendee as stored: no personal field in the clear.
#[derive(Debug, Clone)]
pub struct AttendeeRow {
    pub id: String,
    pub holder: String,
    pub display_name: String,
    pub sealed: String,
}

/// A booth or discussion table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    pub id: String,
    pub kind: PlaceKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckIn {
    pub place_id: String,
    pub place_name: String,
    pub kind: PlaceKind,
    pub at_unix: i64,
}

/// What a check-in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInOutcome {
    /// `false`: this attendee was already checked in here (a double scan); nothing changed.
    pub new: bool,
    /// Conditions newly met, each with the ticket numbers it granted.
    pub granted: Vec<(String, Vec<u32>)>,
}

pub fn kind_name(kind: PlaceKind) -> &'static str {
    match kind {
        PlaceKind::Entrance => "entrance",
        PlaceKind::Session => "session",
        PlaceKind::Booth => "booth",
        PlaceKind::Discussion => "discussion",
    }
}

pub fn parse_kind(text: &str) -> Option<PlaceKind> {
    Some(match text {
        "entrance" => PlaceKind::Entrance,
        "session" => PlaceKind::Session,
        "booth" => PlaceKind::Booth,
        "discussion" => PlaceKind::Discussion,
        _ => return None,
    })
}

impl Store {
    /// Insert or update attendees by id (sealed data, masked name); positions keep import order.
    /// Returns (added, updated).
    pub async fn upsert_attendees(&self, rows: &[(AttendeeRow, String, String)]) -> Result<(usize, usize), Failure> {
        // (row, code hash, badge hash)
        let mut tx = self.begin(&[Endpoint::Draw]).await?;
        let mut position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) FROM attendees")
            .fetch_one(&mut *tx)
            .await?;
        let (mut added, mut updated) = (0, 0);
        for (row, code_hash, badge_hash) in rows {
            let existed: Option<String> = sqlx::query_scalar("SELECT id FROM attendees WHERE id = $1")
                .bind(&row.id)
                .fetch_optional(&mut *tx)
                .await?;
            if existed.is_some() {
                sqlx::query("UPDATE attendees SET display_name = $2, sealed = $3 WHERE id = $1")
                    .bind(&row.id)
                    .bind(&row.display_name)
                    .bind(&row.sealed)
                    .execute(&mut *tx)
                    .await?;
                // The masked name follows on the attendee's tickets.
                sqlx::query("UPDATE tickets SET display_name = $2 WHERE holder = $1")
                    .bind(&row.holder)
                    .bind(&row.display_name)
                    .execute(&mut *tx)
                    .await?;
                updated += 1;
            } else {
                position += 1;
                sqlx::query(
                    "INSERT INTO attendees (id, holder, code_hash, badge_hash, display_name, sealed, position) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&row.id)
                .bind(&row.holder)
                .bind(code_hash)
                .bind(badge_hash)
                .bind(&row.display_name)
                .bind(&row.sealed)
                .bind(position)
                .execute(&mut *tx)
                .await?;
                added += 1;
            }
        }
        self.commit(tx, &[Endpoint::Draw]).await?;
        Ok((added, updated))
    }

    async fn attendee_where(&self, column: &str, value: &str) -> Result<Option<AttendeeRow>, Failure> {
        let sql = format!("SELECT id, holder, display_name, sealed FROM attendees WHERE {column} = $1");
        let row: Option<(String, String, String, String)> = sqlx::query_as(&sql).bind(value).fetch_optional(&self.pool).await?;
        Ok(row.map(|(id, holder, display_name, sealed)| AttendeeRow {
            id,
            holder,
            display_name,
            sealed,
        }))
    }

    pub async fn attendee_by_code_hash(&self, code_hash: &str) -> Result<Option<AttendeeRow>, Failure> {
        self.attendee_where("code_hash", code_hash).await
    }

    pub async fn attendee_by_badge_hash(&self, badge_hash: &str) -> Result<Option<AttendeeRow>, Failure> {
        self.attendee_where("badge_hash", badge_hash).await
    }

    pub async fn attendee(&self, id: &str) -> Result<Option<AttendeeRow>, Failure> {
        self.attendee_where("id", id).await
    }

    /// Every attendee in import order.
    pub async fn attendees(&self) -> Result<Vec<AttendeeRow>, Failure> {
        let rows: Vec<(String, String, String, String)> =
            sqlx::query_as("SELECT id, holder, display_name, sealed FROM attendees ORDER BY position")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, holder, display_name, sealed)| AttendeeRow {
                id,
                holder,
                display_name,
                sealed,
            })
            .collect())
    }

    /// (attendees, check-ins, tickets granted) for the console's summary.
    pub async fn attendance_counts(&self) -> Result<(i64, i64, i64), Failure> {
        let attendees: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendees").fetch_one(&self.pool).await?;
        let checkins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins").fetch_one(&self.pool).await?;
        // Portable SQL has no SUM (PostgreSQL's is NUMERIC): add up here.
        let grants: Vec<i64> = sqlx::query_scalar("SELECT tickets FROM grants").fetch_all(&self.pool).await?;
        let tickets = grants.iter().sum();
        Ok((attendees, checkins, tickets))
    }

    // ---- places and rules ----

    pub async fn places(&self) -> Result<Vec<Place>, Failure> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
            "SELECT id, kind, name FROM places ORDER BY {}, {}, {}",
            self.bytewise("kind"),
            self.bytewise("name"),
            self.bytewise("id")
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, name)| {
                Some(Place {
                    id,
                    kind: parse_kind(&kind)?,
                    name,
                })
            })
            .collect())
    }

    pub async fn put_place(&self, place: &Place) -> Result<(), Failure> {
        sqlx::query("INSERT INTO places (id, kind, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name")
            .bind(&place.id)
            .bind(kind_name(place.kind))
            .bind(&place.name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_place(&self, id: &str) -> Result<(), Failure> {
        sqlx::query("DELETE FROM places WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn ticket_rules(&self) -> Result<TicketRules, Failure> {
        Ok(self
            .setting(RULES_SETTING)
            .await?
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default())
    }

    pub async fn set_ticket_rules(&self, rules: &TicketRules) -> Result<(), Failure> {
        let text = serde_json::to_string(rules).map_err(Failure::internal)?;
        self.set_setting(RULES_SETTING, Some(&text)).await
    }

    // ---- check-ins and tickets ----

    pub async fn checkins_of(&self, attendee_id: &str) -> Result<Vec<CheckIn>, Failure> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(&format!(
            "SELECT place_id, place_name, kind, at_unix FROM checkins WHERE attendee_id = $1 ORDER BY at_unix, {}",
            self.bytewise("place_id")
        ))
        .bind(attendee_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(place_id, place_name, kind, at_unix)| {
                Some(CheckIn {
                    place_id,
                    place_name,
                    kind: parse_kind(&kind)?,
                    at_unix,
                })
            })
            .collect())
    }

    /// The ticket numbers an attendee holds, ascending.
    pub async fn tickets_of(&self, holder: &str) -> Result<Vec<u32>, Failure> {
        let numbers: Vec<i64> = sqlx::query_scalar("SELECT number FROM tickets WHERE holder = $1 ORDER BY number")
            .bind(holder)
            .fetch_all(&self.pool)
            .await?;
        Ok(numbers.into_iter().filter_map(|n| u32::try_from(n).ok()).collect())
    }

    /// Check `attendee` in at a place, then grant every condition newly met, in one transaction.
    pub async fn check_in(
        &self,
        attendee: &AttendeeRow,
        place_id: &str,
        place_name: &str,
        kind: PlaceKind,
    ) -> Result<CheckInOutcome, Failure> {
        let rules = self.ticket_rules().await?;
        // Draw's revision row first: instances take turns, so ticket numbers never collide.
        let mut tx = self.begin(&[Endpoint::Draw]).await?;
        let now = Utc::now().timestamp();
        let inserted = sqlx::query(
            "INSERT INTO checkins (attendee_id, place_id, kind, place_name, at_unix) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&attendee.id)
        .bind(place_id)
        .bind(kind_name(kind))
        .bind(place_name)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            // A double scan: nothing to grant; leave the revision alone.
            tx.rollback().await?;
            return Ok(CheckInOutcome {
                new: false,
                granted: Vec::new(),
            });
        }
        let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM checkins WHERE attendee_id = $1")
            .bind(&attendee.id)
            .fetch_all(&mut *tx)
            .await?;
        let progress = Progress {
            checkins: kinds.iter().filter_map(|k| parse_kind(k)).collect(),
            right_bets: Vec::new(),
        };
        let granted = grant(&mut tx, attendee, &attend::earned(&rules, &progress), now).await?;
        self.commit(tx, &[Endpoint::Draw]).await?;
        Ok(CheckInOutcome { new: true, granted })
    }

    /// Grants recorded (condition, tickets), for checks and the console.
    pub async fn grants_of(&self, attendee_id: &str) -> Result<Vec<(String, i64)>, Failure> {
        Ok(sqlx::query_as(&format!(
            "SELECT condition, tickets FROM grants WHERE attendee_id = $1 ORDER BY at_unix, {}",
            self.bytewise("condition")
        ))
        .bind(attendee_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
