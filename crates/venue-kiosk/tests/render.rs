//! Render test: the real binary under Xvfb + lavapipe captures each screen of the sample event;
//! the PNG is decoded and checked for content and for each screen's own colours.
//! Needs `xvfb-run` and Mesa's Vulkan drivers (`.ci/run` installs them).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use image::RgbImage;
use venue_rules::draw::engine::fingerprint;

mod common;

/// One software renderer at a time: two at once only make both slow.
static RENDERER: Mutex<()> = Mutex::new(());

const RUNNING_TALKS: &str = "2026-12-03T10:30:00+09:00";

use common::{Capture as Shot, screenshot_dir};

fn fresh_dir(name: &str) -> PathBuf {
    let dir = screenshot_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn render(name: &str, args: &[&str]) -> RgbImage {
    render_at(name, (1920, 1080), args).img
}

fn render_at(name: &str, size: (u32, u32), args: &[&str]) -> Shot {
    let _guard = RENDERER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    let cache = screenshot_dir().join("cache");
    // A fresh data dir per run: the default draw journal must not leak between runs or into ~.
    let data = fresh_dir(&format!("data-{name}"));
    let shot = common::capture(name, size, 12, &args, &[("XDG_CACHE_HOME", &cache), ("XDG_DATA_HOME", &data)]);
    assert!(
        shot.stderr.contains("render profile: low"),
        "{name}: lavapipe gets the low profile\n{}",
        shot.stderr
    );
    shot
}

fn hex(c: &str) -> [u8; 3] {
    let c = c.trim_start_matches('#');
    [0, 2, 4].map(|i| u8::from_str_radix(&c[i..i + 2], 16).unwrap())
}

/// Pixels within `tol` of `rgb` on every channel.
fn count_near(img: &RgbImage, rgb: [u8; 3], tol: u8) -> usize {
    img.pixels()
        .filter(|p| p.0.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= tol))
        .count()
}

fn assert_not_blank(name: &str, img: &RgbImage) {
    let bright = img.pixels().filter(|p| p.0.iter().map(|c| *c as u32).sum::<u32>() > 600).count();
    assert!(bright > 5_000, "{name}: text and stars give bright pixels, found {bright}");
    let mut colours: Vec<[u8; 3]> = img.pixels().step_by(7).map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() > 400,
        "{name}: a real scene has many colours, found {}",
        colours.len()
    );
}

fn sample(file: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{}/../venue-contract/sample/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap())
        .unwrap()
}

#[test]
fn schedule_screen_shows_every_track_colour() {
    let img = render("schedule", &["--mode", "schedule", "--now", RUNNING_TALKS]);
    assert_not_blank("schedule", &img);
    for track in sample("event.json")["tracks"].as_array().unwrap() {
        let colour = hex(track["color"].as_str().unwrap());
        let n = count_near(&img, colour, 10);
        assert!(n >= 600, "track {} colour {colour:?}: {n} pixels", track["id"]);
    }
}

/// The machine idle with its first prize: photo, name, the armed seed's commitment, the keys.
#[test]
fn draw_idle_shows_the_prize_and_the_commitment() {
    let shot = render_at("draw", (1920, 1080), &["--mode", "draw", "--now", RUNNING_TALKS]);
    for needle in [
        "READY · SPACE to draw",
        "MacBook Air",
        "0 of 1 winners drawn",
        "Seed commitment",
        "(500 in the pool)",
        "N no-show",
        "local journal (no event server)",
        // Issue #17: without an event server the draw is not anchored, and the stage says so.
        "(not anchored: no event server)",
    ] {
        assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
    }
    let img = shot.img;
    assert_not_blank("draw", &img);
    let gold = count_near(&img, [255, 201, 64], 14);
    assert!(gold >= 1_500, "gold heading: {gold} pixels");
    // The featured photo area is full of colour, not a flat placeholder.
    let mut colours: Vec<[u8; 3]> = Vec::new();
    for y in (260..760).step_by(3) {
        for x in (60..770).step_by(3) {
            colours.push(img.get_pixel(x, y).0);
        }
    }
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 1_500, "prize photo drawn: {} colours", colours.len());
}

#[test]
fn game_lobby_shows_every_team_and_the_round_plan() {
    let shot = render_at("game", (1920, 1080), &["--mode", "game", "--now", RUNNING_TALKS]);
    assert_not_blank("game", &shot.img);
    for needle in ["CUBE TIMING", "[ A ]", "[ ; ]", "×3.0 points", "ENTER to start"] {
        assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
    }
    for team in sample("game.json")["teams"].as_array().unwrap() {
        let colour = hex(team["color"].as_str().unwrap());
        let n = count_near(&shot.img, colour, 12);
        assert!(n >= 1_500, "team {} colour {colour:?}: {n} pixels", team["id"]);
    }
}

fn game_shot(name: &str, gate: &str) -> Shot {
    let dir = tempfile::tempdir().unwrap();
    let config = journal_config(dir.path());
    render_at(
        name,
        (1920, 1080),
        &[
            "--config",
            config.to_str().unwrap(),
            "--mode",
            "game",
            "--autoplay",
            "--game-speed",
            "4",
            "--capture-on",
            gate,
        ],
    )
}

