//! Storage: one set of SQL for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! Portable SQL only: `$n` parameters (SQLite reads them as positional), `TEXT` and `BIGINT`
//! columns, `ON CONFLICT`, no booleans, no `SUM`. Every wire object is stored as its JSON next to
//! the columns it is ordered or looked up by, so a GET answer is a concatenation of stored bodies.
//!
//! Each write transaction starts by bumping the revision of the endpoints it changes. That first
//! write takes SQLite's write lock at once (a deferred transaction that reads first can fail to
//! upgrade) and serialises writers of one endpoint on PostgreSQL. GET answers are rendered once per
//! revision and kept in memory; other server instances on the same PostgreSQL see a write at the
//! latest [`REVISION_RECHECK`] later.

mod access;
mod attendees;
mod bets;
mod casino;
mod casino_bets;
mod console;
mod feed_cap;
mod messages;
mod migrations;

pub use access::SCREENS_WITHIN_S;
pub use attendees::{AttendeeRow, CheckIn, CheckInOutcome, Place, kind_name, parse_kind};
pub use bets::{BetRound, BetState};
pub use casino::{MoveOutcome, stale_board};
pub use casino_bets::CasinoBetMatch;
pub use console::{DEFAULT_SILENT_AFTER_S, ScreenshotState};
pub use messages::MESSAGE_HISTORY_S;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::body::Bytes;
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyConnection, AnyPool, Transaction};

use super::error::Failure;
use super::input;
use venue_contract::payload::{Endpoint, FeedPayload, decode};
use venue_contract::sample;
use venue_contract::wire::{DrawAnchor, DrawCommitment, DrawResult, EventInfo, GameResult, Prize, Round, Schedule, Session, Team, Ticket};

/// How long a rendered answer is served without asking the database whether another server
/// instance changed it. Writes through this instance are visible at once.
pub const REVISION_RECHECK: Duration = Duration::from_millis(500);

const ADMIN_TOKEN_SETTING: &str = "admin_token_sha256";
/// `GET /api/v1/messages` still carries a message this long after it ended (kiosk clocks may lag).
const SERVED_AFTER_EXPIRY_S: i64 = 600;
const TICKETS_PER_STATEMENT: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// `--db` as a database URL: `postgres://…`/`postgresql://…` and `sqlite:…` URLs are kept, anything
/// else is a path to an SQLite file (created when missing).
pub fn database_url(db: &str) -> String {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") || db.starts_with("sqlite:") {
        return db.to_string();
    }
    // sqlx percent-decodes the file name, so the characters that would end or escape it are encoded.
    let mut path = String::with_capacity(db.len());
    for c in db.chars() {
        match c {
            '%' => path.push_str("%25"),
            '?' => path.push_str("%3F"),
            '#' => path.push_str("%23"),
            _ => path.push(c),
        }
    }
    format!("sqlite://{path}?mode=rwc")
}

/// Where the server keeps its SQLite file when `--db` is not given.
pub fn default_sqlite_path() -> anyhow::Result<PathBuf> {
    let data = dirs::data_dir().context("this system has no user data directory; pass --db")?;
    Ok(data.join("venue-kiosk").join("server.sqlite"))
}

/// `--db` or the default file, as a URL; creates the default file's directory.
pub fn resolve_db(db: Option<&str>) -> anyhow::Result<String> {
    match db {
        Some(db) => Ok(database_url(db)),
        None => {
            let path = default_sqlite_path()?;
            let dir = path.parent().expect("the default path has a directory");
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
            Ok(database_url(
                path.to_str().context("the data directory path is not UTF-8; pass --db")?,
            ))
        }
    }
}

/// An answer body ready to serve.
#[derive(Debug)]
pub struct Rendered {
    pub revision: i64,
    /// Weak, because gzip changes the bytes on the wire.
    pub etag: String,
    /// `None`: nothing to serve yet (no event configured).
    pub body: Option<Bytes>,
    /// `body` gzipped once here rather than once per request: 200 kiosks fetch the same bytes.
    pub gzipped: Option<Bytes>,
}

#[derive(Default)]
struct EndpointCache {
    current: RwLock<Option<(Arc<Rendered>, Instant)>>,
    rebuild: tokio::sync::Mutex<()>,
    /// Bumped after each local commit, so a render that raced a write is rechecked at once.
    local_writes: AtomicU64,
}

/// What happened to a posted result.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultOutcome {
    /// First result for its key and its batch/round: stored now (`201`).
    Stored(serde_json::Value),
    /// The same result again (`200`), with the stored body.
    Repeated(serde_json::Value),
    /// A different result is already decided for this key or this batch/round (`409`).
    Conflict(serde_json::Value),
}

/// A stored draw or game result with when it arrived.
#[derive(Debug, Clone)]
pub struct StoredResult<T> {
    pub idempotency_key: String,
    pub received_at: String,
    pub result: T,
}

pub struct Store {
    pool: AnyPool,
    caches: [EndpointCache; 6],
    /// Endpoints whose data changed, for `GET /api/v1/stream`. On PostgreSQL every instance hears every
    /// instance's changes (LISTEN/NOTIFY, [`Store::listen_for_changes`]); on SQLite the one server
    /// announces its own commits.
    changes: tokio::sync::broadcast::Sender<Endpoint>,
    backend: Backend,
}

/// The PostgreSQL channel that carries changed endpoints between server instances.
const CHANGES_CHANNEL: &str = "venue_kiosk_changes";

