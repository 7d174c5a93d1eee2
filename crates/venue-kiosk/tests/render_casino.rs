//! Render tests of the casino screen: the real binary under Xvfb + lavapipe captures the table mid-
//! round with a tie cancelling (the sample), a round's end and the podium (a folder source with a
//! casino.json written here), at 1080p, 4K and in portrait; the texts on screen and the teams'
//! colours are checked. Needs `xvfb-run` and Mesa's Vulkan drivers (`.ci/run` installs them).

use std::path::PathBuf;
use std::sync::Mutex;

use venue_contract::casino::{CasinoData, CasinoMove, MoveKind};
use venue_rules::casino::Match;

mod common;

/// One software renderer at a time.
static RENDERER: Mutex<()> = Mutex::new(());

fn render_at(name: &str, size: (u32, u32), args: &[&str]) -> common::Capture {
    let _guard = RENDERER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut all = vec!["--mode", "casino", "--capture-on", "table"];
    all.extend_from_slice(args);
    let args: Vec<&std::ffi::OsStr> = all.iter().map(std::ffi::OsStr::new).collect();
    let dir = common::screenshot_dir();
    let cache = dir.join("cache");
    // A fresh data dir per run: the casino journal must not leak between runs.
    let data = dir.join(format!("data-{name}"));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    common::capture(name, size, 12, &args, &[("XDG_CACHE_HOME", &cache), ("XDG_DATA_HOME", &data)])
}

fn sample_path(file: &str) -> PathBuf {
    PathBuf::from(format!("{}/../venue-contract/sample/{file}", env!("CARGO_MANIFEST_DIR")))
}

fn sample_casino() -> CasinoData {
    serde_json::from_str(&std::fs::read_to_string(sample_path("casino.json")).unwrap()).unwrap()
}

fn team_colours() -> Vec<(String, [u8; 3])> {
    let game: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(sample_path("game.json")).unwrap()).unwrap();
    game["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let c = t["color"].as_str().unwrap().trim_start_matches('#');
            let rgb = [0, 2, 4].map(|i| u8::from_str_radix(&c[i..i + 2], 16).unwrap());
            (t["id"].as_str().unwrap().to_string(), rgb)
        })
        .collect()
}

fn count_near(img: &image::RgbImage, rgb: [u8; 3], tol: u8) -> usize {
    img.pixels()
        .filter(|p| p.0.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= tol))
        .count()
}

/// A match played from the sample's setup until `rounds` rounds are scored: each team rolls its
/// dice (a fixed pseudo-random sequence) and places the face it rolled most.
fn played(rounds: usize) -> CasinoData {
    let mut data = sample_casino();
    data.moves.clear();
    let mut game = Match::new(&data.setup).unwrap();
    let mut seed = 7u64;
    let mut n = 0;
    while game.round_results().len() < rounds && !game.finished() {
        let team = game.turn().unwrap();
        let left = game.dice_left()[team];
        let rolled: Vec<u8> = (0..left)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((seed >> 33) % 6) as u8 + 1
            })
            .collect();
        let face = (1..=6u8).max_by_key(|f| (rolled.iter().filter(|r| *r == f).count(), *f)).unwrap();
        n += 1;
        let m = CasinoMove {
            id: format!("m{n}"),
            kind: MoveKind::Place {
                team: game.teams()[team].clone(),
                rolled,
                face,
            },
        };
        game.apply(&m).unwrap();
        data.moves.push(m);
    }
    data
}

/// A folder source: the sample's files with this casino.json.
fn folder(name: &str, data: &CasinoData) -> PathBuf {
    let dir = common::screenshot_dir().join(format!("source-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["event.json", "schedule.json", "messages.json", "draw.json", "game.json"] {
        std::fs::copy(sample_path(file), dir.join(file)).unwrap();
    }
    std::fs::write(dir.join("casino.json"), serde_json::to_vec_pretty(data).unwrap()).unwrap();
    dir
}

fn assert_texts(name: &str, texts: &str, needles: &[&str]) {
    for needle in needles {
        assert!(texts.contains(needle), "{name}: missing {needle:?} in:\n{texts}");
    }
}

fn assert_team_colours(name: &str, img: &image::RgbImage, min: usize) {
    for (id, rgb) in team_colours() {
        let n = count_near(img, rgb, 16);
        assert!(n >= min, "{name}: team {id} colour {rgb:?}: {n} pixels");
    }
}

#[test]
fn casino_mid_round_with_a_tie_cancelling() {
    let shot = render_at("casino", (1920, 1080), &[]);
    assert_texts(
        "casino",
        &shot.texts,
        &[
            "CASINO · 카지노",
            "NOW ROLLING · 차례",
            "Team Quasar",
            "TIE · 무효",
            "Round 1 of 4",
            "STANDINGS · 순위",
            "CASINO 6",
            "ENTER A ROLL · 주사위 입력",
        ],
    );
    // The tie on casino 6: both struck out, nebula and aurora.
    assert!(shot.texts.matches("TIE · 무효").count() >= 2, "{}", shot.texts);
    assert_team_colours("casino", &shot.img, 400);
    // The red tie tags.
    let red = count_near(&shot.img, [230, 51, 61], 14);
    assert!(red > 1_500, "tie tags: {red} red pixels");
}

#[test]
fn casino_round_end_shows_the_payouts() {
    let data = played(1);
    let game = Match::from_data(&data).unwrap();
    let payout = game.round_results()[0].payouts.iter().copied().max().unwrap();
    let dir = folder("round-end", &data);
    let shot = render_at("casino-round-end", (1920, 1080), &["--server", dir.to_str().unwrap()]);
    let paid = format!("+{}", thousands(payout));
    assert_texts(
        "casino-round-end",
        &shot.texts,
        &["ROUND 1 COMPLETE · 라운드 1 종료", "ROUND 1 PAYOUTS", &paid, "Round 2 of 4"],
    );
    assert_team_colours("casino-round-end", &shot.img, 300);
}

#[test]
fn casino_podium_after_the_last_round() {
    let data = played(4);
    let game = Match::from_data(&data).unwrap();
    assert!(game.finished());
    let ranking = game.ranking();
    let winner = ranking[0];
    let dir = folder("podium", &data);
    let shot = render_at("casino-podium", (1920, 1080), &["--server", dir.to_str().unwrap()]);
    assert_texts(
        "casino-podium",
        &shot.texts,
        &["FINAL · 최종 결과", "PODIUM · 시상대", &thousands(winner.money)],
    );
    // The three podium blocks in their teams' colours.
    let colours = team_colours();
    for r in &ranking[..3] {
        let rgb = colours[r.team].1;
        let n = count_near(&shot.img, rgb, 16);
        assert!(n >= 20_000, "podium block of {}: {n} pixels", colours[r.team].0);
    }
}

#[test]
fn casino_at_4k_and_in_portrait() {
    let shot = render_at("casino-4k", (3840, 2160), &[]);
    assert_texts("casino-4k", &shot.texts, &["CASINO · 카지노", "TIE · 무효"]);
    // Everything scaled ×2: four times the pixels of the 1080p tie tags.
    let red = count_near(&shot.img, [230, 51, 61], 14);
    assert!(red > 6_000, "tie tags at 4K: {red} red pixels");
    let shot = render_at("casino-portrait", (1080, 1920), &[]);
    assert_texts(
        "casino-portrait",
        &shot.texts,
        &["CASINO · 카지노", "TIE · 무효", "STANDINGS · 순위"],
    );
    assert_team_colours("casino-portrait", &shot.img, 400);
}

fn thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