/// A round in play: four nets, the pieces on their way, live judgements on the team cards.
#[test]
fn game_round_in_play() {
    let shot = game_shot("game-playing", "playing");
    assert!(shot.texts.contains("HIT YOUR KEY"), "{}", shot.texts);
    assert!(shot.texts.contains("this round"), "{}", shot.texts);
    assert!(shot.texts.contains("PERFECT"), "the spot-on bot's last press: {}", shot.texts);
    // Issue 17: which way and how far each team's last hit was off (the bots: +3, -24, +41, -62 ms).
    for needle in ["LATE 3 ms", "EARLY 24 ms", "LATE 41 ms", "EARLY 62 ms"] {
        assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
    }
    // Every team's colour is on its net (pieces, blocks, card borders).
    for team in sample("game.json")["teams"].as_array().unwrap() {
        let colour = hex(team["color"].as_str().unwrap());
        let n = count_near_in(&shot.img, colour, 14, 0..1920, 150..900);
        assert!(n >= 800, "team {} on the stage: {n} pixels", team["id"]);
    }
}

/// The fold mid-way: faces standing up off the stage between flat and closed.
#[test]
fn game_fold_mid_way() {
    let shot = game_shot("game-folding", "folding");
    assert!(shot.texts.contains("ROUND COMPLETE"), "{}", shot.texts);
    assert_not_blank("game-folding", &shot.img);
}

#[test]
fn game_leaderboard_shows_what_is_at_stake() {
    let shot = game_shot("game-leaderboard", "leaderboard");
    for needle in ["STANDINGS", "NEXT:", "points at stake", "Team Nebula", "팀 오로라"] {
        assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
    }
}

/// The game in Korean (`display.language = "ko"`): the hints, the stakes and the keys read in
/// Korean, not in English (#18).
#[test]
fn game_leaderboard_reads_in_korean() {
    let dir = tempfile::tempdir().unwrap();
    let config = journal_config(dir.path());
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("[display]\nlanguage = \"ko\"\n");
    std::fs::write(&config, text).unwrap();
    let shot = render_at(
        "game-leaderboard-ko",
        (1920, 1080),
        &[
            "--config",
            config.to_str().unwrap(),
            "--mode",
            "game",
            "--autoplay",
            "--game-speed",
            "4",
            "--capture-on",
            "leaderboard",
        ],
    );
    for needle in ["순위", "다음:", "ENTER 시작", "지연 보정", "Team Nebula"] {
        assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
    }
    for english in ["STANDINGS", "NEXT:", "points at stake", "latency correction", "ENTER next"] {
        assert!(!shot.texts.contains(english), "{english:?} on a Korean screen:\n{}", shot.texts);
    }
}

#[test]
fn game_podium_after_the_final() {
    let shot = game_shot("game-podium", "podium");
    assert!(shot.texts.contains("PODIUM"), "{}", shot.texts);
    // The spot-on bot (Nebula) wins: its colour fills the tallest block.
    let nebula = count_near_in(&shot.img, [56, 189, 248], 40, 700..1220, 400..1000);
    assert!(nebula > 50_000, "first place block: {nebula} pixels");
}

/// The calibration screen mid-way: the pulse flashing, the bot's taps counted and their median
/// (the bot taps 37 ms late) shown as the latency correction to come.
#[test]
fn game_calibration_mid_way() {
    let dir = tempfile::tempdir().unwrap();
    let config = journal_config(dir.path());
    let shot = render_at(
        "game-calibrating",
        (1920, 1080),
        &[
            "--config",
            config.to_str().unwrap(),
            "--mode",
            "game",
            "--autoplay",
            // Real time: the pulse and the taps need frames even on a software renderer.
            "--game-speed",
            "0.5",
            "--capture-on",
            "calibrating",
        ],
    );
    assert!(shot.texts.contains("CALIBRATION"), "{}", shot.texts);
    assert!(
        shot.texts.contains("median so far +37 ms"),
        "the median of the taps: {}",
        shot.texts
    );
    assert!(shot.texts.contains("taps of 8"), "{}", shot.texts);
    // The gold pulse disk (at least its resting 160 px) in the middle of the screen.
    let gold = count_near_in(&shot.img, [255, 201, 64], 24, 560..1360, 150..800);
    assert!(gold > 15_000, "pulse disk: {gold} gold pixels");
}

/// Pixels in a rectangle whose colour is close to `rgb`.
fn count_near_in(img: &RgbImage, rgb: [u8; 3], tol: u8, x: std::ops::Range<u32>, y: std::ops::Range<u32>) -> usize {
    let mut n = 0;
    for yy in y {
        for xx in x.clone() {
            if img.get_pixel(xx, yy).0.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= tol) {
                n += 1;
            }
        }
    }
    n
}

/// Pixels tinted like `track` (same dominant channels), but dimmer than the pure colour: the glow
/// of its aurora rather than the flat UI chips.
fn aurora_pixels(img: &RgbImage, track: [u8; 3]) -> usize {
    let t = track.map(|c| c as f32);
    let t_len = (t[0] * t[0] + t[1] * t[1] + t[2] * t[2]).sqrt();
    img.pixels()
        .filter(|p| {
            let c = p.0.map(|c| c as f32);
            let len = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
            if !(40.0..t_len * 0.85).contains(&len) {
                return false;
            }
            let cos = (c[0] * t[0] + c[1] * t[1] + c[2] * t[2]) / (len * t_len);
            cos > 0.985
        })
        .count()
}

