//! Show-day health: a kiosk runs 10+ hours with nobody at the keyboard.
//!
//! - A panic is logged and ends the process with exit code 101, whichever thread it happened on, so
//!   systemd (or the autostart loop) restarts it. A panicking feed thread or render thread would
//!   otherwise leave a frozen or silently stale screen up.
//! - systemd's notify protocol (`Type=notify`, `WatchdogSec=`): `READY=1` once the first frame has
//!   been presented, `WATCHDOG=1` from the main loop, and a one-line `STATUS=`. The watchdog ping
//!   comes from the frame loop itself, so a loop that freezes stops pinging and is restarted.
//! - The screen on show survives a crash: it is saved beside the journals and a restart that did not
//!   follow a deliberate quit comes back on it (the journals bring back the draw and the game).
//! - Heartbeats: every few seconds, a screen with a kiosk token tells the event server its screen,
//!   room and groups, frame rate, memory, feed state and clock, for the organisers' view of every
//!   screen. When an organiser asks to see the screen, the answer says so: the window is captured,
//!   encoded to PNG off the main thread and posted by the outbox worker.
//! - `--status-file PATH`: a JSON snapshot once a second (screen, feed health, results waiting to be
//!   posted, resident memory) for monitoring and for the fault soak.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::tasks::{AsyncComputeTaskPool, IoTaskPool};
use serde::{Deserialize, Serialize};

use crate::feed::outbox::{MAX_SCREENSHOT_BYTES, ScreenshotUpload};
use crate::feed::{Connection, FeedState, FeedStatus};
use crate::screens::Screen;
use venue_contract::wire::Heartbeat;

// ---- screen resume -------------------------------------------------------------------------

/// Saved beside the journals: the screen on show, and whether the last run ended on purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenMemo {
    pub screen: String,
    pub clean_exit: bool,
}

pub fn screen_name(screen: Screen) -> &'static str {
    match screen {
        Screen::Schedule => "schedule",
        Screen::LuckyDraw => "draw",
        Screen::CubeGame => "game",
        Screen::Casino => "casino",
    }
}

fn screen_from_name(name: &str) -> Option<Screen> {
    Some(match name {
        "schedule" => Screen::Schedule,
        "draw" => Screen::LuckyDraw,
        "game" => Screen::CubeGame,
        "casino" => Screen::Casino,
        _ => return None,
    })
}

/// One file per output, so two kiosks on one machine keep their own screens.
pub fn memo_path(config: &crate::config::Config) -> PathBuf {
    let name = match config.display.monitor {
        Some(n) => format!("screen-monitor{n}.json"),
        None => "screen.json".into(),
    };
    crate::shell::storage::journal_dir(config).join(name)
}

/// The screen to come back on: the saved one when the last run did not end deliberately.
pub fn resumed_screen(memo: Option<&str>) -> Option<Screen> {
    let memo: ScreenMemo = serde_json::from_str(memo?).ok()?;
    if memo.clean_exit { None } else { screen_from_name(&memo.screen) }
}