fn index(endpoint: Endpoint) -> usize {
    Endpoint::ALL.iter().position(|e| *e == endpoint).expect("every endpoint is in ALL")
}

fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("wire types serialize to JSON")
}

fn from_stored<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, Failure> {
    serde_json::from_str(body).map_err(|e| Failure::internal(format!("stored {what} does not parse: {e}")))
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Connect, set SQLite up for durable writes, and apply the migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            bail!("unsupported database URL (use a file path, sqlite: or postgres://)");
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // WAL: readers never block the writer. FULL: a commit is on disk (WAL fsync'd)
                        // before it returns, so an acknowledged write survives a power cut.
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .with_context(|| format!("connect to the {backend:?} database"))?;
        migrate(&pool).await.context("apply database migrations")?;
        let store = Store {
            pool,
            caches: Default::default(),
            changes: tokio::sync::broadcast::channel(256).0,
            backend,
        };
        store.fill_message_expiry().await.context("fill in message expiry")?;
        Ok(store)
    }

    /// The database kind, for reports.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// Open for reading only (`venue-kiosk export`): no migration, no pragma, no write, so a database
    /// the user may only read (a `0444` file, a read-only mount, a read-only PostgreSQL role) works.
    /// SQLite opens with `mode=ro`, else (no `-shm` can be made beside the file) `immutable=1`; the
    /// schema must already be this version's.
    pub async fn open_read_only(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, attempts) = if url.starts_with("sqlite:") {
            let (base, query) = url.split_once('?').unwrap_or((url, ""));
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("mode=") && !p.starts_with("immutable="))
                .collect();
            let with = |extra: &str| {
                let mut params = kept.clone();
                params.push(extra);
                format!("{base}?{}", params.join("&"))
            };
            (Backend::Sqlite, vec![with("mode=ro"), with("immutable=true")])
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, vec![url.to_string()])
        } else {
            bail!("unsupported database URL (use a file path, sqlite: or postgres://)");
        };
        let mut last_error = None;
        for attempt in attempts {
            let opened = AnyPoolOptions::new()
                .max_connections(2)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        if conn.backend_name() != "SQLite" {
                            sqlx::query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                                .execute(&mut *conn)
                                .await?;
                        }
                        Ok(())
                    })
                })
                .connect(&attempt)
                .await;
            let pool = match opened {
                Ok(pool) => pool,
                Err(error) => {
                    last_error = Some(anyhow::Error::from(error));
                    continue;
                }
            };
            let newest = migrations::MIGRATIONS.iter().map(|(v, _, _)| *v).max().unwrap_or(0);
            match sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
                .fetch_one(&pool)
                .await
            {
                Ok(version) if version == newest => {
                    return Ok(Store {
                        pool,
                        caches: Default::default(),
                        changes: tokio::sync::broadcast::channel(1).0,
                        backend,
                    });
                }
                Ok(version) => {
                    pool.close().await;
                    bail!(
                        "the database's schema is version {version}, this build's is {newest}: start `serve` on it once (it migrates), then export"
                    );
                }
                Err(error) => {
                    pool.close().await;
                    last_error = Some(anyhow::Error::from(error).context("read the schema version"));
                }
            }
        }
        Err(last_error
            .unwrap_or_else(|| anyhow::anyhow!("no way to open it"))
            .context(format!("open the {backend:?} database read-only")))
    }

    /// Close every connection (SQLite checkpoints its WAL into the main file).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// `column` ordered by its bytes (UTF-8, so by code point) on both backends: SQLite's default
    /// `BINARY` does; PostgreSQL's default follows the database's locale (`en_US`: `a < B < b`), so
    /// answers (and ETags) would differ between backends without `COLLATE "C"`.
    fn bytewise(&self, column: &str) -> String {
        match self.backend {
            Backend::Sqlite => column.to_string(),
            Backend::Postgres => format!("{column} COLLATE \"C\""),
        }
    }

    async fn begin(&self, endpoints: &[Endpoint]) -> Result<Transaction<'static, Any>, Failure> {
        let mut tx = self.pool.begin().await?;
        for endpoint in endpoints {
            sqlx::query("UPDATE revisions SET revision = revision + 1 WHERE endpoint = $1")
                .bind(endpoint.name())
                .execute(&mut *tx)
                .await?;
            if self.backend == Backend::Postgres {
                // Delivered to every listening instance when (and only if) the transaction commits.
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANGES_CHANNEL)
                    .bind(endpoint.name())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(tx)
    }

    async fn commit(&self, mut tx: Transaction<'static, Any>, endpoints: &[Endpoint]) -> Result<(), Failure> {
        // No write makes a feed larger than a kiosk reads (`422 feed_too_large`, rolled back).
        self.check_feed_sizes(&mut tx, endpoints).await?;
        tx.commit().await?;
        for endpoint in endpoints {
            let cache = &self.caches[index(*endpoint)];
            cache.local_writes.fetch_add(1, Ordering::SeqCst);
            *cache.current.write().expect("cache lock") = None;
            if self.backend == Backend::Sqlite {
                let _ = self.changes.send(*endpoint);
            }
        }
        Ok(())
    }

    /// A receiver of changed endpoints (see [`Store::listen_for_changes`]).
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<Endpoint> {
        self.changes.subscribe()
    }

    /// On PostgreSQL: hear every instance's changes until the process ends; `listening` is told once
    /// notifications are being received. After a lost connection (when notifications may have been
    /// missed) every endpoint is announced as changed.
    pub async fn listen_for_changes(self: Arc<Self>, url: String, listening: tokio::sync::oneshot::Sender<()>) {
        if self.backend != Backend::Postgres {
            let _ = listening.send(());
            return;
        }
        let mut listener = loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => match listener.listen(CHANGES_CHANNEL).await {
                    Ok(()) => break listener,
                    Err(e) => tracing::warn!("cannot LISTEN for changes: {e}; retrying"),
                },
                Err(e) => tracing::warn!("cannot connect to LISTEN for changes: {e}; retrying"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        };
        let _ = listening.send(());
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    if let Some(endpoint) = Endpoint::ALL.into_iter().find(|e| e.name() == notification.payload()) {
                        let _ = self.changes.send(endpoint);
                    }
                }
                // The connection was lost and is re-established by the next call: anything may have changed.
                Ok(None) => {
                    for endpoint in Endpoint::ALL {
                        let _ = self.changes.send(endpoint);
                    }
                }
                Err(e) => {
                    tracing::warn!("change notifications: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    // ---- reads for GET ----

    /// The current answer of `endpoint`, rendered at most once per revision.
    pub async fn rendered(&self, endpoint: Endpoint) -> Result<Arc<Rendered>, Failure> {
        let cache = &self.caches[index(endpoint)];
        let cached = cache.current.read().expect("cache lock").clone();
        if let Some((rendered, checked)) = &cached
            && checked.elapsed() < REVISION_RECHECK
        {
            return Ok(rendered.clone());
        }
        let revision = self.revision(endpoint).await?;
        if let Some((rendered, _)) = cached
            && rendered.revision == revision
        {
            let mut current = cache.current.write().expect("cache lock");
            if current.as_ref().is_some_and(|(r, _)| Arc::ptr_eq(r, &rendered)) {
                *current = Some((rendered.clone(), Instant::now()));
            }
            return Ok(rendered);
        }
        // One render per endpoint at a time; the others wait for it instead of rendering too.
        let _rendering = cache.rebuild.lock().await;
        if let Some((rendered, _)) = cache.current.read().expect("cache lock").as_ref()
            && rendered.revision >= revision
        {
            return Ok(rendered.clone());
        }
        let writes_before = cache.local_writes.load(Ordering::SeqCst);
        let revision = self.revision(endpoint).await?;
        let body = self.render(endpoint).await?.map(Bytes::from);
        let digest = Sha256::digest(body.as_deref().unwrap_or_default());
        let gzipped = body.as_deref().map(gzip).transpose()?.map(Bytes::from);
        let rendered = Arc::new(Rendered {
            revision,
            etag: format!("W/\"{}\"", hex::encode(&digest[..16])),
            body,
            gzipped,
        });
        // A local write that committed while rendering may or may not be in this body: recheck next time.
        let checked = if cache.local_writes.load(Ordering::SeqCst) == writes_before {
            Instant::now()
        } else {
            Instant::now() - REVISION_RECHECK
        };
        *cache.current.write().expect("cache lock") = Some((rendered.clone(), checked));
        Ok(rendered)
    }

    async fn revision(&self, endpoint: Endpoint) -> Result<i64, Failure> {
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM revisions WHERE endpoint = $1")
            .bind(endpoint.name())
            .fetch_one(&self.pool)
            .await?;
        Ok(revision)
    }

    async fn bodies(&self, sql: &str) -> Result<Vec<String>, Failure> {
        Ok(sqlx::query_scalar(sql).fetch_all(&self.pool).await?)
    }

    async fn document(&self, name: &str) -> Result<Option<String>, Failure> {
        Ok(sqlx::query_scalar("SELECT body FROM documents WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn render(&self, endpoint: Endpoint) -> Result<Option<String>, Failure> {
        Ok(match endpoint {
            Endpoint::Event => self.document("event").await?,
            Endpoint::Schedule => {
                let sessions = self
                    .bodies(&format!("SELECT body FROM sessions ORDER BY start_unix, {}", self.bytewise("id")))
                    .await?;
                Some(format!("{{\"version\":1,\"sessions\":[{}]}}", sessions.join(",")))
            }
            Endpoint::Messages => {
                // Kiosks need what shows now or later; ended ones stay a little for clocks that lag.
                let since = Utc::now().timestamp() - SERVED_AFTER_EXPIRY_S;
                let messages: Vec<String> = sqlx::query_scalar(&format!(
                    "SELECT body FROM messages WHERE expires_unix > $1 ORDER BY starts_unix, {}",
                    self.bytewise("id")
                ))
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                Some(format!("{{\"version\":1,\"messages\":[{}]}}", messages.join(",")))
            }
            Endpoint::Draw => {
                let prizes = self
                    .bodies(&format!("SELECT body FROM prizes ORDER BY draw_order, {}", self.bytewise("id")))
                    .await?;
                let tickets = self.tickets().await?;
                Some(format!(
                    "{{\"version\":1,\"prizes\":[{}],\"tickets\":{}}}",
                    prizes.join(","),
                    to_json(&tickets)
                ))
            }
            // The live dice game: `None` (answered `404`, which kiosks take as "no match") until one is set up.
            Endpoint::Casino => self.render_casino().await?,
            Endpoint::Game => {
                let teams = self
                    .bodies(&format!("SELECT body FROM teams ORDER BY position, {}", self.bytewise("id")))
                    .await?;
                let rounds = self.document("rounds").await?.unwrap_or_else(|| "[]".into());
                // Contract 1.1: the room's bets, counts only, so the game screen can show them.
                let bets: Vec<venue_contract::wire::RoundBets> = self.bet_rounds().await?.into_iter().map(BetRound::wire).collect();
                let bets = if bets.is_empty() {
                    String::new()
                } else {
                    format!(",\"bets\":{}", to_json(&bets))
                };
                Some(format!(
                    "{{\"version\":1,\"teams\":[{}],\"rounds\":{rounds}{bets}}}",
                    teams.join(",")
                ))
            }
        })
    }

    pub async fn tickets(&self) -> Result<Vec<Ticket>, Failure> {
        let rows: Vec<(i64, String, String, String)> =
            sqlx::query_as("SELECT number, display_name, holder, ticket_groups FROM tickets ORDER BY number")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(number, display_name, holder, groups)| {
                let number = u32::try_from(number).map_err(|_| Failure::internal(format!("stored ticket number {number}")))?;
                Ok(Ticket {
                    number,
                    display_name,
                    holder,
                    groups: split_groups(&groups),
                })
            })
            .collect()
    }

    pub async fn event(&self) -> Result<Option<EventInfo>, Failure> {
        self.document("event").await?.map(|body| from_stored("event", &body)).transpose()
    }

    pub async fn prizes(&self) -> Result<Vec<Prize>, Failure> {
        let bodies = self
            .bodies(&format!("SELECT body FROM prizes ORDER BY draw_order, {}", self.bytewise("id")))
            .await?;
        bodies.iter().map(|b| from_stored("prize", b)).collect()
    }

    pub async fn teams(&self) -> Result<Vec<Team>, Failure> {
        let bodies = self
            .bodies(&format!("SELECT body FROM teams ORDER BY position, {}", self.bytewise("id")))
            .await?;
        bodies.iter().map(|b| from_stored("team", b)).collect()
    }

    // ---- event, schedule ----

    pub async fn put_event(&self, event: &EventInfo) -> Result<(), Failure> {
        let mut tx = self.begin(&[Endpoint::Event]).await?;
        put_document(&mut tx, "event", &to_json(event)).await?;
        self.commit(tx, &[Endpoint::Event]).await
    }

    /// Replace every session. A pretalx import also describes the event: it becomes the event when
    /// none is stored, else its rooms and tracks that the stored event lacks are added to it.
    /// Replace every session (and, for an import, bring the event's time zone, rooms and tracks in
    /// line with it). Never replaces a non-empty schedule with an empty one: that is
    /// [`Store::clear_schedule`], a separate action (`409 empty_schedule` otherwise).
    pub async fn replace_schedule(&self, schedule: &Schedule, imported_event: Option<&EventInfo>) -> Result<(), Failure> {
        let endpoints: &[Endpoint] = if imported_event.is_some() {
            &[Endpoint::Schedule, Endpoint::Event]
        } else {
            &[Endpoint::Schedule]
        };
        let mut tx = self.begin(endpoints).await?;
        if schedule.sessions.is_empty() {
            let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&mut *tx).await?;
            if stored > 0 {
                return Err(empty_schedule_refused(stored));
            }
        }
        sqlx::query("DELETE FROM sessions").execute(&mut *tx).await?;
        for session in &schedule.sessions {
            insert_session(&mut tx, session).await?;
        }
        if let Some(imported) = imported_event {
            let stored: Option<String> = sqlx::query_scalar("SELECT body FROM documents WHERE name = 'event'")
                .fetch_optional(&mut *tx)
                .await?;
            let event = match stored {
                None => imported.clone(),
                Some(body) => {
                    let event: EventInfo = from_stored("event", &body)?;
                    let merged = merge_imported_event(event.clone(), imported);
                    if merged != event {
                        tracing::info!(
                            time_zone = %merged.time_zone,
                            rooms = merged.rooms.len(),
                            tracks = merged.tracks.len(),
                            "schedule import: the event's time zone, rooms and tracks follow the import"
                        );
                    }
                    merged
                }
            };
            input::check_event(&event)?;
            put_document(&mut tx, "event", &to_json(&event)).await?;
        }
        self.commit(tx, endpoints).await
    }

    /// Remove every session: the explicit clear (`DELETE /api/v1/admin/schedule`). Returns how many.
    pub async fn clear_schedule(&self) -> Result<u64, Failure> {
        let mut tx = self.begin(&[Endpoint::Schedule]).await?;
        let removed = sqlx::query("DELETE FROM sessions").execute(&mut *tx).await?.rows_affected();
        self.commit(tx, &[Endpoint::Schedule]).await?;
        Ok(removed)
    }

    pub async fn add_session(&self, session: &Session) -> Result<(), Failure> {
        let mut tx = self.begin(&[Endpoint::Schedule]).await?;
        let inserted = sqlx::query("INSERT INTO sessions (id, start_unix, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(&session.id)
            .bind(session.start.timestamp())
            .bind(to_json(session))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 0 {
            return Err(Failure::already_exists(format!("session `{}` already exists", session.id)));
        }
        check_total(&mut tx, "SELECT COUNT(*) FROM sessions", "sessions", input::MAX_SESSIONS).await?;
        self.commit(tx, &[Endpoint::Schedule]).await
    }

    /// Change one session with `change` (which also checks the result); `not_found` if it is missing.
    pub async fn update_session(&self, id: &str, change: impl FnOnce(Session) -> Result<Session, Failure>) -> Result<Session, Failure> {
        let mut tx = self.begin(&[Endpoint::Schedule]).await?;
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let body = body.ok_or_else(|| Failure::not_found(format!("no session `{id}`")))?;
        let session = change(from_stored("session", &body)?)?;
        sqlx::query("UPDATE sessions SET start_unix = $1, body = $2 WHERE id = $3")
            .bind(session.start.timestamp())
            .bind(to_json(&session))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Endpoint::Schedule]).await?;
        Ok(session)
    }

    pub async fn delete_session(&self, id: &str) -> Result<(), Failure> {
        self.delete(Endpoint::Schedule, "DELETE FROM sessions WHERE id = $1", id, "session")
            .await
    }

    async fn delete(&self, endpoint: Endpoint, sql: &'static str, id: &str, what: &str) -> Result<(), Failure> {
        let mut tx = self.begin(&[endpoint]).await?;
        let deleted = sqlx::query(sql).bind(id).execute(&mut *tx).await?.rows_affected();
        if deleted == 0 {
            return Err(Failure::not_found(format!("no {what} `{id}`")));
        }
        self.commit(tx, &[endpoint]).await
    }

    // ---- draw: prizes and tickets ----

    /// Insert or replace a prize; `true` if it is new.
    pub async fn upsert_prize(&self, prize: &Prize) -> Result<bool, Failure> {
        let mut tx = self.begin(&[Endpoint::Draw]).await?;
        let existed = count(&mut tx, "SELECT COUNT(*) FROM prizes WHERE id = $1", &prize.id).await? > 0;
        sqlx::query(
            "INSERT INTO prizes (id, draw_order, body) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET draw_order = excluded.draw_order, body = excluded.body",
        )
        .bind(&prize.id)
        .bind(i64::from(prize.order))
        .bind(to_json(prize))
        .execute(&mut *tx)
        .await?;
        check_total(&mut tx, "SELECT COUNT(*) FROM prizes", "prizes", input::MAX_PRIZES).await?;
        self.commit(tx, &[Endpoint::Draw]).await?;
        Ok(!existed)
    }

    pub async fn delete_prize(&self, id: &str) -> Result<(), Failure> {
        self.delete(Endpoint::Draw, "DELETE FROM prizes WHERE id = $1", id, "prize").await
    }

    /// Insert or replace tickets by number, all or none.
    pub async fn upsert_tickets(&self, tickets: &[Ticket]) -> Result<(), Failure> {
        let mut tx = self.begin(&[Endpoint::Draw]).await?;
        for chunk in tickets.chunks(TICKETS_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4))
                .collect();
            let sql = format!(
                "INSERT INTO tickets (number, display_name, holder, ticket_groups) VALUES {}
                 ON CONFLICT (number) DO UPDATE SET display_name = excluded.display_name, holder = excluded.holder,
                 ticket_groups = excluded.ticket_groups",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for ticket in chunk {
                query = query
                    .bind(i64::from(ticket.number))
                    .bind(&ticket.display_name)
                    .bind(&ticket.holder)
                    .bind(ticket.groups.join(","));
            }
            query.execute(&mut *tx).await?;
        }
        check_total(&mut tx, "SELECT COUNT(*) FROM tickets", "tickets", input::MAX_TICKETS).await?;
        self.commit(tx, &[Endpoint::Draw]).await
    }

    pub async fn delete_ticket(&self, number: u32) -> Result<(), Failure> {
        let mut tx = self.begin(&[Endpoint::Draw]).await?;
        let deleted = sqlx::query("DELETE FROM tickets WHERE number = $1")
            .bind(i64::from(number))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(Failure::not_found(format!("no ticket {number}")));
        }
        self.commit(tx, &[Endpoint::Draw]).await
    }

    // ---- game: teams and rounds ----

    /// Insert or replace a team (a new one goes last); `true` if it is new.
    pub async fn upsert_team(&self, team: &Team) -> Result<bool, Failure> {
        let mut tx = self.begin(&[Endpoint::Game]).await?;
        let existed = count(&mut tx, "SELECT COUNT(*) FROM teams WHERE id = $1", &team.id).await? > 0;
        let sql = if existed {
            "UPDATE teams SET body = $2 WHERE id = $1"
        } else {
            "INSERT INTO teams (id, position, body) VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM teams), $2)"
        };
        sqlx::query(sql).bind(&team.id).bind(to_json(team)).execute(&mut *tx).await?;
        check_total(&mut tx, "SELECT COUNT(*) FROM teams", "teams", input::MAX_TEAMS).await?;
        self.commit(tx, &[Endpoint::Game]).await?;
        Ok(!existed)
    }

    pub async fn delete_team(&self, id: &str) -> Result<(), Failure> {
        self.delete(Endpoint::Game, "DELETE FROM teams WHERE id = $1", id, "team").await
    }

    pub async fn put_rounds(&self, rounds: &[Round]) -> Result<(), Failure> {
        let mut tx = self.begin(&[Endpoint::Game]).await?;
        put_document(&mut tx, "rounds", &to_json(&rounds)).await?;
        self.commit(tx, &[Endpoint::Game]).await
    }

    // ---- results ----

    /// Registers a kiosk's seed commitment before its draw, once: the first registration picks
    /// the random nonce and the time; registering it again (a retry, another instance) answers
    /// the stored ones. `true` when this call stored it.
    pub async fn register_commitment(&self, commitment: &DrawCommitment) -> Result<(DrawAnchor, bool), Failure> {
        let key = commitment.seed_commitment.to_ascii_lowercase();
        let nonce = hex::encode(rand::random::<[u8; 32]>());
        let inserted = sqlx::query(
            "INSERT INTO draw_commitments (seed_commitment, server_nonce, registered_at, prize_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(&key)
        .bind(&nonce)
        .bind(now_text())
        .bind(commitment.prize_id.as_deref())
        .execute(&self.pool)
        .await?
        .rows_affected();
        let anchor = self
            .commitment(&key)
            .await?
            .ok_or_else(|| Failure::internal("a registered commitment is gone"))?;
        Ok((anchor, inserted == 1))
    }

    /// When each registered seed commitment was registered (commitment → RFC 3339 time), for the
    /// export: a result not anchored shows whether its commitment came before or after the draw.
    pub async fn commitment_times(&self) -> Result<HashMap<String, String>, Failure> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT seed_commitment, registered_at FROM draw_commitments")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// The registration of a seed commitment, if the server holds one.
    pub async fn commitment(&self, seed_commitment: &str) -> Result<Option<DrawAnchor>, Failure> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT server_nonce, registered_at FROM draw_commitments WHERE seed_commitment = $1")
                .bind(seed_commitment.to_ascii_lowercase())
                .fetch_optional(&self.pool)
                .await?;
        let Some((server_nonce, registered_at)) = row else {
            return Ok(None);
        };
        let registered_at = chrono::DateTime::parse_from_rfc3339(&registered_at)
            .map_err(|e| Failure::internal(format!("stored registration time {registered_at}: {e}")))?;
        Ok(Some(DrawAnchor {
            version: venue_contract::wire::CONTRACT_VERSION,
            seed_commitment: seed_commitment.to_ascii_lowercase(),
            server_nonce,
            registered_at,
        }))
    }

    /// Store a draw result exactly once per key and per (prize, batch). `body` is the posted JSON
    /// value, kept as posted so a retry compares equal.
    pub async fn record_draw(&self, key: &str, result: &DrawResult, body: &serde_json::Value) -> Result<ResultOutcome, Failure> {
        if let Some(stored) = self.draw_body(key).await? {
            return compare(&stored, body); // a retry: whatever came since, it is judged as it was
        }
        // Anchoring: the server must have held the commitment before the draw. An anchored result
        // proves it with the nonce (the kiosk could not know it before registering); one that says
        // it is not anchored needs the registration too (made when the server came back), and is
        // flagged wherever it is shown. Immutable rows, so the check holds across instances.
        let held = self
            .commitment(&result.seed_commitment)
            .await?
            .ok_or_else(|| Failure::unregistered_commitment(&result.seed_commitment))?;
        if let Some(nonce) = &result.server_nonce {
            venue_rules::draw::anchor::check_anchored_result(&result.seed, &result.seed_commitment, nonce, &held.server_nonce)
                .map_err(Failure::invalid_anchor)?;
        }
        // The prize's record so far decides whether this result may join it (a replacement must
        // replace a current winner; no batch beyond the prize's winners). Read before the write:
        // (prize, batch) stays unique whatever races, which is what the kiosk's numbering relies
        // on; two different batches racing past this check is a kiosk fault the export shows.
        let earlier: Vec<String> = sqlx::query_scalar("SELECT body FROM draw_results WHERE prize_id = $1")
            .bind(&result.prize_id)
            .fetch_all(&self.pool)
            .await?;
        let earlier: Vec<DrawResult> = earlier.iter().map(|b| from_stored("draw result", b)).collect::<Result<_, _>>()?;
        let outcome = draw_outcome(earlier.iter().filter(|r| r.batch != result.batch));
        let winner_count = self
            .prizes()
            .await?
            .into_iter()
            .find(|p| p.id == result.prize_id)
            .map(|p| p.winner_count);
        if earlier.iter().all(|r| r.batch != result.batch) {
            venue_rules::draw::outcome::check_replacement(&outcome, &result_line(result), winner_count).map_err(Failure::refused_result)?;
        }
        // The write comes first in its transaction, so SQLite takes its lock at once.
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO draw_results (idempotency_key, prize_id, batch_number, body, received_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(&result.prize_id)
        .bind(i64::from(result.batch))
        .bind(body.to_string())
        .bind(now_text())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            // Who won, as the pool says at this instant: a later ticket upload cannot change it.
            for (position, number) in result.winners.iter().enumerate() {
                let ticket: Option<(String, String)> = sqlx::query_as("SELECT display_name, holder FROM tickets WHERE number = $1")
                    .bind(i64::from(*number))
                    .fetch_optional(&mut *tx)
                    .await?;
                let (display_name, holder) = ticket.unwrap_or_default();
                sqlx::query(
                    "INSERT INTO draw_winners (idempotency_key, position, ticket, display_name, holder) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(key)
                .bind(position as i64)
                .bind(i64::from(*number))
                .bind(display_name)
                .bind(holder)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            return Ok(ResultOutcome::Stored(body.clone()));
        }
        tx.rollback().await?;
        // Rows are never deleted, so the one that conflicted is there to read.
        let stored = match self.draw_body(key).await? {
            Some(stored) => stored,
            None => {
                sqlx::query_scalar("SELECT body FROM draw_results WHERE prize_id = $1 AND batch_number = $2")
                    .bind(&result.prize_id)
                    .bind(i64::from(result.batch))
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        compare(&stored, body)
    }

    async fn draw_body(&self, key: &str) -> Result<Option<String>, Failure> {
        Ok(sqlx::query_scalar("SELECT body FROM draw_results WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Each stored draw result's winners as they were when it was stored: (key, position) →
    /// (ticket, masked name, holder). Results stored before this was kept are missing.
    pub async fn draw_winners(&self) -> Result<HashMap<String, Vec<(u32, String, String)>>, Failure> {
        let rows: Vec<(String, i64, String, String)> =
            sqlx::query_as("SELECT idempotency_key, ticket, display_name, holder FROM draw_winners ORDER BY idempotency_key, position")
                .fetch_all(&self.pool)
                .await?;
        let mut winners: HashMap<String, Vec<(u32, String, String)>> = HashMap::new();
        for (key, ticket, name, holder) in rows {
            let ticket = u32::try_from(ticket).map_err(|_| Failure::internal(format!("stored ticket number {ticket}")))?;
            winners.entry(key).or_default().push((ticket, name, holder));
        }
        Ok(winners)
    }

    /// Store a game result exactly once per key and per (game, round).
    pub async fn record_game(&self, key: &str, result: &GameResult, body: &serde_json::Value) -> Result<ResultOutcome, Failure> {
        let inserted = sqlx::query(
            "INSERT INTO game_results (idempotency_key, game_id, round_index, body, received_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(&result.game_id)
        .bind(i64::from(result.round))
        .bind(body.to_string())
        .bind(now_text())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(ResultOutcome::Stored(body.clone()));
        }
        let by_key: Option<String> = sqlx::query_scalar("SELECT body FROM game_results WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        let stored = match by_key {
            Some(stored) => stored,
            None => {
                sqlx::query_scalar("SELECT body FROM game_results WHERE game_id = $1 AND round_index = $2")
                    .bind(&result.game_id)
                    .bind(i64::from(result.round))
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        compare(&stored, body)
    }

    pub async fn draw_results(&self) -> Result<Vec<StoredResult<DrawResult>>, Failure> {
        self.results(&format!(
            "SELECT idempotency_key, received_at, body FROM draw_results ORDER BY {}, batch_number",
            self.bytewise("prize_id")
        ))
        .await
    }

    pub async fn game_results(&self) -> Result<Vec<StoredResult<GameResult>>, Failure> {
        self.results(&format!(
            "SELECT idempotency_key, received_at, body FROM game_results ORDER BY {}, round_index",
            self.bytewise("game_id")
        ))
        .await
    }

    async fn results<T: DeserializeOwned>(&self, sql: &str) -> Result<Vec<StoredResult<T>>, Failure> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|(idempotency_key, received_at, body)| {
                Ok(StoredResult {
                    idempotency_key,
                    received_at,
                    result: from_stored("result", &body)?,
                })
            })
            .collect()
    }

    // ---- settings ----

    pub async fn admin_token_hash(&self) -> Result<Option<String>, Failure> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(ADMIN_TOKEN_SETTING)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_admin_token_hash(&self, hash: &str) -> Result<(), Failure> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
            .bind(ADMIN_TOKEN_SETTING)
            .bind(hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- sample ----

    /// Fill an empty database with the embedded sample event, in one transaction; `false` if the
    /// database already holds event data.
    pub async fn seed_sample_if_empty(&self) -> anyhow::Result<bool> {
        let mut tx = self.begin(&Endpoint::ALL).await?;
        let held: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM documents) + (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM messages)
                  + (SELECT COUNT(*) FROM prizes) + (SELECT COUNT(*) FROM tickets) + (SELECT COUNT(*) FROM teams)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if held > 0 {
            return Ok(false); // dropping the transaction rolls the revision bumps back
        }
        for endpoint in Endpoint::ALL {
            let payload = decode(endpoint, sample::body(endpoint)).map_err(|e| anyhow::anyhow!("embedded sample {endpoint}: {e}"))?;
            match payload {
                FeedPayload::Event(event) => put_document(&mut tx, "event", &to_json(&event)).await?,
                FeedPayload::Schedule { schedule, .. } => {
                    for session in &schedule.sessions {
                        insert_session(&mut tx, session).await?;
                    }
                }
                FeedPayload::Messages(messages) => {
                    for message in &messages.messages {
                        sqlx::query("INSERT INTO messages (id, starts_unix, expires_unix, body) VALUES ($1, $2, $3, $4)")
                            .bind(&message.id)
                            .bind(message.starts.timestamp())
                            .bind(message.expires.timestamp())
                            .bind(to_json(message))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                FeedPayload::Draw(draw) => {
                    for prize in &draw.prizes {
                        sqlx::query("INSERT INTO prizes (id, draw_order, body) VALUES ($1, $2, $3)")
                            .bind(&prize.id)
                            .bind(i64::from(prize.order))
                            .bind(to_json(prize))
                            .execute(&mut *tx)
                            .await?;
                    }
                    for ticket in &draw.tickets {
                        sqlx::query("INSERT INTO tickets (number, display_name, holder, ticket_groups) VALUES ($1, $2, $3, $4)")
                            .bind(i64::from(ticket.number))
                            .bind(&ticket.display_name)
                            .bind(&ticket.holder)
                            .bind(ticket.groups.join(","))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                FeedPayload::Game(game) => {
                    for (position, team) in game.teams.iter().enumerate() {
                        sqlx::query("INSERT INTO teams (id, position, body) VALUES ($1, $2, $3)")
                            .bind(&team.id)
                            .bind(position as i64 + 1)
                            .bind(to_json(team))
                            .execute(&mut *tx)
                            .await?;
                    }
                    put_document(&mut tx, "rounds", &to_json(&game.rounds)).await?;
                }
                // No dice match until the organisers set one up.
                FeedPayload::Casino(_) => {}
            }
        }
        self.commit(tx, &Endpoint::ALL).await?;
        Ok(true)
    }
}

/// A stored or posted result as the prize-outcome rule reads it.
pub fn result_line(result: &DrawResult) -> venue_rules::draw::outcome::ResultLine<'_> {
    venue_rules::draw::outcome::ResultLine {
        batch: result.batch,
        winners: &result.winners,
        replaces: result.replaces,
        reason: result.reason.as_deref(),
    }
}

/// Who holds a prize now, from its stored results.
pub fn draw_outcome<'a>(results: impl IntoIterator<Item = &'a DrawResult>) -> venue_rules::draw::outcome::PrizeOutcome {
    venue_rules::draw::outcome::prize_outcome(results.into_iter().map(result_line))
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, Failure> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::default());
    encoder.write_all(bytes).map_err(Failure::internal)?;
    encoder.finish().map_err(Failure::internal)
}

fn compare(stored: &str, posted: &serde_json::Value) -> Result<ResultOutcome, Failure> {
    let stored: serde_json::Value = from_stored("result", stored)?;
    Ok(if &stored == posted {
        ResultOutcome::Repeated(stored)
    } else {
        ResultOutcome::Conflict(stored)
    })
}

/// The answer to an upload that would replace `stored` sessions with none.
pub fn empty_schedule_refused(stored: i64) -> Failure {
    Failure::new(
        axum::http::StatusCode::CONFLICT,
        "empty_schedule",
        format!(
            "the upload holds no session; the stored schedule ({stored} sessions) is kept. \
             To clear the schedule on purpose: DELETE /api/v1/admin/schedule"
        ),
    )
}

/// An imported export describes the event's time zone, rooms and tracks: the stored event takes the
/// import's time zone, the names and colours of rooms and tracks it names (by id), and the ones it
/// lacks. Rooms and tracks the import does not name are kept (a door screen or a hand-added session
/// may name them); its name, id, dates and venue stay the organisers'.
pub fn merge_imported_event(mut event: EventInfo, imported: &EventInfo) -> EventInfo {
    event.time_zone = imported.time_zone.clone();
    for track in &imported.tracks {
        match event.tracks.iter_mut().find(|t| t.id == track.id) {
            Some(known) => {
                known.name = track.name.clone();
                known.color = track.color.clone();
            }
            None => event.tracks.push(track.clone()),
        }
    }
    for room in &imported.rooms {
        match event.rooms.iter_mut().find(|r| r.id == room.id) {
            Some(known) => known.name = room.name.clone(),
            None => event.rooms.push(room.clone()),
        }
    }
    event
}

async fn put_document(conn: &mut AnyConnection, name: &str, body: &str) -> Result<(), Failure> {
    sqlx::query("INSERT INTO documents (name, body) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET body = excluded.body")
        .bind(name)
        .bind(body)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_session(conn: &mut AnyConnection, session: &Session) -> Result<(), Failure> {
    sqlx::query("INSERT INTO sessions (id, start_unix, body) VALUES ($1, $2, $3)")
        .bind(&session.id)
        .bind(session.start.timestamp())
        .bind(to_json(session))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn count(conn: &mut AnyConnection, sql: &'static str, id: &str) -> Result<i64, Failure> {
    Ok(sqlx::query_scalar(sql).bind(id).fetch_one(&mut *conn).await?)
}

/// Refuse a write (its transaction is dropped, so rolled back) that would grow a table past `max`.
async fn check_total(conn: &mut AnyConnection, sql: &'static str, what: &str, max: usize) -> Result<(), Failure> {
    let total: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await?;
    if total > max as i64 {
        return Err(Failure::invalid_body(format!("this would make {total} {what}; the limit is {max}")));
    }
    Ok(())
}

/// Apply the missing [`MIGRATIONS`](migrations::MIGRATIONS). Safe when several server instances
/// start at once on one PostgreSQL: each migration's first statement claims its version row, and a
/// second instance waits on that row and then skips the migration.
async fn migrate(pool: &AnyPool) -> anyhow::Result<()> {
    let create = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
    if let Err(first) = sqlx::query(create).execute(pool).await {
        // Two instances creating the table at the same instant: one of them loses; the table is there.
        tokio::time::sleep(Duration::from_millis(200)).await;
        sqlx::query(create).execute(pool).await.context(first)?;
    }
    for (version, name, statements) in migrations::MIGRATIONS {
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(version)
            .bind(name)
            .bind(now_text())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 0 {
            continue;
        }
        for statement in *statements {
            sqlx::query(statement)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("migration {version} ({name})"))?;
        }
        tx.commit().await?;
        tracing::info!(version, name, "applied database migration");
    }
    Ok(())
}

/// For messages and logs: the database behind `url` without its password.
pub fn describe_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// The SQLite file behind a `sqlite:` URL (undoing [`database_url`]'s escapes).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path.replace("%3F", "?").replace("%23", "#").replace("%25", "%")))
}

/// A ticket's stored groups (`staff,speaker`, '' for none) as the contract's list.
fn split_groups(stored: &str) -> Vec<String> {
    stored.split(',').filter(|g| !g.is_empty()).map(str::to_owned).collect()
}
