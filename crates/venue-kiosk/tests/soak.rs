//! Fault soak (issue #8): the real kiosk, under Xvfb, cycles schedule → draw → game while a chaos
//! proxy in front of the real event server switches every few seconds between healthy, slow, 500,
//! malformed JSON, truncated body, huge body, wrong content type and connection reset. The kiosk
//! draws every prize and bots play the game meanwhile, so results are posted into the chaos.
//!
//! Asserted, from the kiosk's `--status-file` (once a second) and the proxy's timeline:
//! - the process never exits;
//! - the last good state stays: sessions and messages never drop to nothing, the revision never
//!   goes back;
//! - `FeedStatus` tells the truth: online after a healthy stretch, stale/offline after a failing one;
//! - resident memory does not grow (the last third's peak against the middle third's);
//! - once the chaos ends, every journaled draw and game result is stored on the server exactly
//!   once, equal to the journal.
//!
//! CI runs it for ~100 s; `VENUE_KIOSK_SOAK_SECS=3600 bash scripts/soak` runs it for an hour.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use venue_kiosk::health::StatusReport;
use venue_server::{ServerConfig, db, spawn};

const TOKEN: &str = "soak-admin-token-5c2e-91ab";
/// Seconds each chaos mode lasts.
const SWITCH_EVERY_S: f64 = 8.0;
/// A mode must have held this long before the kiosk's status is judged against it: one poll (1 s),
/// a backoff (≤ 1 s), a request (≤ 5 s for the slow mode before), the status file's second.
const SETTLE_MS: i64 = 5_500;

