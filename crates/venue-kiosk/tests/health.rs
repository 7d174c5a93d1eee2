//! Crash safety and the systemd watchdog, with the real binary under Xvfb:
//! - a panic ends the process with a non-zero code (so the unit restarts it), and the restart comes
//!   back on the screen that was showing, with the draw's results, within seconds;
//! - `READY=1` and `WATCHDOG=1` reach `$NOTIFY_SOCKET`, and the pings stop when the main loop freezes.

mod common;

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn kiosk(display: &str, data: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_venue-kiosk"));
    command
        .args(["--windowed", "--size", "640x360"])
        .env("DISPLAY", display)
        .env("WGPU_BACKEND", "vulkan")
        .env("XDG_DATA_HOME", data.join("data"))
        .env("XDG_CACHE_HOME", data.join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

#[test]
fn a_panic_exits_non_zero_and_the_restart_resumes_the_screen() {
    let xvfb = common::Xvfb::start(640, 360);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let config = dir.path().join("kiosk.toml");
    std::fs::write(&config, format!("[draw]\njournal_dir = \"{}\"\n", journal.display())).unwrap();
    let kiosk = |display: &str, data: &std::path::Path| {
        let mut command = kiosk(display, data);
        command.arg("--config").arg(&config);
        command
    };

    // On the draw screen, one draw, then a panic on the main thread.
    let out = kiosk(&xvfb.display, dir.path())
        .args(["--mode", "draw", "--autodraw", "--panic-after-frames", "400"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "a panic must end the process with 101:\n{log}");
    assert!(log.contains("deliberate panic"), "the panic is logged:\n{log}");

    // Restarted as the service would (no --mode): back on the draw screen, with the same winners.
    let started = Instant::now();
    let shot = dir.path().join("resumed.png");
    let out = kiosk(&xvfb.display, dir.path())
        .arg("--screenshot")
        .arg(&shot)
        .args(["--exit-after-frames", "5"])
        .output()
        .unwrap();
    let restart_s = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("resuming on LuckyDraw"), "{log}");
    let text = std::fs::read_to_string(shot.with_extension("png.txt")).unwrap();
    let committed: Vec<serde_json::Value> = std::fs::read_to_string(journal.join("draw-journal.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "committed")
        .collect();
    assert_eq!(committed.len(), 1, "one draw before the panic");
    for winner in committed[0]["record"]["winners"].as_array().unwrap() {
        let ticket = winner["ticket"].as_u64().unwrap();
        assert!(
            text.contains(&format!("{ticket:04}")) || text.contains(&ticket.to_string()),
            "winner {ticket} on screen:\n{text}"
        );
    }
    eprintln!("restart to a captured frame on the resumed screen: {restart_s:.1} s (dev build, lavapipe)");

    // A deliberate quit (a clean exit) starts on the configured screen next time.
    let out = kiosk(&xvfb.display, dir.path())
        .args(["--exit-after-frames", "3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(
        &kiosk(&xvfb.display, dir.path())
            .args(["--exit-after-frames", "3"])
            .output()
            .unwrap()
            .stderr,
    )
    .into_owned();
    assert!(!log.contains("resuming on"), "{log}");
}

#[test]
fn the_watchdog_hears_from_the_main_loop_and_not_from_a_frozen_one() {
    let xvfb = common::Xvfb::start(640, 360);
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut child = kiosk(&xvfb.display, dir.path())
        .args(["--freeze-after-frames", "150"])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut messages: Vec<(Instant, String)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut buf = [0u8; 4096];
    // Listen until the pings have been silent for 3 s (frozen) or time runs out.
    loop {
        if let Ok(n) = socket.recv(&mut buf) {
            messages.push((Instant::now(), String::from_utf8_lossy(&buf[..n]).into_owned()));
        }
        let last_ping = messages.iter().rev().find(|m| m.1 == "WATCHDOG=1").map(|m| m.0);
        if last_ping.is_some_and(|t| t.elapsed() > Duration::from_secs(3)) || Instant::now() > deadline {
            break;
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "a frozen kiosk is still a live process");
    let _ = child.kill();
    let _ = child.wait();
    let texts: Vec<&str> = messages.iter().map(|m| m.1.as_str()).collect();
    let ready = texts.iter().position(|m| *m == "READY=1").expect("READY=1 was sent");
    let pings = texts.iter().filter(|m| **m == "WATCHDOG=1").count();
    assert!(pings >= 3, "pings: {texts:?}");
    assert!(texts[ready..].contains(&"WATCHDOG=1"), "pings after READY: {texts:?}");
    assert!(texts.iter().any(|m| m.starts_with("STATUS=schedule")), "{texts:?}");
    let last_ping = messages.iter().rev().find(|m| m.1 == "WATCHDOG=1").unwrap().0;
    assert!(
        last_ping.elapsed() > Duration::from_secs(3),
        "the pings stopped with the main loop: {texts:?}"
    );
}
