//! `venue-kiosk bench startup`: time from process start to the first presented frame, cold and
//! warm. Each run starts this same binary as a kiosk with `NOTIFY_SOCKET` pointing at a socket of
//! ours and stops the clock at `READY=1`, which the kiosk sends once its first frames have been
//! presented (health.rs): the moment systemd would also count as "started".
//!
//! - cold: an empty shader cache and data dir (no saved feed, no journal), and, when we may
//!   (root), the kernel's page cache dropped, as after a reboot;
//! - warm: the same caches as the run before, as after a crash restart.
//!
//! Needs a display: run it under `xvfb-run` (and `WGPU_BACKEND=vulkan` for lavapipe).

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct StartupBenchArgs {
    /// Runs of each kind.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Window size.
    #[arg(long, default_value = "1920x1080")]
    pub size: String,
    /// Screen to start on (schedule, draw, game).
    #[arg(long, default_value = "schedule")]
    pub screen: String,
    /// Give up on a run after this many seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
}

/// One kiosk start: seconds to `READY=1`.
fn time_one(exe: &Path, args: &StartupBenchArgs, cache: &Path, data: &Path, socket_dir: &Path) -> Result<f64, String> {
    let socket_path = socket_dir.join(format!("notify-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket_path);
    let socket = UnixDatagram::bind(&socket_path).map_err(|e| format!("notify socket {}: {e}", socket_path.display()))?;
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(["--windowed", "--size", &args.size, "--mode", &args.screen])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("XDG_CACHE_HOME", cache)
        .env("XDG_DATA_HOME", data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("start {}: {e}", exe.display()))?;
    let deadline = started + Duration::from_secs(args.timeout_s);
    let mut buf = [0u8; 4096];
    let outcome = loop {
        match socket.recv(&mut buf) {
            Ok(n) if buf[..n].split(|b| *b == b'\n').any(|line| line == b"READY=1") => break Ok(started.elapsed().as_secs_f64()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => break Err(format!("notify socket: {e}")),
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!("the kiosk exited with {status} before it was ready (is there a display?)"));
        }
        if Instant::now() > deadline {
            break Err(format!("no READY=1 within {} s", args.timeout_s));
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&socket_path);
    outcome
}

/// Drop the kernel's page cache (needs root); says whether it could.
fn drop_page_cache() -> bool {
    // `sync` first so dirty pages can be dropped too.
    let _ = Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

fn fresh(dir: &Path) -> Result<PathBuf, String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir.to_path_buf())
}

fn summary(label: &str, times: &[f64]) -> String {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
    let list: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
    format!(
        "{label}: min {:.2} s, median {:.2} s, max {:.2} s  (runs: {})",
        sorted.first().copied().unwrap_or(f64::NAN),
        median,
        sorted.last().copied().unwrap_or(f64::NAN),
        list.join(", ")
    )
}

pub fn run(args: StartupBenchArgs) -> Result<(), String> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err("no display: run it under xvfb-run -a -s \"-screen 0 1920x1080x24\" (WGPU_BACKEND=vulkan for lavapipe)".into());
    }
    let exe = std::env::current_exe().map_err(|e| format!("this binary's path: {e}"))?;
    let root = std::env::temp_dir().join(format!("venue-kiosk-bench-startup-{}", std::process::id()));
    let profile = if cfg!(debug_assertions) { "dev" } else { "release" };
    println!(
        "bench startup: {} ({profile} build), {} on the {} screen, {} runs each; clock stops at READY=1 (first frames presented)",
        exe.display(),
        args.size,
        args.screen,
        args.runs
    );
    let mut cold = Vec::new();
    let mut dropped_every_time = true;
    for i in 0..args.runs {
        let cache = fresh(&root.join(format!("cold-{i}/cache")))?;
        let data = fresh(&root.join(format!("cold-{i}/data")))?;
        dropped_every_time &= drop_page_cache();
        cold.push(time_one(&exe, &args, &cache, &data, &root)?);
    }
    // Warm: one unmeasured start fills the caches, then every run reuses them.
    let cache = fresh(&root.join("warm/cache"))?;
    let data = fresh(&root.join("warm/data"))?;
    time_one(&exe, &args, &cache, &data, &root)?;
    let mut warm = Vec::new();
    for _ in 0..args.runs {
        warm.push(time_one(&exe, &args, &cache, &data, &root)?);
    }
    let _ = std::fs::remove_dir_all(&root);
    println!(
        "{}",
        summary(
            if dropped_every_time {
                "cold (empty shader cache and data dir, page cache dropped)"
            } else {
                "cold (empty shader cache and data dir; page cache NOT dropped: needs root)"
            },
            &cold
        )
    );
    println!("{}", summary("warm (caches from the run before)", &warm));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_orders_the_runs() {
        let line = summary("warm", &[0.9, 0.5, 0.7]);
        assert!(line.starts_with("warm: min 0.50 s, median 0.70 s, max 0.90 s"), "{line}");
        assert!(line.ends_with("(runs: 0.90, 0.50, 0.70)"), "{line}");
    }
}