fn track_colours() -> Vec<(String, [u8; 3])> {
    sample("event.json")["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap().to_string(), hex(t["color"].as_str().unwrap())))
        .collect()
}

#[test]
fn schedule_running_session_with_aurora_progress_and_next() {
    let shot = render_at(
        "schedule-running",
        (1920, 1080),
        &["--mode", "schedule", "--now", "2026-12-03T10:30:00+09:00"],
    );
    assert_not_blank("schedule-running", &shot.img);
    for needle in [
        "NOW · 지금 진행 중",
        "10:30",
        "WebGPU와 러스트로 만드는 실시간 그래픽",
        "NOW 10:10–10:50",
        "Aurora DevCon Seoul 2026",
    ] {
        assert!(shot.texts.contains(needle), "missing {needle:?} in:\n{}", shot.texts);
    }
    let glow: Vec<(String, usize)> = track_colours()
        .into_iter()
        .map(|(id, c)| (id, aurora_pixels(&shot.img, c)))
        .collect();
    assert!(
        glow.iter().any(|(_, n)| *n > 40_000),
        "an aurora in a track colour fills the sky: {glow:?}"
    );
}

#[test]
fn schedule_break_shows_where_each_track_continues() {
    let shot = render_at(
        "schedule-break",
        (1920, 1080),
        &["--mode", "schedule", "--now", "2026-12-03T12:45:00+09:00"],
    );
    assert_not_blank("schedule-break", &shot.img);
    assert!(shot.texts.contains("until 13:30 — where each track continues"), "{}", shot.texts);
    for room in ["→ Workshop Lab", "→ Room 301", "→ Room 201"] {
        assert!(shot.texts.contains(room), "timetable names {room}:\n{}", shot.texts);
    }
    // Each track's bar and name in its colour, in the timetable area.
    for (id, colour) in track_colours() {
        let n = count_near_in(&shot.img, colour, 10, 56..700, 200..700);
        assert!(n >= 1_000, "track {id} in the timetable: {n} pixels");
    }
}

#[test]
fn schedule_urgent_message_is_a_banner() {
    let shot = render_at(
        "schedule-urgent",
        (1920, 1080),
        &["--mode", "schedule", "--now", "2026-12-03T09:45:00+09:00"],
    );
    assert!(shot.texts.contains("⚠  Keynote moved to Grand Ballroom"), "{}", shot.texts);
    let red = count_near_in(&shot.img, [219, 41, 51], 12, 0..1920, 120..420);
    assert!(red > 40_000, "a full-width red banner near the top: {red} pixels");
    // Outside its window the banner is gone.
    let later = render_at(
        "schedule-urgent-expired",
        (1920, 1080),
        &["--mode", "schedule", "--now", "2026-12-03T10:05:00+09:00"],
    );
    assert!(!later.texts.contains("Keynote moved"), "expired at 10:00");
    assert!(count_near(&later.img, [219, 41, 51], 12) < 2_000);
}

#[test]
fn schedule_offline_keeps_the_saved_event_and_says_so() {
    use venue_contract::sample as sample_feed;
    use venue_kiosk::feed::cache::{CachedBody, DiskCache};
    use venue_kiosk::feed::{Endpoint, WorkerConfig};
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    // Nothing listens on port 9 here: every poll is refused at once.
    std::fs::write(
        &config,
        format!(
            "[feed]\nsource = \"http://127.0.0.1:9\"\ncache_dir = \"{}\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let feed = venue_kiosk::config::Config::load(Some(&config)).unwrap().feed;
    let cache = DiskCache::for_source(dir.path(), &WorkerConfig::cache_key(&feed));
    let saved = chrono::DateTime::parse_from_rfc3339("2026-12-03T00:55:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    for e in Endpoint::ALL {
        cache
            .store(
                e,
                &CachedBody {
                    etag: None,
                    fetched_at: saved,
                    body: sample_feed::body(e).to_vec(),
                },
            )
            .unwrap();
    }
    let shot = render_at(
        "schedule-offline",
        (1920, 1080),
        &["--config", config.to_str().unwrap(), "--now", "2026-12-03T10:30:00+09:00"],
    );
    assert!(
        shot.texts.contains("Aurora DevCon Seoul 2026"),
        "the saved event is shown:\n{}",
        shot.texts
    );
    assert!(shot.texts.contains("offline since"), "{}", shot.texts);
    assert!(
        shot.texts.contains("saved data from 09:55"),
        "saved time in the venue's zone:\n{}",
        shot.texts
    );
    let red = count_near_in(&shot.img, [242, 84, 84], 30, 1300..1920, 1040..1080);
    assert!(red > 80, "the indicator turns red: {red}");
}

#[test]
fn schedule_portrait_layout() {
    let shot = render_at(
        "schedule-portrait",
        (1080, 1920),
        &["--mode", "schedule", "--now", "2026-12-03T10:30:00+09:00"],
    );
    assert_not_blank("schedule-portrait", &shot.img);
    assert!(shot.texts.contains("NOW · 지금 진행 중"));
    for (id, colour) in track_colours() {
        assert!(count_near(&shot.img, colour, 10) >= 600, "track {id} in portrait");
    }
}

#[test]
fn schedule_4k_scales_up() {
    let shot = render_at(
        "schedule-4k",
        (3840, 2160),
        &["--mode", "schedule", "--now", "2026-12-03T10:30:00+09:00"],
    );
    assert!(shot.texts.contains("NOW · 지금 진행 중"));
    // The 26 px legend chips are drawn at twice the size: ~4 × 676 pixels each.
    for (id, colour) in track_colours() {
        let n = count_near_in(&shot.img, colour, 10, 0..3840, 1900..2160);
        assert!(n >= 2_400, "legend chip of {id} scaled ×2: {n}");
    }
}

#[test]
fn room_mode_puts_one_room_first() {
    let shot = render_at(
        "schedule-room",
        (1920, 1080),
        &[
            "--mode",
            "schedule",
            "--room",
            "Room 201 · 오로라홀",
            "--now",
            "2026-12-03T10:30:00+09:00",
        ],
    );
    for needle in ["Elsewhere · 다른 방", "추천 시스템에 LLM 붙이기", "NEXT 11:10 · in 39 min"] {
        assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
    }
}

fn journal_config(dir: &std::path::Path) -> PathBuf {
    let config = dir.join("kiosk.toml");
    std::fs::write(&config, format!("[draw]\njournal_dir = \"{}\"\n", dir.join("journal").display())).unwrap();
    config
}

/// The journal's committed records, in order.
fn committed_records(journal: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(journal.join("draw-journal.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "committed")
        .map(|v| v["record"].clone())
        .collect()
}

fn committed_winners(journal: &std::path::Path) -> Vec<u64> {
    let text = std::fs::read_to_string(journal.join("draw-journal.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "committed")
        .flat_map(|v| v["record"]["winners"].as_array().cloned().unwrap_or_default())
        .filter_map(|w| w["ticket"].as_u64())
        .collect()
}

#[test]
fn draw_mid_roll_shows_reels_and_commitment() {
    let dir = tempfile::tempdir().unwrap();
    let config = journal_config(dir.path());
    let shot = render_at(
        "draw-rolling",
        (1920, 1080),
        &[
            "--config",
            config.to_str().unwrap(),
            "--mode",
            "draw",
            "--autodraw",
            "--capture-on",
            "rolling",
        ],
    );
    assert!(shot.texts.contains("ROLLING…"), "{}", shot.texts);
    assert!(shot.texts.contains("Seed commitment"), "{}", shot.texts);
    // Issue 20: the count changes at the reveal, not when the reels start.
    assert!(shot.texts.contains("0 of 1 winners drawn"), "{}", shot.texts);
    // The result is on disk before the reels move.
    assert_eq!(committed_winners(&dir.path().join("journal")).len(), 1);
    // The 3D drums: lit ivory faces fill the machine window in the middle of the stage.
    let ivory = ivory_in_machine_window(&shot.img);
    assert!(ivory > 40_000, "drums: {ivory} ivory pixels in the machine window");
}

/// Lit ivory (the drums' faces, shaded by the light) in the machine window's area at 1080p.
fn ivory_in_machine_window(img: &RgbImage) -> usize {
    let mut n = 0;
    for y in 190..500 {
        for x in 720..1340 {
            let [r, g, b] = img.get_pixel(x, y).0;
            if r > 200 && g > 180 && (120..225).contains(&b) && r > b.saturating_add(20) {
                n += 1;
            }
        }
    }
    n
}

/// A batch of ten: every winner on a wall of cards, confetti in the air, the status lines on screen.
#[test]
fn draw_big_batch_reveals_a_wall_of_winners() {
    let dir = tempfile::tempdir().unwrap();
    let config = journal_config(dir.path());
    let shot = render_at(
        "draw-wall",
        (1920, 1080),
        &[
            "--config",
            config.to_str().unwrap(),
            "--mode",
            "draw",
            "--prize",
            "hoodie",
            "--autodraw",
            "--capture-on",
            "revealed",
        ],
    );
    let winners = committed_winners(&dir.path().join("journal"));
    assert_eq!(winners.len(), 10);
    for ticket in &winners {
        assert!(shot.texts.contains(&format!("#{ticket}\n")), "card for #{ticket}:\n{}", shot.texts);
    }
    assert!(shot.texts.contains("10 of 10 winners drawn"), "{}", shot.texts);
    // The winners column names 8 and says how many more (#20), in both of the event's languages.
    assert!(shot.texts.contains("+ 2 more · 외 2명"), "{}", shot.texts);
    // Issue 20: the commitment beside the revealed seed is the drawn batch's (SHA-256 of that seed),
    // not the next armed one's.
    let record = committed_records(&dir.path().join("journal")).remove(0);
    for (label, digest) in [("Seed commitment", "seed_commitment"), ("seed revealed", "seed")] {
        let shown = format!("{label} {}", fingerprint(record[digest].as_str().unwrap()));
        assert!(shot.texts.contains(&shown), "missing {shown:?}:\n{}", shot.texts);
    }
    // Gold card borders and numbers.
    let gold = count_near_in(&shot.img, [255, 201, 64], 16, 640..1420, 400..700);
    assert!(gold > 8_000, "gold wall: {gold} pixels");
    // The status lines stay on screen under a full wall.
    let status = shot
        .img
        .enumerate_pixels()
        .filter(|(_, y, p)| *y > 960 && *y < 1060 && p.0.iter().map(|c| *c as u32).sum::<u32>() > 400)
        .count();
    assert!(status > 500, "status lines visible: {status}");
    // Confetti: the celebration's pink and violet pieces.
    let confetti = count_near(&shot.img, [245, 115, 181], 20) + count_near(&shot.img, [166, 140, 250], 20);
    assert!(confetti > 300, "confetti: {confetti} pixels");
}

/// A folder source with the sample event whose hoodie prize has 300 winners in one batch, and a
/// config that journals beside it and shows each page of winners `page_seconds`.
fn big_batch_source(dir: &std::path::Path, page_seconds: u32) -> (PathBuf, PathBuf) {
    let feed = dir.join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    for file in ["event.json", "schedule.json", "messages.json", "game.json"] {
        std::fs::write(feed.join(file), serde_json::to_vec(&sample(file)).unwrap()).unwrap();
    }
    let mut draw = sample("draw.json");
    for prize in draw["prizes"].as_array_mut().unwrap() {
        if prize["id"] == "hoodie" {
            prize["winner_count"] = 300.into();
        }
    }
    std::fs::write(feed.join("draw.json"), serde_json::to_vec(&draw).unwrap()).unwrap();
    let config = journal_config(dir);
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}page_seconds = {page_seconds}\n")).unwrap();
    (feed, config)
}

fn big_batch_shot(name: &str, dir: &std::path::Path, page_seconds: u32, gate: &str) -> Shot {
    let (feed, config) = big_batch_source(dir, page_seconds);
    render_at(
        name,
        (1920, 1080),
        &[
            "--config",
            config.to_str().unwrap(),
            "--server",
            feed.to_str().unwrap(),
            "--mode",
            "draw",
            "--prize",
            "hoodie",
            "--autodraw",
            "--capture-on",
            gate,
        ],
    )
}

/// A 300-winner batch from 500 tickets (#20): the wall pages through every winner of the batch, 24
/// at a time, saying which page it is on (not "… and 276 earlier": they were drawn in this batch).
#[test]
fn draw_300_winner_batch_pages_through_every_winner() {
    let dir = tempfile::tempdir().unwrap();
    let shot = big_batch_shot("draw-300-page", dir.path(), 8, "revealed");
    let winners = committed_winners(&dir.path().join("journal"));
    assert_eq!(winners.len(), 300);
    assert!(shot.texts.contains("Winners 1–24 of 300 · page 1 of 13"), "{}", shot.texts);
    for ticket in &winners[..24] {
        assert!(shot.texts.contains(&format!("#{ticket}\n")), "card for #{ticket}:\n{}", shot.texts);
    }
    assert!(!shot.texts.contains("earlier"), "they are not earlier winners:\n{}", shot.texts);
    assert!(shot.texts.contains("PgUp PgDn pages"), "{}", shot.texts);
}

/// After the last page (1 s each here) the complete list of all 300 stays on stage, every one of
/// them wholly on screen.
#[test]
fn draw_300_winner_batch_ends_on_the_complete_list() {
    let dir = tempfile::tempdir().unwrap();
    let shot = big_batch_shot("draw-300-list", dir.path(), 1, "winner-list");
    let winners = committed_winners(&dir.path().join("journal"));
    assert_eq!(winners.len(), 300);
    assert!(shot.texts.contains("All 300 winners"), "{}", shot.texts);
    let missing: Vec<&u64> = winners.iter().filter(|t| !shot.texts.contains(&format!("#{t} "))).collect();
    assert!(missing.is_empty(), "not wholly on screen: {missing:?}\n{}", shot.texts);
}

/// Kill the kiosk with SIGKILL right after the draw is journaled: the restart shows the same
/// winner instead of drawing again, and `verify-draw` recomputes it bit for bit.
#[test]
fn draw_survives_a_kill_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let config = journal_config(dir.path());
    let journal = dir.path().join("journal");
    {
        let _guard = RENDERER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let xvfb = common::Xvfb::start(1280, 720);
        let mut child = Command::new(env!("CARGO_BIN_EXE_venue-kiosk"))
            .args([
                "--config",
                config.to_str().unwrap(),
                "--windowed",
                "--size",
                "1280x720",
                "--mode",
                "draw",
                "--autodraw",
            ])
            .env("DISPLAY", &xvfb.display)
            .env("WGPU_BACKEND", "vulkan")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while committed_winners(&journal).is_empty() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("no draw was committed");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap(); // SIGKILL, mid-roll
        let _ = child.wait();
        drop(xvfb);
    }
    let winners = committed_winners(&journal);
    assert_eq!(winners.len(), 1);
    let shot = render_at(
        "draw-after-kill",
        (1920, 1080),
        &["--config", config.to_str().unwrap(), "--mode", "draw", "--capture-on", "revealed"],
    );
    assert!(shot.texts.contains("WINNER · 당첨!"), "{}", shot.texts);
    assert!(
        shot.texts.contains(&format!("#{}", winners[0])),
        "the same winner #{} is shown:\n{}",
        winners[0],
        shot.texts
    );
    assert_eq!(committed_winners(&journal), winners, "nothing was drawn again");
    let journal_text = std::fs::read_to_string(journal.join("draw-journal.jsonl")).unwrap();
    assert!(
        journal_text.contains("\"type\":\"revealed\""),
        "the reveal after restart is journaled"
    );

    let (verified, report) = common::verify_draw(&journal.join("draw-journal.jsonl"));
    assert!(verified, "{report}");
    assert!(report.contains("VERIFIED"), "{report}");
    // Tampering with the winner is caught.
    let tampered = journal_text.replacen(&format!("\"ticket\":{}", winners[0]), "\"ticket\":1000", 1);
    let tampered_path = journal.join("tampered.jsonl");
    std::fs::write(&tampered_path, tampered).unwrap();
    let (verified, report) = common::verify_draw(&tampered_path);
    assert!(!verified, "tampered audit must fail: {report}");
}

/// Hostile text from a file source: emoji, Arabic and Hebrew, a 10 000-character title, control
/// characters, a bidi override and a combining-mark flood. The kiosk renders every line, cleaned:
/// one line each, no control characters, bounded length, nothing reversed, and the frame still comes.
#[test]
fn schedule_renders_hostile_text_safely() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    for file in ["event.json", "messages.json", "draw.json", "game.json"] {
        std::fs::write(feed.join(file), serde_json::to_vec(&sample(file)).unwrap()).unwrap();
    }
    let mut schedule = sample("schedule.json");
    let long_title = format!("Endless {}", "가나다라 ".repeat(2_500));
    let hostile = [
        (
            "d1-ai-1",
            "🚀 Shipping Rust 🦀 on stage ✨".to_string(),
            vec!["Ada\u{0} Lovelace\n\t(guest)"],
        ),
        (
            "d1-web-1",
            "مرحبا بالعالم — שלום עולם — Привет".to_string(),
            vec!["evil\u{202E}gnp.exe"],
        ),
        (
            "d1-systems-1",
            long_title,
            vec!["Z\u{0336}\u{0301}\u{0336}\u{0301}\u{0336}\u{0301}\u{0336}\u{0301}\u{0336}\u{0301}algo"],
        ),
    ];
    for session in schedule["sessions"].as_array_mut().unwrap() {
        if let Some((_, title, speakers)) = hostile.iter().find(|(id, ..)| session["id"] == *id) {
            session["title"] = title.clone().into();
            session["speakers"] = serde_json::json!(speakers);
            session.as_object_mut().unwrap().remove("subtitle");
        }
    }
    std::fs::write(feed.join("schedule.json"), serde_json::to_vec(&schedule).unwrap()).unwrap();
    let mut messages = sample("messages.json");
    messages["messages"][0]["text"] = "Wi-Fi 📶\r\nAuroraDevCon\u{7}\u{1b}[31m".into();
    std::fs::write(feed.join("messages.json"), serde_json::to_vec(&messages).unwrap()).unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[feed]\nsource = \"{}\"\ncache_dir = \"{}\"\n",
            feed.display(),
            dir.path().display()
        ),
    )
    .unwrap();

    let shot = render_at(
        "schedule-hostile-text",
        (1920, 1080),
        &["--config", config.to_str().unwrap(), "--mode", "schedule", "--now", RUNNING_TALKS],
    );
    assert_not_blank("schedule-hostile-text", &shot.img);
    for needle in [
        "🚀 Shipping Rust 🦀 on stage ✨",
        "مرحبا بالعالم — שלום עולם — Привет",
        "Ada Lovelace (guest)",
        "evilgnp.exe",
        "Endless 가나다라",
    ] {
        assert!(shot.texts.contains(needle), "missing {needle:?} in:\n{}", shot.texts);
    }
    assert!(
        !shot.texts.contains('\u{202E}') && !shot.texts.contains('\u{0}'),
        "control characters reached the screen"
    );
    assert!(
        !shot.texts.contains("\u{0336}\u{0301}\u{0336}\u{0301}\u{0336}\u{0301}"),
        "a mark flood reached the screen"
    );
    let longest = shot.texts.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(
        longest <= 200,
        "every line on screen is bounded; the longest has {longest} characters"
    );
    assert!(
        shot.texts.lines().any(|l| l.starts_with("Endless 가나다라") && l.ends_with('…')),
        "the long title is cut with an ellipsis:\n{}",
        shot.texts
    );
}

/// An emergency message covers whatever screen is on show: a deep red field, the heading and the
/// message in Korean and English, large. The screen underneath is still there (its overlay keeps
/// ordinary messages for this screen only, and never the emergency as a banner).
#[test]
fn emergency_takes_over_the_schedule_and_the_draw() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    for file in ["event.json", "schedule.json", "draw.json", "game.json"] {
        std::fs::write(feed.join(file), serde_json::to_vec(&sample(file)).unwrap()).unwrap();
    }
    let mut messages = sample("messages.json");
    let list = messages["messages"].as_array_mut().unwrap();
    list.push(serde_json::json!({
        "id": "lobby-coffee", "text": "Lobby screens only: coffee is served here", "priority": "normal",
        "starts": "2026-12-03T08:00:00+09:00", "expires": "2026-12-04T19:00:00+09:00", "groups": ["lobby"]
    }));
    list.push(serde_json::json!({
        "id": "fire-3f",
        "text": "3층 B홀에서 화재 경보가 울렸습니다. 직원의 안내에 따라 가까운 비상구로 침착하게 대피해 주십시오. \
                 A fire alarm has sounded in Hall B (3F). Please leave calmly by the nearest exit.",
        "priority": "urgent", "emergency": true,
        "starts": "2026-12-03T10:20:00+09:00", "expires": "2026-12-03T11:00:00+09:00"
    }));
    std::fs::write(feed.join("messages.json"), serde_json::to_vec(&messages).unwrap()).unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[feed]\nsource = \"{}\"\ncache_dir = \"{}\"\n[draw]\njournal_dir = \"{}\"\n",
            feed.display(),
            dir.path().display(),
            dir.path().join("journal").display()
        ),
    )
    .unwrap();
    for (name, mode) in [("emergency-schedule", "schedule"), ("emergency-draw", "draw")] {
        let shot = render_at(
            name,
            (1920, 1080),
            &["--config", config.to_str().unwrap(), "--mode", mode, "--now", RUNNING_TALKS],
        );
        assert!(shot.texts.contains("⚠ EMERGENCY · 긴급 안내"), "{name}:\n{}", shot.texts);
        // The message is laid out word by word (Korean lines break only between words).
        let words: Vec<&str> = shot.texts.lines().collect();
        for word in ["3층", "B홀에서", "울렸습니다.", "주십시오.", "calmly", "exit."] {
            assert!(words.contains(&word), "{name}: missing the word {word:?}:\n{}", shot.texts);
        }
        assert!(!shot.texts.contains("⚠  3층"), "{name}: the emergency is not also a banner");
        // The deep red field covers the screen; the heading band and the large text are white.
        let field = count_near(&shot.img, [153, 5, 13], 12);
        assert!(field > 1920 * 1080 * 6 / 10, "{name}: red field {field} pixels");
        let white = count_near(&shot.img, [255, 255, 255], 24);
        assert!(white > 150_000, "{name}: heading band and large white text, {white} pixels");
        if mode == "schedule" {
            assert!(shot.texts.contains("Wi-Fi: AuroraDevCon"), "{}", shot.texts);
            assert!(!shot.texts.contains("Lobby screens only"), "aimed at the lobby group only");
        }
    }
}

