//! The real binary's command line: help, and start-up refusing a bad config with a clear message.

use std::process::Command;

fn kiosk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_venue-kiosk"))
}

#[test]
fn help_lists_the_flags() {
    let out = kiosk().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--mode",
        "--server",
        "--config",
        "--windowed",
        "--screenshot",
        "--exit-after-frames",
        "--now",
    ] {
        assert!(text.contains(flag), "--help mentions {flag}:\n{text}");
    }
}

#[test]
fn bad_config_value_stops_start_up_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, "[render]\nquality = \"ultra\"\n").unwrap();
    let out = kiosk().arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "exit code 2 for a config error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("render.quality"), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("auto") && err.contains("high"), "lists what is allowed: {err}");
}

#[test]
fn misspelt_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, "[feed]\npol_interval = 3\n").unwrap();
    let out = kiosk().arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("feed.pol_interval"));
}

#[test]
fn bad_server_url_is_refused() {
    let out = kiosk().args(["--server", "gopher://old"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--server") && err.contains("gopher://"), "{err}");
}

#[test]
fn bad_now_is_refused_by_clap() {
    let out = kiosk().args(["--now", "tomorrow"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}

#[test]
fn bench_engines_prints_figures() {
    let out = Command::new(env!("CARGO_BIN_EXE_venue-kiosk"))
        .args([
            "bench",
            "engines",
            "--tickets",
            "5000",
            "--winners",
            "10",
            "--presses",
            "2000",
            "--sessions",
            "100",
            "--repeat",
            "1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    for needle in [
        "draw 10 winners from 5000 tickets",
        "judge + score 2000 presses",
        "now/next of 20 rooms, 100 sessions",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // A draw that cannot be made is an error, not a figure.
    let out = Command::new(env!("CARGO_BIN_EXE_venue-kiosk"))
        .args(["bench", "engines", "--tickets", "30", "--winners", "50", "--repeat", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("draw failed"));
}