/// Read at start-up, before the first frame (a few bytes; a missing or broken file means "no").
pub fn read_memo(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Write atomically (temp file + rename) so a kill mid-write leaves the old memo, never half a file.
pub fn write_memo(path: &Path, memo: &ScreenMemo) -> std::io::Result<()> {
    let text = serde_json::to_string(memo).map_err(std::io::Error::other)?;
    write_atomically(path, text.as_bytes())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[derive(Resource)]
struct MemoFile(PathBuf);

fn remember_screen(screen: Res<State<Screen>>, memo: Res<MemoFile>) {
    if !screen.is_changed() {
        return;
    }
    let path = memo.0.clone();
    let memo = ScreenMemo {
        screen: screen_name(*screen.get()).into(),
        clean_exit: false,
    };
    IoTaskPool::get()
        .spawn(async move {
            if let Err(e) = write_memo(&path, &memo) {
                tracing::warn!("cannot save the screen to {}: {e}", path.display());
            }
        })
        .detach();
}

// ---- systemd notify ------------------------------------------------------------------------

/// A connection to systemd's notify socket (`$NOTIFY_SOCKET`), when there is one.
pub struct Notifier {
    socket: UnixDatagram,
    address: std::os::unix::net::SocketAddr,
    /// Half of `$WATCHDOG_USEC`, when the unit has a watchdog.
    watchdog_every: Option<Duration>,
}

impl Notifier {
    /// From the environment systemd sets; `None` outside a notify unit.
    pub fn from_env() -> Option<Notifier> {
        let path = std::env::var_os("NOTIFY_SOCKET")?;
        let address = notify_address(&path)?;
        let socket = UnixDatagram::unbound().ok()?;
        socket.set_nonblocking(true).ok()?;
        let for_us = std::env::var("WATCHDOG_PID")
            .ok()
            .and_then(|p| p.parse::<u32>().ok())
            .is_none_or(|pid| pid == std::process::id());
        let watchdog_every = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|u| u.parse::<u64>().ok())
            .filter(|u| *u > 0 && for_us)
            .map(|u| Duration::from_micros(u / 2));
        Some(Notifier {
            socket,
            address,
            watchdog_every,
        })
    }

    /// Non-blocking: if systemd is not reading, the message is dropped, never the frame.
    pub fn send(&self, message: &str) {
        if let Err(e) = self.socket.send_to_addr(message.as_bytes(), &self.address) {
            tracing::debug!("systemd notify failed: {e}");
        }
    }
}

fn notify_address(path: &std::ffi::OsStr) -> Option<std::os::unix::net::SocketAddr> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(name).ok()
    } else {
        std::os::unix::net::SocketAddr::from_pathname(Path::new(path)).ok()
    }
}

#[derive(Resource)]
struct Systemd {
    notifier: Notifier,
    ready: bool,
    last_ping: Option<Instant>,
    last_status: String,
    last_status_at: Option<Instant>,
}

/// Frames counted before `READY=1`: by then the first frame has been rendered and presented.
const READY_AFTER_FRAMES: u32 = 3;