/// A German event known only from its pretalx export (a folder with its `schedule.json`): the
/// event comes from the export and the screen speaks German — headings, "next" lines, the date —
/// without any setting; `display.language` overrides it, here to English with German headings.
#[test]
fn a_german_event_from_a_pretalx_export_reads_in_german() {
    let dir = screenshot_dir().join("pretalx-de-source");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../venue-contract/tests/fixtures/pretalx_schedule.json"
        ),
        dir.join("schedule.json"),
    )
    .unwrap();
    let source = dir.to_str().unwrap();
    let now = "2025-06-13T10:20:00+02:00";
    let shot = render_at(
        "schedule-de",
        (1920, 1080),
        &["--server", source, "--mode", "schedule", "--now", now],
    );
    assert_not_blank("schedule-de", &shot.img);
    for needle in [
        "Datenfest Berlin 2025",
        "Freitag, 13. Juni 2025",
        "JETZT",
        "JETZT 10:00–10:30",
        "Eröffnung / Opening",
        "DANACH 11:00 · in 39 Min.",
        "Saal Grace",
    ] {
        assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
    }
    for english in ["NOW", "NEXT", "Friday", "in 39 min", "지금"] {
        assert!(!shot.texts.contains(english), "{english:?} on a German screen:\n{}", shot.texts);
    }
    // The language can be set: English labels, headings in German too.
    let config = dir.join("kiosk.toml");
    std::fs::write(&config, "[display]\nlanguage = \"en+de\"\n").unwrap();
    let shot = render_at(
        "schedule-en-de",
        (1920, 1080),
        &[
            "--config",
            config.to_str().unwrap(),
            "--server",
            source,
            "--mode",
            "schedule",
            "--now",
            now,
        ],
    );
    for needle in ["NOW · JETZT", "Friday 13 June 2025", "NEXT 11:00 · in 39 min"] {
        assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
    }
}

