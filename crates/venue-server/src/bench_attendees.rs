//! `bench-server --attendees N`: N attendees check in at the entrance, spread over `--seconds`, while
//! each one's handbook page refreshes every `--seconds / 20` — the real show's 10 minutes and 30 s
//! at `--seconds 600`, proportionally faster below. Server and clients on this machine (loopback);
//! afterwards the database is counted: every attendee must hold exactly one ticket.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::header::COOKIE;

use super::attendees::{AttendeeKeys, Person};
use super::auth::{generate_token, token_hash};
use super::db::{AttendeeRow, Store};
use super::{LoadBenchArgs, ServerConfig, db, spawn};

#[derive(Debug, Clone)]
pub struct AttendeeReport {
    pub attendees: usize,
    pub elapsed: Duration,
    pub checkins: usize,
    pub checkin_p50: Duration,
    pub checkin_p99: Duration,
    pub pages: usize,
    pub page_p50: Duration,
    pub page_p99: Duration,
    pub failures: usize,
    /// Attendees holding exactly one ticket afterwards (must equal `attendees`).
    pub one_ticket_each: usize,
    /// Grants recorded (must equal `attendees`).
    pub grants: usize,
    /// The server's database.
    pub backend: &'static str,
}

impl fmt::Display for AttendeeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let requests = self.checkins + self.pages;
        write!(
            f,
            "attendees ({}): {} over {:.1} s: {} requests ({:.0}/s); check-in p50 {:.1} ms p99 {:.1} ms ({}); handbook page p50 {:.1} ms p99 {:.1} ms ({}); {} failures; {} of {} hold exactly one ticket, {} grants",
            self.backend,
            self.attendees,
            self.elapsed.as_secs_f64(),
            requests,
            requests as f64 / self.elapsed.as_secs_f64(),
            ms(self.checkin_p50),
            ms(self.checkin_p99),
            self.checkins,
            ms(self.page_p50),
            ms(self.page_p99),
            self.pages,
            self.failures,
            self.one_ticket_each,
            self.attendees,
            self.grants,
        )
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Import `n` attendees and sign a staff browser in, straight through the store.
async fn prepare(store: &Store, keys: &AttendeeKeys, n: usize) -> anyhow::Result<(Vec<(String, String)>, String, String)> {
    let mut rows = Vec::with_capacity(n);
    let mut people = Vec::with_capacity(n);
    for i in 0..n {
        let person = Person {
            external_id: format!("BENCH-{i}"),
            name: format!("Attendee {i}"),
            ..Person::default()
        };
        let code = keys.link_code(&person.external_id);
        let badge = super::attendees::normalize_badge_code(&AttendeeKeys::badge_code(&code));
        rows.push((
            AttendeeRow {
                id: keys.attendee_id(&person.external_id),
                holder: keys.holder(&person.external_id),
                display_name: venue_rules::attend::mask_name(&person.name),
                sealed: keys.seal_person(&person),
            },
            token_hash(&code),
            token_hash(&badge),
        ));
        people.push((code, keys.holder(&person.external_id)));
    }
    for chunk in rows.chunks(500) {
        store.upsert_attendees(chunk).await.map_err(|f| anyhow::anyhow!(f.message))?;
    }
    let session = generate_token();
    let csrf = generate_token();
    store
        .add_console_session(&token_hash(&session), &csrf, chrono::Utc::now().timestamp() + 3600, "staff")
        .await
        .map_err(|f| anyhow::anyhow!(f.message))?;
    Ok((people, format!("vk_console={session}"), csrf))
}