fn soak_seconds() -> f64 {
    std::env::var("VENUE_KIOSK_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100.0)
}

#[derive(serde::Deserialize)]
struct ModeChange {
    at_ms: i64,
    mode: String,
}

/// The mode in force at `at_ms` and since when.
fn mode_at(timeline: &[ModeChange], at_ms: i64) -> Option<(&str, i64)> {
    timeline.iter().rev().find(|c| c.at_ms <= at_ms).map(|c| (c.mode.as_str(), c.at_ms))
}

fn read_status(path: &std::path::Path) -> Option<StatusReport> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

#[test]
fn the_kiosk_survives_a_chaotic_server_and_every_result_lands_exactly_once() {
    let soak_s = soak_seconds();
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("venue.sqlite");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(spawn(ServerConfig {
            admin_token: Some(TOKEN.into()),
            seed_sample: true,
            ..ServerConfig::new(db::database_url(db_path.to_str().unwrap()))
        }))
        .unwrap();

    let bin = env!("CARGO_BIN_EXE_venue-kiosk");
    let timeline_path = dir.path().join("timeline.jsonl");
    let port_file = dir.path().join("proxy.addr");
    let mut proxy = Command::new(bin)
        .args(["chaos-proxy", "--upstream", &server.base_url(), "--seed", "11"])
        .args([
            "--switch-every",
            &SWITCH_EVERY_S.to_string(),
            "--healthy-after",
            &soak_s.to_string(),
        ])
        .arg("--timeline")
        .arg(&timeline_path)
        .arg("--port-file")
        .arg(&port_file)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !port_file.exists() {
        assert!(Instant::now() < deadline, "the chaos proxy did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let proxy_addr = std::fs::read_to_string(&port_file).unwrap();

    let journal = dir.path().join("journal");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[feed]
source = "http://{proxy_addr}"
connect_timeout_ms = 1000
request_timeout_ms = 5000
backoff_initial_ms = 500
backoff_max_ms = 1000
offline_after_s = 30
cache_dir = "{cache}"
token_file = "{token}"
[feed.poll]
event = 1
schedule = 1
messages = 1
draw = 1
game = 1
[draw]
journal_dir = "{journal}"
"#,
            cache = dir.path().join("cache").display(),
            token = token_file.display(),
            journal = journal.display(),
        ),
    )
    .unwrap();

    let xvfb = common::Xvfb::start(960, 540);
    let status_path = dir.path().join("status.json");
    let mut kiosk = Command::new(bin)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--windowed",
            "--size",
            "960x540",
            "--mode",
            "schedule",
        ])
        .args(["--cycle-screens", "10", "--autodraw=all", "--autoplay", "--game-speed", "4"])
        .arg("--status-file")
        .arg(&status_path)
        .env("DISPLAY", &xvfb.display)
        .env("WGPU_BACKEND", "vulkan")
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(dir.path().join("kiosk.log")).unwrap()))
        .spawn()
        .unwrap();
    let log = || std::fs::read_to_string(dir.path().join("kiosk.log")).unwrap_or_default();
    let tail = |text: String| text.lines().rev().take(30).collect::<Vec<_>>().join("\n");

    // ---- the soak ----
    let started = Instant::now();
    let mut samples: Vec<StatusReport> = Vec::new();
    let mut last_at = 0;
    while started.elapsed().as_secs_f64() < soak_s {
        std::thread::sleep(Duration::from_millis(500));
        if let Some(status) = kiosk.try_wait().unwrap() {
            panic!("the kiosk exited during the soak ({status}); its log ends:\n{}", tail(log()));
        }
        assert!(proxy.try_wait().unwrap().is_none(), "the chaos proxy died");
        if let Some(report) = read_status(&status_path)
            && report.at_ms > last_at
        {
            last_at = report.at_ms;
            samples.push(report);
        }
    }
    assert!(
        samples.len() as f64 > soak_s * 0.6,
        "status snapshots: {} in {soak_s} s (is the main loop stalling?)",
        samples.len()
    );

    // Last good state: once there, the schedule and messages never vanish; the revision only grows.
    let first_full = samples
        .iter()
        .position(|s| s.sessions > 0)
        .unwrap_or_else(|| panic!("the kiosk never showed the event; last status {:?}", samples.last()));
    for pair in samples[first_full..].windows(2) {
        assert!(pair[1].sessions > 0, "the schedule vanished at {:?}", pair[1]);
        assert!(
            pair[1].messages >= pair[0].messages.min(1),
            "the messages vanished at {:?}",
            pair[1]
        );
        assert!(pair[1].feed_revision >= pair[0].feed_revision, "revision went back");
    }

    // FeedStatus tells the truth.
    let timeline: Vec<ModeChange> = std::fs::read_to_string(&timeline_path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let (mut judged_healthy, mut judged_failing) = (0, 0);
    let mut seen_modes = BTreeMap::new();
    for s in &samples {
        let Some((mode, since)) = mode_at(&timeline, s.at_ms) else {
            continue;
        };
        *seen_modes.entry(mode.to_string()).or_insert(0) += 1;
        if s.at_ms - since < SETTLE_MS {
            continue;
        }
        match mode {
            "healthy" => {
                judged_healthy += 1;
                assert_eq!(
                    s.connection,
                    "online",
                    "healthy for {} ms but the kiosk says {:?}",
                    s.at_ms - since,
                    s.feed_line
                );
            }
            "slow" => {}
            failing => {
                judged_failing += 1;
                assert!(
                    s.connection == "stale" || s.connection == "offline",
                    "{failing} for {} ms but the kiosk says {} ({})",
                    s.at_ms - since,
                    s.connection,
                    s.feed_line
                );
                assert!(s.feed_error.is_some(), "{failing}: no error named");
            }
        }
    }
    eprintln!(
        "soak: {} snapshots, modes seen {seen_modes:?}, judged {judged_healthy} healthy / {judged_failing} failing",
        samples.len()
    );
    assert!(judged_failing >= 4, "too few failing stretches judged: {judged_failing}");

    // Memory: the last third's peak against the middle third's (the first third is warm-up).
    let rss: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|s| s.rss_kib.map(|k| (s.uptime_s, k as f64 / 1024.0)))
        .collect();
    let third = rss.len() / 3;
    let peak = |part: &[(f64, f64)]| part.iter().map(|p| p.1).fold(0.0, f64::max);
    let (middle, last) = (peak(&rss[third..2 * third]), peak(&rss[2 * third..]));
    // The slope of 20-second peaks: screens come and go, so single samples swing by design.
    let peaks: Vec<(f64, f64)> = rss
        .chunk_by(|a, b| (a.0 / 20.0).floor() == (b.0 / 20.0).floor())
        .map(|w| (w[0].0, peak(w)))
        .collect();
    let slope = slope_mib_per_min(&peaks[peaks.len().min(1)..]);
    eprintln!("soak: resident memory peak middle third {middle:.0} MiB, last third {last:.0} MiB, slope {slope:+.2} MiB/min");
    assert!(
        last <= middle + 40.0,
        "memory grows: {middle:.0} → {last:.0} MiB ({slope:+.2} MiB/min)"
    );

    // ---- recovery: the chaos is over; everything held back is posted ----
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut previous: Option<(usize, usize)> = None;
    let drained = loop {
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            kiosk.try_wait().unwrap().is_none(),
            "the kiosk exited after the soak:\n{}",
            tail(log())
        );
        let Some(s) = read_status(&status_path) else { continue };
        assert!(
            Instant::now() < deadline,
            "results not drained after the chaos: {s:?}\n{}",
            tail(log())
        );
        let (Some(draw), Some(game)) = (s.draw.as_ref(), s.game.as_ref()) else {
            continue;
        };
        assert_eq!(draw.conflicts, 0, "one kiosk cannot conflict with itself: {s:?}");
        // Settled: nothing rolling, every result acknowledged, and no new result since the last look.
        let settled = matches!(draw.stage.as_str(), "Idle" | "Revealed")
            && draw.results > 0
            && draw.acknowledged == draw.results
            && game.rounds_answered >= game.rounds_played
            && s.connection == "online";
        let counts = (draw.results, game.rounds_played);
        if settled && previous == Some(counts) {
            break s;
        }
        previous = settled.then_some(counts);
    };
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    let _ = proxy.kill();
    let _ = proxy.wait();
    rt.block_on(server.shutdown()).unwrap();

    // Exactly once, equal to the journals.
    let store = rt
        .block_on(db::Store::connect(&db::database_url(db_path.to_str().unwrap())))
        .unwrap();
    let stored_draws = rt.block_on(store.draw_results()).unwrap();
    let stored_games = rt.block_on(store.game_results()).unwrap();
    let journal_draws: Vec<serde_json::Value> = jsonl(&journal.join("draw-journal.jsonl"))
        .into_iter()
        .filter(|v| v["type"] == "committed")
        .map(|v| v["record"].clone())
        .collect();
    assert_eq!(drained.draw.as_ref().unwrap().results, journal_draws.len());
    assert_eq!(stored_draws.len(), journal_draws.len(), "one stored result per journaled batch");
    for record in &journal_draws {
        let (prize, batch) = (record["prize_id"].as_str().unwrap(), record["batch"].as_u64().unwrap() as u32);
        let stored: Vec<_> = stored_draws
            .iter()
            .filter(|s| s.result.prize_id == prize && s.result.batch == batch)
            .collect();
        assert_eq!(stored.len(), 1, "{prize} batch {batch}");
        let winners: Vec<u32> = record["winners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["ticket"].as_u64().unwrap() as u32)
            .collect();
        assert_eq!(stored[0].result.winners, winners, "{prize} batch {batch}: server and journal agree");
    }
    let journal_rounds: Vec<serde_json::Value> = jsonl(&journal.join("game-journal.jsonl"))
        .into_iter()
        .filter(|v| v["type"] == "round")
        .collect();
    assert_eq!(stored_games.len(), journal_rounds.len(), "one stored result per journaled round");
    for round in &journal_rounds {
        let index = round["round"].as_u64().unwrap() as u32;
        let stored: Vec<_> = stored_games
            .iter()
            .filter(|s| s.result.game_id == round["game_id"].as_str().unwrap() && s.result.round == index)
            .collect();
        assert_eq!(stored.len(), 1, "round {index}");
    }
    let (ok, report) = common::verify_draw(&journal.join("draw-journal.jsonl"));
    assert!(ok, "verify-draw after the soak:\n{report}");
    eprintln!(
        "soak: {} draw results and {} game rounds stored exactly once after {soak_s} s of chaos",
        stored_draws.len(),
        stored_games.len()
    );
}

fn jsonl(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Least-squares slope of (seconds, MiB), in MiB per minute.
fn slope_mib_per_min(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let num: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let den: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if den == 0.0 { 0.0 } else { num / den * 60.0 }
}