fn notify_systemd(
    mut systemd: ResMut<Systemd>,
    frames: Res<bevy::diagnostic::FrameCount>,
    screen: Res<State<Screen>>,
    feed: Res<FeedStatus>,
    freeze: Option<Res<FreezeAfterFrames>>,
) {
    if let Some(freeze) = freeze
        && frames.0 >= freeze.0
    {
        tracing::warn!("--freeze-after-frames {}: the main loop stops here (watchdog test)", freeze.0);
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    let now = Instant::now();
    if !systemd.ready && frames.0 >= READY_AFTER_FRAMES {
        systemd.ready = true;
        systemd.notifier.send("READY=1");
    }
    if let Some(every) = systemd.notifier.watchdog_every
        && systemd.last_ping.is_none_or(|t| now - t >= every)
    {
        systemd.last_ping = Some(now);
        systemd.notifier.send("WATCHDOG=1");
    }
    if systemd.last_status_at.is_none_or(|t| now - t >= Duration::from_secs(1)) {
        systemd.last_status_at = Some(now);
        let status = format!(
            "STATUS={} · {}",
            screen_name(*screen.get()),
            feed.summary(|t| t.format("%H:%M").to_string())
        );
        if status != systemd.last_status {
            systemd.notifier.send(&status);
            systemd.last_status = status;
        }
    }
}

/// Testing aid: the main loop stops after N frames, to prove the watchdog pings come from it.
#[derive(Resource, Clone, Copy)]
pub struct FreezeAfterFrames(pub u32);

// ---- status file ---------------------------------------------------------------------------

/// What `--status-file` holds; read by the fault soak and by monitoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    /// When the snapshot was taken (Unix ms).
    pub at_ms: i64,
    pub pid: u32,
    pub frame: u32,
    pub uptime_s: f64,
    pub screen: String,
    /// `local`, `connecting`, `online`, `stale` or `offline`.
    pub connection: String,
    pub feed_line: String,
    pub feed_error: Option<String>,
    /// Bumped on every accepted payload; it never goes back.
    pub feed_revision: u64,
    /// Sessions and messages the screens have to show (the last good data).
    pub sessions: usize,
    pub messages: usize,
    pub draw: Option<DrawReport>,
    pub game: Option<GameReport>,
    /// Resident memory, from /proc/self/statm (filled in off the main thread).
    pub rss_kib: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawReport {
    pub stage: String,
    pub results: usize,
    pub unposted: usize,
    pub acknowledged: usize,
    pub conflicts: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameReport {
    pub phase: String,
    pub rounds_played: usize,
    pub rounds_answered: usize,
}

pub fn connection_name(connection: &Connection) -> &'static str {
    match connection {
        Connection::Local => "local",
        Connection::Connecting => "connecting",
        Connection::Online => "online",
        Connection::Stale { .. } => "stale",
        Connection::Offline { .. } => "offline",
    }
}

#[derive(Resource)]
struct StatusFile {
    path: PathBuf,
    last_write: Option<Instant>,
    started: Instant,
}

fn write_status(
    mut file: ResMut<StatusFile>,
    frames: Res<bevy::diagnostic::FrameCount>,
    screen: Res<State<Screen>>,
    feed: Res<FeedStatus>,
    state: Res<FeedState>,
    desk: Option<Res<crate::screens::draw::DrawDesk>>,
    game: Option<Res<crate::screens::game::Game>>,
) {
    let now = Instant::now();
    if file.last_write.is_some_and(|t| now - t < Duration::from_secs(1)) {
        return;
    }
    file.last_write = Some(now);
    let mut report = StatusReport {
        at_ms: chrono::Utc::now().timestamp_millis(),
        pid: std::process::id(),
        frame: frames.0,
        uptime_s: file.started.elapsed().as_secs_f64(),
        screen: screen_name(*screen.get()).into(),
        connection: connection_name(&feed.connection).into(),
        feed_line: feed.summary(|t| t.to_rfc3339()),
        feed_error: feed.last_error.clone(),
        feed_revision: state.revision,
        sessions: state.schedule.as_ref().map_or(0, |s| s.sessions.len()),
        messages: state.messages.as_ref().map_or(0, |m| m.messages.len()),
        draw: desk.map(|d| DrawReport {
            stage: format!("{:?}", d.0.stage).split([' ', '{']).next().unwrap_or_default().to_string(),
            results: d.0.records.len(),
            unposted: d.0.unposted().count(),
            acknowledged: d.0.acknowledged.len(),
            conflicts: d.0.conflicts.len(),
        }),
        game: game.map(|g| GameReport {
            phase: g.session.phase_name().into(),
            rounds_played: g.session.board.rounds_played(),
            rounds_answered: g.answered.len(),
        }),
        rss_kib: None,
    };
    let path = file.path.clone();
    IoTaskPool::get()
        .spawn(async move {
            report.rss_kib = resident_kib();
            let written = serde_json::to_vec_pretty(&report)
                .map_err(std::io::Error::other)
                .and_then(|bytes| write_atomically(&path, &bytes));
            if let Err(e) = written {
                tracing::warn!("cannot write the status file {}: {e}", path.display());
            }
        })
        .detach();
}

/// Resident set size of this process in KiB (Linux), or `None` elsewhere.
pub fn resident_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

// ---- heartbeats ----------------------------------------------------------------------------

/// How often a screen tells the event server how it is (`POST /api/v1/kiosks/heartbeat`).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

#[derive(Resource)]
struct Heartbeats {
    kiosk_id: String,
    room: Option<String>,
    groups: Vec<String>,
    /// When the last one went, and the frame count then (for the frame rate).
    last: Option<(Instant, u32)>,
}

/// This screen's id for the organisers: the host name, and the monitor when there are several.
fn kiosk_id(monitor: Option<usize>) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "kiosk".into());
    match monitor {
        Some(n) => format!("{host}-m{n}"),
        None => host,
    }
}