pub async fn run_attendees(
    base: &str,
    store: Arc<Store>,
    keys: &AttendeeKeys,
    n: usize,
    duration: Duration,
) -> anyhow::Result<AttendeeReport> {
    let (people, cookie, csrf) = prepare(&store, keys, n).await?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()?;
    let refresh = duration / 20;
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (code, _)) in people.iter().enumerate() {
        // The check-in, at an even spread over the run.
        let (post_client, post_base, cookie, csrf, code) = (client.clone(), base.to_string(), cookie.clone(), csrf.clone(), code.clone());
        let at = duration.mul_f64(i as f64 / n as f64);
        tasks.spawn(async move {
            tokio::time::sleep_until((started + at).into()).await;
            let sent = Instant::now();
            let answer = post_client
                .post(format!("{post_base}/h/{code}/check-in"))
                .header(COOKIE, cookie)
                .form(&[("csrf", csrf.as_str()), ("place", "entrance")])
                .send()
                .await;
            let ok = answer.is_ok_and(|a| a.status() == reqwest::StatusCode::SEE_OTHER);
            (true, vec![(ok, sent.elapsed())])
        });
        // The attendee's phone: the handbook page every `refresh`, from a random moment on.
        let (client, base, code) = (client.clone(), base.to_string(), people[i].0.clone());
        let offset = refresh.mul_f64(rand::random::<f64>());
        tasks.spawn(async move {
            let mut samples = Vec::new();
            let mut next = started + offset;
            while next < deadline {
                tokio::time::sleep_until(next.into()).await;
                let sent = Instant::now();
                let answer = client.get(format!("{base}/h/{code}")).send().await;
                let ok = match answer {
                    Ok(answer) if answer.status().is_success() => answer.bytes().await.is_ok(),
                    _ => false,
                };
                samples.push((ok, sent.elapsed()));
                next += refresh;
            }
            (false, samples)
        });
    }
    let (mut checkins, mut pages, mut failures) = (Vec::new(), Vec::new(), 0);
    while let Some(joined) = tasks.join_next().await {
        let (is_checkin, samples) = joined.context("a bench task failed")?;
        for (ok, latency) in samples {
            if !ok {
                failures += 1;
            }
            if is_checkin { &mut checkins } else { &mut pages }.push(latency);
        }
    }
    let elapsed = started.elapsed();
    checkins.sort();
    pages.sort();
    // Counted in the database, not from the answers.
    let mut one_ticket_each = 0;
    let mut grants = 0;
    for (id_and_holder, row) in people.iter().zip(store.attendees().await.map_err(|f| anyhow::anyhow!(f.message))?) {
        if store
            .tickets_of(&id_and_holder.1)
            .await
            .map_err(|f| anyhow::anyhow!(f.message))?
            .len()
            == 1
        {
            one_ticket_each += 1;
        }
        grants += store.grants_of(&row.id).await.map_err(|f| anyhow::anyhow!(f.message))?.len();
    }
    Ok(AttendeeReport {
        attendees: n,
        elapsed,
        checkins: checkins.len(),
        checkin_p50: percentile(&checkins, 0.5),
        checkin_p99: percentile(&checkins, 0.99),
        pages: pages.len(),
        page_p50: percentile(&pages, 0.5),
        page_p99: percentile(&pages, 0.99),
        failures,
        one_ticket_each,
        grants,
        backend: store.backend_name(),
    })
}

/// A server with the sample event on a temporary SQLite file in its own runtime, the clients in another.
pub fn run_attendee_bench(args: &LoadBenchArgs, attendees: u32) -> anyhow::Result<AttendeeReport> {
    let clients = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = std::env::temp_dir().join(format!("venue-kiosk-attendee-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let server_runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let scratch = match &args.postgres {
        Some(admin) => Some(server_runtime.block_on(ScratchDatabase::create(admin))?),
        None => None,
    };
    let db_url = match &scratch {
        Some(scratch) => scratch.url.clone(),
        None => db::database_url(dir.join("bench.sqlite").to_str().context("temporary directory is not UTF-8")?),
    };
    let key_file = dir.join("attendee.key");
    let report = (|| {
        let server = server_runtime.block_on(spawn(ServerConfig {
            seed_sample: true,
            attendee_key: Some(key_file.clone()),
            ..ServerConfig::new(db_url)
        }))?;
        let keys = AttendeeKeys::load_or_create(&key_file)?;
        let report = clients.block_on(run_attendees(
            &server.base_url(),
            server.store.clone(),
            &keys,
            attendees as usize,
            Duration::from_secs(args.seconds),
        ));
        server_runtime.block_on(server.shutdown())?;
        report
    })();
    if let Some(scratch) = scratch {
        server_runtime.block_on(scratch.drop_it())?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    report
}

/// A database of its own on the given PostgreSQL server for one bench run.
struct ScratchDatabase {
    admin: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    async fn create(admin: &str) -> anyhow::Result<ScratchDatabase> {
        let name = format!("vk_bench_{}_{}", std::process::id(), hex::encode(rand::random::<[u8; 4]>()));
        Self::admin_statement(admin, &format!("CREATE DATABASE {name}")).await?;
        let mut url = url::Url::parse(admin).context("--postgres is not a URL")?;
        url.set_path(&format!("/{name}"));
        Ok(ScratchDatabase {
            admin: admin.to_string(),
            name,
            url: url.to_string(),
        })
    }

    async fn drop_it(self) -> anyhow::Result<()> {
        Self::admin_statement(&self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await
    }

    async fn admin_statement(admin: &str, sql: &str) -> anyhow::Result<()> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(admin).await.context("connect to --postgres")?;
        sqlx::query(sql).execute(&mut conn).await.with_context(|| sql.to_string())?;
        conn.close().await?;
        Ok(())
    }
}