/// Two urgent banners at 09:45 and six rooms: the text sidecar lists what is wholly on screen
/// (`.txt`) apart from what is cut off (`.cut.txt`), and nothing is cut off.
#[test]
fn the_text_sidecar_lists_only_what_is_wholly_on_screen() {
    let dir = screenshot_dir().join("two-urgent-source");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["event.json", "schedule.json", "draw.json", "game.json"] {
        std::fs::copy(
            format!("{}/../venue-contract/sample/{file}", env!("CARGO_MANIFEST_DIR")),
            dir.join(file),
        )
        .unwrap();
    }
    let mut messages = sample("messages.json");
    let second = serde_json::json!({
        "id": "second-urgent", "priority": "urgent",
        "text": "Hall B is closed for the rest of the morning — B홀은 오전 동안 폐쇄됩니다",
        "starts": "2026-12-03T09:00:00+09:00", "expires": "2026-12-03T10:00:00+09:00"
    });
    messages["messages"].as_array_mut().unwrap().push(second);
    std::fs::write(dir.join("messages.json"), messages.to_string()).unwrap();
    let shot = render_at(
        "schedule-two-urgent",
        (1920, 1080),
        &[
            "--server",
            dir.to_str().unwrap(),
            "--mode",
            "schedule",
            "--now",
            "2026-12-03T09:45:00+09:00",
        ],
    );
    assert!(
        shot.texts.contains("Keynote moved") && shot.texts.contains("Hall B is closed"),
        "{}",
        shot.texts
    );
    // Two banners used to push the last rows past the bottom edge and the legend and the normal
    // messages off the screen (#20). Rows go compact under banners, the messages and legend keep
    // their place, and rooms that do not fit take turns, a page at a time ("rooms 1–5 of 6"):
    // everything is wholly on screen, and the sidecar's cut list is empty.
    for shown in [
        "Wi-Fi: AuroraDevCon / pw: starfield2026",
        "Web & Frontend · 웹",
        "Systems & Infra · 시스템",
        "Grand Ballroom · 그랜드볼룸",
        "Room 201 · 오로라홀",
    ] {
        assert!(
            shot.texts.lines().any(|l| l == shown),
            "{shown:?} not wholly on screen:\n{}\ncut:\n{}",
            shot.texts,
            shot.cut
        );
    }
    assert!(
        shot.texts.contains("Workshop Lab · 워크숍 랩") || shot.texts.contains("rooms 1–"),
        "the sixth room, or which rooms are up:\n{}",
        shot.texts
    );
    assert_eq!(shot.cut.trim(), "", "cut off:\n{}", shot.cut);

    // A TV that crops 5 % of each edge, and three normal messages besides the two banners: the
    // messages are large full-width lines, one at a time under banners ("3/4"), the rest in turn;
    // the rooms page, and still nothing is cut off inside the smaller safe area.
    for (id, text) in [
        ("lunch", "Lunch is served on level 2 from 12:00 — 점심은 12시부터 2층에서"),
        ("lost", "Lost and found at the registration desk — 분실물은 등록 데스크로"),
    ] {
        messages["messages"].as_array_mut().unwrap().push(serde_json::json!({
            "id": id, "priority": "normal", "text": text,
            "starts": "2026-12-03T09:00:00+09:00", "expires": "2026-12-03T18:00:00+09:00"
        }));
    }
    std::fs::write(dir.join("messages.json"), messages.to_string()).unwrap();
    let config = dir.join("kiosk.toml");
    std::fs::write(&config, "[display]\noverscan_percent = 5\n").unwrap();
    let shot = render_at(
        "schedule-two-urgent-overscan",
        (1920, 1080),
        &[
            "--config",
            config.to_str().unwrap(),
            "--server",
            dir.to_str().unwrap(),
            "--mode",
            "schedule",
            "--now",
            "2026-12-03T09:45:00+09:00",
        ],
    );
    let notes = [
        "Wi-Fi: AuroraDevCon",
        "Lunch is served in the 3F",
        "Lunch is served on level 2",
        "Lost and found",
    ];
    let up = notes.iter().filter(|n| shot.texts.contains(*n)).count();
    assert_eq!(up, 1, "one normal message at a time under banners:\n{}", shot.texts);
    assert!(
        shot.texts.lines().any(|l| l.ends_with("/4")),
        "which turn it is (four normal messages):\n{}",
        shot.texts
    );
    for shown in [
        "Keynote moved",
        "Hall B is closed",
        "Grand Ballroom · 그랜드볼룸",
        "rooms 1–",
        " of 6",
    ] {
        assert!(shot.texts.contains(shown), "{shown:?} not wholly on screen:\n{}", shot.texts);
    }
    assert_eq!(shot.cut.trim(), "", "cut off:\n{}", shot.cut);
}

