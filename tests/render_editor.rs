//! Render test of the prize editor's local override: the real binary under Xvfb + lavapipe starts
//! with a local prize list and ticket list (no event server) and the operator panel open. The stage
//! shows the local prizes and tickets; a prize whose photo file is broken shows the placeholder,
//! one whose photo is a good file shows the photo. Needs `xvfb-run` and Mesa's Vulkan drivers.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the kiosk on the draw screen with `config`; returns the screenshot's texts.
fn render(name: &str, config: &Path, data: &Path, extra: &[&str]) -> String {
    let out = shots().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&out);
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1920x1080x24"])
        .arg(env!("CARGO_BIN_EXE_venue-kiosk"))
        .arg("--config")
        .arg(config)
        .args([
            "--windowed",
            "--size",
            "1920x1080",
            "--mode",
            "draw",
            "--operator-panel",
            "--screenshot",
        ])
        .arg(&out)
        // Later than render.rs's 12: the override and the journal are read in the background first,
        // and a busy 2-core CI box must not catch the screen before the desk is up.
        .args(["--exit-after-frames", "40"])
        .args(extra)
        .env("WGPU_BACKEND", "vulkan")
        .env("XDG_CACHE_HOME", data.join("cache"))
        .env("XDG_DATA_HOME", data.join("share"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xvfb-run (apt-get install -y xvfb xauth mesa-vulkan-drivers; see .ci/run)");
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
    assert!(
        stderr.contains("local draw override in use"),
        "{name}: the override is read at start\n{stderr}"
    );
    let img = image::open(&out).unwrap_or_else(|e| panic!("{name}: {e}\n{stderr}")).to_rgb8();
    assert_eq!(img.dimensions(), (1920, 1080));
    std::fs::read_to_string(format!("{}.txt", out.display())).expect("text sidecar")
}

#[test]
fn local_prize_list_is_used_and_a_broken_photo_shows_a_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    std::fs::create_dir_all(&journal).unwrap();
    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"this is not a photo").unwrap();
    let good = format!("{}/assets/prizes/coffee.jpg", env!("CARGO_MANIFEST_DIR"));
    let tickets: Vec<_> = (0..30)
        .map(|n| json!({"number": 7000 + n, "display_name": format!("로컬 {n}"), "holder": format!("h{n}")}))
        .collect();
    let local = json!({
        "version": 1,
        "prizes": [
            {"id": "local-tv", "name": "Local TV 로컬 경품", "image_url": broken.display().to_string(), "winner_count": 2, "order": 1},
            {"id": "local-mug", "name": "Local Mug", "image_url": good, "winner_count": 5, "order": 2, "batch_size": 5},
        ],
        "tickets": tickets,
    });
    std::fs::write(journal.join("local-draw.json"), serde_json::to_vec_pretty(&local).unwrap()).unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(&config, format!("[draw]\njournal_dir = \"{}\"\n", journal.display())).unwrap();

    let texts = render("editor-local-broken-photo", &config, dir.path(), &[]);
    for needle in ["Local TV 로컬 경품", "photo unavailable", "30 in the pool", "0 of 2 winners drawn"] {
        assert!(texts.contains(needle), "`{needle}` not on screen:\n{texts}");
    }
    let texts = render("editor-local-file-photo", &config, dir.path(), &["--prize", "local-mug"]);
    assert!(texts.contains("Local Mug"), "{texts}");
    assert!(
        !texts.contains("photo unavailable") && !texts.contains("no photo"),
        "the photo file is shown:\n{texts}"
    );
}
