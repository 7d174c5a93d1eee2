//! Shared by the integration tests that run the real kiosk binary.

use std::process::{Child, Command, Stdio};

/// An X server of our own (Xvfb), so the kiosk is our direct child and SIGKILL reaches it.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

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
