//! Command line. Flags override `config/kiosk.toml`.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};
use clap::Parser;

use crate::config::{Config, ConfigError, Mode};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "venue-kiosk",
    version,
    about = "Fullscreen venue kiosk: starfield schedule, lucky draw and cube-timing game"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Screen to show at start (F2/F3/F4 switch at run time).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,

    /// Event source: an event-server URL (http://host:8080), a file:// URL or directory, or "sample".
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,

    /// Configuration file (default: the embedded config/kiosk.toml).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Run in a window instead of borderless fullscreen.
    #[arg(long)]
    pub windowed: bool,

    /// Fullscreen on monitor N (0-based) instead of the primary one; one process per output.
    #[arg(long, value_name = "N")]
    pub monitor: Option<usize>,

    /// Window size when windowed, e.g. 1280x720.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<(u32, u32)>,

    /// Captures, benchmarks, bots and fault injection (tooling).
    #[command(flatten)]
    pub tooling: crate::tooling::ToolingFlags,

    /// Pretend the venue clock reads this instant at start (RFC 3339), for rehearsals and screenshots.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<FixedOffset>>,

    /// Stars in the sky (1000..=200000), e.g. fewer on a weak machine or more for a benchmark.
    #[arg(long, value_name = "N")]
    pub stars: Option<u32>,

    /// Door-side mode: this room's sessions large, other rooms small (room id or name).
    #[arg(long, value_name = "NAME")]
    pub room: Option<String>,

    /// Start with the operator panel (F1) open.
    #[arg(long)]
    pub operator_panel: bool,

    /// Lucky draw: start on this prize (its id) instead of the first one not yet complete.
    #[arg(long, value_name = "ID")]
    pub prize: Option<String>,

    /// Write a JSON status snapshot here once a second: screen, feed health, results waiting to be
    /// posted, resident memory (for monitoring).
    #[arg(long, value_name = "PATH")]
    pub status_file: Option<PathBuf>,

    /// Watchdog test aid: stop the main loop after N frames (the process stays, frozen).
    #[arg(long, hide = true, value_name = "N")]
    pub freeze_after_frames: Option<u32>,

    /// Render quality: auto (by adapter), low, high.
    #[arg(long, value_name = "auto|low|high", value_parser = ["auto", "low", "high"])]
    pub quality: Option<String>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Recompute every draw in an audit file (the draw journal or a JSON array of audit records)
    /// bit for bit and say OK or what differs. Tickets default to the snapshot beside the journal.
    VerifyDraw {
        /// The draw journal (draw-journal.jsonl) or an exported audit JSON.
        audit_file: PathBuf,
        /// The ticket list: the contract's draw JSON, a CSV with `number` and `holder`, or a snapshot.
        tickets_file: Option<PathBuf>,
    },
    /// Run the event server every kiosk pulls from (contract v1, SQLite or PostgreSQL).
    Serve(venue_server::ServeArgs),
    /// Write the results stored by an event server (winners per prize, game results) as CSV and JSON.
    Export(venue_server::ExportArgs),
    /// Load-test an event server's schedule endpoint with many concurrent pollers; prints requests/s and latency.
    BenchServer(venue_server::LoadBenchArgs),
    /// A misbehaving event server in front of a real one (slow, 500s, malformed, truncated, huge,
    /// wrong type, resets), for benchmarks and the fault soak. 127.0.0.1 only in practice.
    ChaosProxy(crate::tooling::chaos::ChaosArgs),
    /// Measure and print figures (nothing is asserted).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Print the winners of every prize as CSV from a draw journal.
    ExportWinners {
        /// The draw journal (draw-journal.jsonl) or its directory.
        journal: PathBuf,
        /// Only this prize id.
        #[arg(long)]
        prize: Option<String>,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum BenchCommand {
    /// The pure engines on show-sized inputs: draw from 1M tickets, judge 1M presses, now/next over 2,000 sessions.
    Engines(venue_rules::bench::EngineBenchArgs),
    /// Time from process start to the first presented frame (READY=1), cold and warm. Needs a display.
    Startup(crate::tooling::bench_startup::StartupBenchArgs),
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text.split_once(['x', 'X']).ok_or("expected WxH, e.g. 1920x1080")?;
    let w = w.trim().parse().map_err(|_| format!("width `{w}` is not a number"))?;
    let h = h.trim().parse().map_err(|_| format!("height `{h}` is not a number"))?;
    Ok((w, h))
}

fn parse_now(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text).map_err(|e| format!("`{text}` is not RFC 3339 (e.g. 2026-12-03T14:10:00+09:00): {e}"))
}

impl Cli {
    /// Load the config file and lay the flags over it; the result is validated again.
    pub fn resolve_config(&self) -> Result<Config, ConfigError> {
        let mut config = Config::load(self.config.as_deref())?;
        let origin = self
            .config
            .as_ref()
            .map_or("<embedded config/kiosk.toml>".to_string(), |p| p.display().to_string());
        if let Some(mode) = self.mode {
            config.mode = mode;
        }
        if let Some(server) = &self.server {
            config.feed.source = server.clone();
        }
        if self.windowed {
            config.display.windowed = true;
        }
        if let Some(monitor) = self.monitor {
            config.display.monitor = Some(monitor);
        }
        if let Some((w, h)) = self.size {
            config.display.width = w;
            config.display.height = h;
        }
        if let Some(stars) = self.stars {
            config.schedule.stars = stars;
        }
        if let Some(room) = &self.room {
            config.schedule.room = Some(room.clone());
        }
        if let Some(q) = &self.quality {
            config.render.quality = match q.as_str() {
                "low" => crate::config::Quality::Low,
                "high" => crate::config::Quality::High,
                _ => crate::config::Quality::Auto,
            };
        }
        config.validate(&format!("{origin} + command line")).map_err(|mut e| {
            if e.key == "feed.source" && self.server.is_some() {
                e.key = "--server".into();
            }
            e
        })?;
        Ok(config)
    }
}