fn send_heartbeat(
    mut beats: ResMut<Heartbeats>,
    outbox: Option<Res<crate::feed::Outbox>>,
    frames: Res<bevy::diagnostic::FrameCount>,
    screen: Res<State<Screen>>,
    feed: Res<FeedStatus>,
    state: Res<FeedState>,
) {
    let Some(outbox) = outbox else { return };
    let now = Instant::now();
    let Some((then, frames_then)) = beats.last else {
        beats.last = Some((now, frames.0));
        return;
    };
    if now - then < HEARTBEAT_EVERY {
        return;
    }
    beats.last = Some((now, frames.0));
    let mut heartbeat = Heartbeat {
        version: 1,
        kiosk_id: beats.kiosk_id.clone(),
        screen: screen_name(*screen.get()).into(),
        room: beats.room.clone(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        feed_revision: state.revision.to_string(),
        fps: frames.0.wrapping_sub(frames_then) as f32 / (now - then).as_secs_f32(),
        memory_mib: None,
        connection: connection_name(&feed.connection).into(),
        sent_at: chrono::Utc::now().fixed_offset(),
        groups: beats.groups.clone(),
    };
    // Memory is read off the main thread, as for the status file.
    let sender = outbox.0.heartbeats();
    IoTaskPool::get()
        .spawn(async move {
            heartbeat.memory_mib = resident_kib().map(|kib| u32::try_from(kib / 1024).unwrap_or(u32::MAX));
            sender.send(heartbeat);
        })
        .detach();
}

// ---- screenshots on request ----------------------------------------------------------------

/// A capture the server asked for is being taken: since when (until the frame comes back).
#[derive(Resource, Default)]
struct ScreenshotOnRequest {
    capturing_since: Option<Instant>,
}

/// A capture whose frame never came back (a window that cannot be read) stops blocking the next
/// request after this long.
const CAPTURE_GIVE_UP: Duration = Duration::from_secs(30);

/// When the outbox worker says the server asked for this screen: capture the window as it is (an
/// emergency takeover included). The frame comes back to an observer a frame or two later; encoding
/// the PNG runs on the compute pool, and the worker posts it. Nothing here blocks the frame.
fn capture_on_request(
    mut commands: Commands,
    outbox: Option<Res<crate::feed::Outbox>>,
    beats: Res<Heartbeats>,
    mut state: ResMut<ScreenshotOnRequest>,
) {
    let Some(outbox) = outbox else { return };
    if !outbox.0.screenshot_requested() || state.capturing_since.is_some_and(|t| t.elapsed() < CAPTURE_GIVE_UP) {
        return;
    }
    state.capturing_since = Some(Instant::now());
    let sender = outbox.0.screenshots();
    let kiosk_id = beats.kiosk_id.clone();
    commands.spawn(Screenshot::primary_window()).observe(
        move |mut captured: On<ScreenshotCaptured>, mut state: ResMut<ScreenshotOnRequest>| {
            state.capturing_since = None;
            // Taken, not cloned: the frame's pixels move to the encoder without a copy here.
            let image = std::mem::take(&mut captured.event_mut().image);
            let (sender, kiosk_id) = (sender.clone(), kiosk_id.clone());
            AsyncComputeTaskPool::get()
                .spawn(async move {
                    match encode_png(image, MAX_SCREENSHOT_BYTES) {
                        Ok(png) => sender.send(ScreenshotUpload { kiosk_id, png }),
                        Err(e) => tracing::warn!("cannot encode the screenshot: {e}"),
                    }
                })
                .detach();
        },
    );
}

/// A captured frame as PNG (RGB: the alpha of an HDR target holds no opacity), halved in size
/// until it is at most `max_bytes`.
pub fn encode_png(image: Image, max_bytes: usize) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let mut rgb = image.try_into_dynamic().map_err(|e| e.to_string())?.to_rgb8();
    loop {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(rgb.as_raw(), rgb.width(), rgb.height(), image::ExtendedColorType::Rgb8)
            .map_err(|e| e.to_string())?;
        if png.len() <= max_bytes {
            return Ok(png);
        }
        if rgb.width() < 64 || rgb.height() < 64 {
            return Err(format!("{} bytes even at {}×{}", png.len(), rgb.width(), rgb.height()));
        }
        rgb = image::imageops::resize(&rgb, rgb.width() / 2, rgb.height() / 2, image::imageops::FilterType::Triangle);
    }
}

// ---- plugin --------------------------------------------------------------------------------

/// Options from the command line.
#[derive(Resource, Clone, Default)]
pub struct HealthOptions {
    pub status_file: Option<PathBuf>,
}