/// The sample event's feed over HTTP, from a server that does not register seed commitments (a
/// server down for anchoring): the draw goes on and is flagged NOT ANCHORED. Returns the base URL.
fn feed_server_that_does_not_anchor() -> String {
    feed_server_that_does_not_anchor_after(Duration::ZERO)
}

/// [`feed_server_that_does_not_anchor`], answering each registration only after `hold`.
fn feed_server_that_does_not_anchor_after(hold: Duration) -> String {
    use axum::extract::Path;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    async fn read(Path(name): Path<String>) -> axum::response::Response {
        let path = format!("{}/../venue-contract/sample/{name}.json", env!("CARGO_MANIFEST_DIR"));
        match std::fs::read(path) {
            Ok(body) => ([("content-type", "application/json")], body).into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let app = axum::Router::new()
                .route("/api/v1/{name}", get(read))
                .route(
                    "/api/v1/draw/commitments",
                    post(move || async move {
                        tokio::time::sleep(hold).await;
                        StatusCode::SERVICE_UNAVAILABLE
                    }),
                )
                .route("/api/v1/draw/results", post(|| async { StatusCode::SERVICE_UNAVAILABLE }));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

/// Issue #17: a draw made while the event server did not register its commitment is revealed as
/// usual and flagged NOT ANCHORED beside its commitment, in English and in Korean.
#[test]
fn a_draw_the_server_did_not_anchor_is_flagged_on_stage() {
    let base = feed_server_that_does_not_anchor();
    for (name, language, flag) in [
        ("draw-not-anchored", "en", "NOT ANCHORED: not registered with the server"),
        ("draw-not-anchored-ko", "ko", "서버 미등록: 이벤트 서버가 등록하지 못함"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("kiosk.toml");
        std::fs::write(
            &config,
            format!(
                "[display]\nlanguage = \"{language}\"\n[draw]\njournal_dir = \"{}\"\n",
                dir.path().join("journal").display()
            ),
        )
        .unwrap();
        let shot = render_at(
            name,
            (1920, 1080),
            &[
                "--config",
                config.to_str().unwrap(),
                "--server",
                &base,
                "--mode",
                "draw",
                "--autodraw",
                "--capture-on",
                "revealed",
            ],
        );
        assert_not_blank(name, &shot.img);
        assert!(shot.texts.contains(flag), "missing {flag:?}:\n{}", shot.texts);
        let record = committed_records(&dir.path().join("journal")).remove(0);
        assert!(record.get("server_nonce").is_none(), "{record}");
        assert!(
            record["not_anchored"].as_str().is_some_and(|r| r.contains("did not register")),
            "{record}"
        );
    }
}

/// Issue #17: Space while the server has not yet answered the registration: the stage says it
/// registers the draw (it draws not anchored after at most 4 s), in English and in Korean.
#[test]
fn a_draw_waiting_for_its_registration_says_so() {
    let base = feed_server_that_does_not_anchor_after(Duration::from_secs(60));
    for (name, language, heading, status) in [
        (
            "draw-registering",
            "en",
            "REGISTERING THE DRAW…",
            "(registering with the event server…)",
        ),
        ("draw-registering-ko", "ko", "추첨 등록 중…", "(이벤트 서버에 등록 중…)"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("kiosk.toml");
        // With a token: the registration goes out (and the server sits on it).
        let token = dir.path().join("token");
        std::fs::write(&token, "kiosk-token\n").unwrap();
        std::fs::write(
            &config,
            format!(
                "[display]\nlanguage = \"{language}\"\n[feed]\ntoken_file = \"{}\"\n[draw]\njournal_dir = \"{}\"\nanchor_wait_s = 60\n",
                token.display(),
                dir.path().join("journal").display()
            ),
        )
        .unwrap();
        let shot = render_at(
            name,
            (1920, 1080),
            &[
                "--config",
                config.to_str().unwrap(),
                "--server",
                &base,
                "--mode",
                "draw",
                "--autodraw",
                "--capture-on",
                "registering",
            ],
        );
        assert_not_blank(name, &shot.img);
        for needle in [heading, status] {
            assert!(shot.texts.contains(needle), "missing {needle:?}:\n{}", shot.texts);
        }
    }
}
