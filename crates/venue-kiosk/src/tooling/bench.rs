//! `--bench-frames N`: render N frames after a warm-up, then print frame-time percentiles, the
//! overlay's main-thread CPU time and the allocations of the hot systems, and exit. Figures are
//! printed, never asserted: speed belongs in benchmarks, not in tests.

use std::time::Duration;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::feed::FeedFrameCost;
use crate::screens::schedule::OverlayCost;
use crate::screens::schedule::scene::SkyCost;
use crate::shell::display::RenderProfile;

/// Frames ignored at the start: shader compilation and first uploads are not steady state.
const WARM_UP_FRAMES: u32 = 40;

#[derive(Resource)]
struct Bench {
    wanted: u32,
    seen: u32,
    frame_times: Vec<Duration>,
    overlay_at_start: Option<OverlayCost>,
    sky_at_start: Option<SkyCost>,
    feed_at_start: Option<FeedFrameCost>,
}

pub fn plugin(frames: u32) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Bench {
            wanted: frames.max(10),
            seen: 0,
            frame_times: Vec::with_capacity(frames as usize),
            overlay_at_start: None,
            sky_at_start: None,
            feed_at_start: None,
        })
        .add_systems(Last, record_frame);
    }
}

/// Percentile of sorted durations, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The main-thread costs the screens and the feed keep count of.
#[derive(SystemParam)]
struct FrameCosts<'w> {
    overlay: Res<'w, OverlayCost>,
    sky: Res<'w, SkyCost>,
    feed: ResMut<'w, FeedFrameCost>,
}

fn record_frame(
    mut bench: ResMut<Bench>,
    time: Res<Time<Real>>,
    costs: FrameCosts,
    config: Res<crate::config::Config>,
    profile: Option<Res<RenderProfile>>,
    window: Query<&Window>,
    mut exit: MessageWriter<AppExit>,
) {
    let FrameCosts { overlay, sky, mut feed } = costs;
    bench.seen += 1;
    if bench.seen == WARM_UP_FRAMES {
        bench.overlay_at_start = Some(*overlay);
        bench.sky_at_start = Some(*sky);
        // The worst single frame is counted from here on, not during start-up.
        feed.max = Duration::ZERO;
        bench.feed_at_start = Some(*feed);
        return;
    }
    if bench.seen < WARM_UP_FRAMES {
        return;
    }
    bench.frame_times.push(time.delta());
    if bench.frame_times.len() < bench.wanted as usize {
        return;
    }
    let mut sorted = bench.frame_times.clone();
    sorted.sort_unstable();
    let n = sorted.len() as u32;
    let mean = sorted.iter().sum::<Duration>() / n;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let o0 = bench.overlay_at_start.unwrap_or_default();
    let s0 = bench.sky_at_start.unwrap_or_default();
    let overlay_time = overlay.total.saturating_sub(o0.total);
    let checks = (overlay.checks - o0.checks).max(1);
    let size = window
        .iter()
        .next()
        .map(|w| format!("{}x{}", w.physical_width(), w.physical_height()))
        .unwrap_or_default();
    let render = profile
        .map(|p| format!("{} on {}", if p.high { "high" } else { "low" }, p.adapter))
        .unwrap_or_default();
    println!("bench: stars={} frames={n} window={size} render={render}", config.schedule.stars);
    println!(
        "bench: frame pacing off while benchmarking (display.max_fps = {}, still_fps = {} in the config): full-rate frames",
        config.display.max_fps, config.display.still_fps
    );
    println!(
        "bench: frame ms p50={:.2} p95={:.2} p99={:.2} max={:.2} mean={:.2} (fps {:.1})",
        ms(percentile(&sorted, 50.0)),
        ms(percentile(&sorted, 95.0)),
        ms(percentile(&sorted, 99.0)),
        ms(*sorted.last().unwrap()),
        ms(mean),
        1.0 / mean.as_secs_f64()
    );
    println!(
        "bench: overlay cpu mean={:.1} us/frame rebuilds={} idle-frame allocations={} | sky systems allocations={} over {} frames",
        overlay_time.as_secs_f64() * 1e6 / checks as f64,
        overlay.rebuilds - o0.rebuilds,
        overlay.idle_allocations - o0.idle_allocations,
        sky.allocations - s0.allocations,
        sky.frames - s0.frames
    );
    let f0 = bench.feed_at_start.unwrap_or_default();
    let feed_frames = (feed.frames - f0.frames).max(1);
    println!(
        "bench: feed main-thread mean={:.1} us/frame max={:.1} us updates={} (fetching and parsing run on the feed worker)",
        feed.total.saturating_sub(f0.total).as_secs_f64() * 1e6 / feed_frames as f64,
        feed.max.as_secs_f64() * 1e6,
        feed.updates - f0.updates
    );
    let (rss, peak) = resident_mib();
    println!("bench: memory rss_mib={rss:.0} peak_rss_mib={peak:.0}");
    exit.write(AppExit::Success);
}

/// Resident memory now and at its peak (VmRSS, VmHWM), MiB; 0 where /proc is not there.
pub fn resident_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&v, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