pub fn plugin(app: &mut App) {
    let config = app.world().resource::<crate::config::Config>().clone();
    let options = app.world().get_resource::<HealthOptions>().cloned().unwrap_or_default();
    app.insert_resource(MemoFile(memo_path(&config)))
        .insert_resource(Heartbeats {
            kiosk_id: kiosk_id(config.display.monitor),
            room: config.schedule.room.clone(),
            groups: config.display.groups.clone(),
            last: None,
        })
        .init_resource::<ScreenshotOnRequest>()
        .add_systems(Last, (remember_screen, send_heartbeat, capture_on_request));
    if let Some(notifier) = Notifier::from_env() {
        info!(
            "systemd notify socket found; watchdog ping every {:?}",
            notifier.watchdog_every.unwrap_or_default()
        );
        app.insert_resource(Systemd {
            notifier,
            ready: false,
            last_ping: None,
            last_status: String::new(),
            last_status_at: None,
        })
        .add_systems(Last, notify_systemd);
    }
    if let Some(path) = options.status_file {
        app.insert_resource(StatusFile {
            path,
            last_write: None,
            started: Instant::now(),
        })
        .add_systems(Last, write_status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_monitor_is_its_own_screen() {
        let one = kiosk_id(None);
        assert!(!one.is_empty() && !one.contains(char::is_whitespace), "{one}");
        assert_eq!(kiosk_id(Some(1)), format!("{one}-m1"));
    }

    #[test]
    fn a_crash_resumes_the_screen_and_a_deliberate_quit_does_not() {
        let crashed = serde_json::to_string(&ScreenMemo {
            screen: "draw".into(),
            clean_exit: false,
        })
        .unwrap();
        assert_eq!(resumed_screen(Some(&crashed)), Some(Screen::LuckyDraw));
        let quit = serde_json::to_string(&ScreenMemo {
            screen: "draw".into(),
            clean_exit: true,
        })
        .unwrap();
        assert_eq!(resumed_screen(Some(&quit)), None);
        assert_eq!(resumed_screen(None), None);
        assert_eq!(resumed_screen(Some("{\"screen\": \"dra")), None, "a torn file is ignored");
        assert_eq!(resumed_screen(Some(r#"{"screen":"nope","clean_exit":false}"#)), None);
    }

    #[test]
    fn the_memo_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/screen.json");
        let memo = ScreenMemo {
            screen: "game".into(),
            clean_exit: false,
        };
        write_memo(&path, &memo).unwrap();
        assert_eq!(resumed_screen(read_memo(&path).as_deref()), Some(Screen::CubeGame));
        assert!(!path.with_extension("tmp").exists());
    }

    #[test]
    fn notify_messages_reach_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let server = UnixDatagram::bind(&path).unwrap();
        server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let notifier = Notifier {
            socket: UnixDatagram::unbound().unwrap(),
            address: notify_address(path.as_os_str()).unwrap(),
            watchdog_every: None,
        };
        notifier.send("READY=1");
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }

    /// A frame as the renderer hands it over (BGRA, sRGB) comes out as a PNG of the same pixels,
    /// and one over the size limit is shrunk until it fits.
    #[test]
    fn captured_frames_encode_to_png_within_the_limit() {
        use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
        let (width, height) = (320u32, 200u32);
        // Noise does not compress: a worst case for the size limit.
        let mut seed = 7u32;
        let pixels: Vec<u8> = (0..width * height)
            .flat_map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let [b, g, r, _] = seed.to_le_bytes();
                [b, g, r, 255]
            })
            .collect();
        let frame = || {
            Image::new(
                Extent3d {
                    width,
                    height,
                    depth_or_array_layers: 1,
                },
                TextureDimension::D2,
                pixels.clone(),
                TextureFormat::Bgra8UnormSrgb,
                bevy::asset::RenderAssetUsages::all(),
            )
        };
        let png = encode_png(frame(), MAX_SCREENSHOT_BYTES).unwrap();
        let decoded = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8();
        assert_eq!(decoded.dimensions(), (width, height));
        assert_eq!(decoded.get_pixel(0, 0).0, [pixels[2], pixels[1], pixels[0]], "BGRA became RGB");
        let limit = png.len() / 3;
        let smaller = encode_png(frame(), limit).unwrap();
        assert!(smaller.len() <= limit, "{} > {limit}", smaller.len());
        let shrunk = image::load_from_memory(&smaller).unwrap();
        assert_eq!((shrunk.width(), shrunk.height()), (width / 2, height / 2));
        assert!(encode_png(frame(), 10).is_err(), "no PNG is 10 bytes");
    }

    #[test]
    fn resident_memory_is_read_on_linux() {
        let kib = resident_kib().expect("/proc/self/statm");
        assert!(kib > 100, "{kib} KiB");
    }
}
