//! Shared by the integration tests that run the real kiosk binary.

use std::process::{Child, Command, Stdio};

/// An X server of our own (Xvfb), so the kiosk is our direct child and SIGKILL reaches it.
#[allow(dead_code)] // the screenshot-only tests use `capture` instead
pub struct Xvfb {
    child: Child,
    pub display: String,
}

#[allow(dead_code)]
impl Xvfb {
    pub fn start(width: u32, height: u32) -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &format!("{width}x{height}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt-get install -y xvfb; see .ci/run)");
        let mut number = String::new();
        {
            use std::io::BufRead;
            std::io::BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut number)
                .unwrap();
        }
        Xvfb {
            child,
            display: format!(":{}", number.trim()),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `venue-kiosk verify-draw FILE`: whether it passed, and its report.
#[allow(dead_code)] // not every test crate that includes this module verifies draws
pub fn verify_draw(audit: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_venue-kiosk"))
        .arg("verify-draw")
        .arg(audit)
        .output()
        .expect("run venue-kiosk verify-draw");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Where render tests leave their PNGs (and text sidecars) to look at.
#[allow(dead_code)] // only the render tests capture
pub fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One captured frame of the real kiosk.
#[allow(dead_code)]
pub struct Capture {
    pub img: image::RgbImage,
    /// Every text on screen at capture time (the kiosk writes it beside the PNG).
    /// Text wholly inside the window (`shot.png.txt`).
    pub texts: String,
    /// Text cut off by the window's edge or a clipping panel, or outside it (`shot.png.cut.txt`).
    pub cut: String,
    pub stderr: String,
}

/// Runs the kiosk under `xvfb-run` at `size` with `--screenshot NAME.png --exit-after-frames
/// FRAMES` and `args`, lavapipe and the given environment; fails the test unless it exits cleanly
/// with a PNG of that size and its text sidecar.
#[allow(dead_code)]
pub fn capture(name: &str, size: (u32, u32), frames: u32, args: &[&std::ffi::OsStr], env: &[(&str, &std::path::Path)]) -> Capture {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let out = screenshot_dir().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&out);
    let have_xvfb = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        have_xvfb,
        "xvfb-run is missing: apt-get install -y xvfb xauth mesa-vulkan-drivers (see .ci/run)"
    );
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "-s", &format!("-screen 0 {}x{}x24", size.0, size.1)])
        .arg(env!("CARGO_BIN_EXE_venue-kiosk"))
        .args(["--windowed", "--size", &format!("{}x{}", size.0, size.1), "--screenshot"])
        .arg(&out)
        .args(["--exit-after-frames", &frames.to_string()])
        .args(args)
        .env("WGPU_BACKEND", "vulkan")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start xvfb-run");
    // Read stderr while waiting, so a chatty kiosk never blocks on a full pipe.
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
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
    let stderr = reader.join().unwrap_or_default();
    assert!(status.success(), "{name}: kiosk exited with {status}\n{stderr}");
    let img = image::open(&out)
        .unwrap_or_else(|e| panic!("{name}: {} is not a PNG: {e}\n{stderr}", out.display()))
        .to_rgb8();
    assert_eq!(img.dimensions(), size, "{name}");
    let texts = std::fs::read_to_string(format!("{}.txt", out.display())).unwrap_or_else(|e| panic!("{name}: no text sidecar: {e}"));
    let cut = std::fs::read_to_string(format!("{}.cut.txt", out.display())).unwrap_or_default();
    Capture { img, texts, cut, stderr }
}
