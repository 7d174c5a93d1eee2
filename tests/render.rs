//! Render test: the real binary under Xvfb + lavapipe captures each screen of the sample event;
//! the PNG is decoded and checked for content and for each screen's own colours.
//! Needs `xvfb-run` and Mesa's Vulkan drivers (`.ci/run` installs them).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use image::RgbImage;

/// One software renderer at a time: two at once only make both slow.
static RENDERER: Mutex<()> = Mutex::new(());

const RUNNING_TALKS: &str = "2026-12-03T10:30:00+09:00";

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn render(name: &str, args: &[&str]) -> RgbImage {
    let _guard = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let out = screenshot_dir().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&out);
    let have_xvfb = Command::new("sh").args(["-c", "command -v xvfb-run"]).output().is_ok_and(|o| o.status.success());
    assert!(have_xvfb, "xvfb-run is missing: apt-get install -y xvfb xauth mesa-vulkan-drivers (see .ci/run)");
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1920x1080x24"])
        .arg(env!("CARGO_BIN_EXE_venue-kiosk"))
        .args(["--windowed", "--size", "1920x1080", "--screenshot"])
        .arg(&out)
        .args(["--exit-after-frames", "12"])
        .args(args)
        .env("WGPU_BACKEND", "vulkan")
        .env("XDG_CACHE_HOME", screenshot_dir().join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start xvfb-run");
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{name}: the kiosk did not capture and exit within 300 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut stderr = String::new();
    use std::io::Read;
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "{name}: kiosk exited with {status}\n{stderr}");
    assert!(stderr.contains("render profile: low"), "{name}: lavapipe gets the low profile\n{stderr}");
    image::open(&out).unwrap_or_else(|e| panic!("{name}: {} is not a PNG: {e}\n{stderr}", out.display())).to_rgb8()
}

fn hex(c: &str) -> [u8; 3] {
    let c = c.trim_start_matches('#');
    [0, 2, 4].map(|i| u8::from_str_radix(&c[i..i + 2], 16).unwrap())
}

/// Pixels within `tol` of `rgb` on every channel.
fn count_near(img: &RgbImage, rgb: [u8; 3], tol: u8) -> usize {
    img.pixels().filter(|p| p.0.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= tol)).count()
}

fn assert_not_blank(name: &str, img: &RgbImage) {
    assert_eq!(img.dimensions(), (1920, 1080), "{name}");
    let bright = img.pixels().filter(|p| p.0.iter().map(|c| *c as u32).sum::<u32>() > 600).count();
    assert!(bright > 5_000, "{name}: text and stars give bright pixels, found {bright}");
    let mut colours: Vec<[u8; 3]> = img.pixels().step_by(7).map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 400, "{name}: a real scene has many colours, found {}", colours.len());
}

fn sample(file: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{}/config/sample/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()).unwrap()
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

#[test]
fn draw_screen_shows_gold_title_and_photos() {
    let img = render("draw", &["--mode", "draw", "--now", RUNNING_TALKS]);
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
fn game_screen_shows_every_team_colour() {
    let img = render("game", &["--mode", "game", "--now", RUNNING_TALKS]);
    assert_not_blank("game", &img);
    for team in sample("game.json")["teams"].as_array().unwrap() {
        let colour = hex(team["color"].as_str().unwrap());
        let n = count_near(&img, colour, 10);
        assert!(n >= 3_000, "team {} colour {colour:?}: {n} pixels", team["id"]);
    }
}
