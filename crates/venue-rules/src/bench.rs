//! `venue-kiosk bench engines`: times the pure rules engines on show-sized inputs and prints the
//! figures (never asserted; a busy machine only makes them slower). No window, no GPU.
//!
//! - draw: 100 winners from 1,000,000 tickets (one holder per three tickets), seed from a constant;
//! - judge + score: 1,000,000 presses judged against their targets and summed into a scoreboard;
//! - now/next: every room's now and next over a 2,000-session schedule, at 1,000 instants.

use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Span, FixedOffset, TimeZone, Utc};

use crate::draw::engine::{self, DrawState, EnginePrize, EngineTicket};
use crate::game::judge::{RoundRules, Scoreboard, judge_round};
use crate::schedule::now_next;
use venue_contract::wire::{Schedule, Session, SessionKind};

/// Input sizes; with the `cli` feature, the kiosk's `bench engines` flags.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct EngineBenchArgs {
    /// Tickets in the draw pool.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1_000_000))]
    pub tickets: u32,
    /// Winners drawn from it in one batch.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 100))]
    pub winners: u32,
    /// Presses judged and scored.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1_000_000))]
    pub presses: u32,
    /// Sessions in the schedule for now/next.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 2_000))]
    pub sessions: u32,
    /// Repetitions of each measurement (the median and the fastest are printed).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 5))]
    pub repeat: u32,
}

/// Median and fastest of `repeat` runs of `f`.
fn measure(repeat: u32, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..repeat.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

fn line(name: &str, (median, fastest): (Duration, Duration), per: Option<(u64, &str)>) {
    let mut text = format!("{name:<44} median {:>9.2} ms   fastest {:>9.2} ms", ms(median), ms(fastest));
    if let Some((n, unit)) = per {
        text.push_str(&format!("   {:.1} ns/{unit}", median.as_nanos() as f64 / n as f64));
    }
    println!("{text}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn run(args: &EngineBenchArgs) -> Result<(), String> {
    println!(
        "venue-kiosk bench engines ({} build, {} repetitions)",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        args.repeat
    );
    bench_draw(args)?;
    bench_judge(args);
    bench_now_next(args);
    input_quantization();
    Ok(())
}

/// The game stamps a key-down with the game clock of the frame that receives it, so a press is
/// seen up to one frame late. Calibration removes the average delay (half a frame) along with the
/// player's own latency; what remains is the spread of ±half a frame. Simulated here for 100,000
/// presses at uniformly random instants with the kiosk's exact stamping rule.
fn input_quantization() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for hz in [60.0, 120.0, 144.0, 240.0] {
        let frame = 1000.0 / hz;
        let delays: Vec<f64> = (0..100_000)
            .map(|_| {
                let press = uniform() * 1_000_000.0;
                (press / frame).ceil() * frame - press
            })
            .collect();
        let calibration = crate::game::judge::calibration_offset(&delays).unwrap_or(0.0);
        let mut residual: Vec<f64> = delays.iter().map(|d| (d - calibration).abs()).collect();
        residual.sort_by(f64::total_cmp);
        let p99 = residual[residual.len() * 99 / 100];
        let max = residual[residual.len() - 1];
        let mean = residual.iter().sum::<f64>() / residual.len() as f64;
        println!(
            "input quantization at {hz:>3} Hz (frame {frame:5.2} ms): after calibration mean |error| {mean:5.2} ms, p99 {p99:5.2} ms, max {max:5.2} ms"
        );
    }
}

fn bench_draw(args: &EngineBenchArgs) -> Result<(), String> {
    let pool: Vec<EngineTicket> = (0..args.tickets)
        .map(|i| EngineTicket {
            number: 100_000 + i,
            holder: format!("h-{:08x}", i / 3),
            groups: Vec::new(),
        })
        .collect();
    let prize = EnginePrize {
        id: "grand".into(),
        winner_count: args.winners,
        allow_previous_winners: false,
        batch_size: None,
        eligible_groups: Vec::new(),
        excluded_groups: Vec::new(),
    };
    let seed = [7u8; 32];
    let mut drawn = 0;
    let mut failure = None;
    let times = measure(args.repeat, || {
        let mut state = DrawState::new();
        match engine::draw_batch(&mut state, &pool, &prize, None, seed) {
            Ok(result) => drawn = result.record.winners.len(),
            Err(e) => failure = Some(e.to_string()),
        }
    });
    if let Some(e) = failure {
        return Err(format!("draw failed: {e}"));
    }
    line(
        &format!("draw {drawn} winners from {} tickets", args.tickets),
        times,
        Some((args.tickets as u64, "ticket")),
    );
    let hash_times = measure(args.repeat, || {
        std::hint::black_box(engine::tickets_hash(&pool));
    });
    line("ticket-list hash (SHA-256, canonical list)", hash_times, None);
    Ok(())
}

fn bench_judge(args: &EngineBenchArgs) {
    // Rounds of 1,000 targets 400 ms apart; presses scattered ±150 ms around them.
    const PER_ROUND: usize = 1_000;
    let rounds = (args.presses as usize).div_ceil(PER_ROUND);
    let targets: Vec<f64> = (0..PER_ROUND).map(|i| 1_000.0 + i as f64 * 400.0).collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let presses: Vec<Vec<f64>> = (0..rounds)
        .map(|_| {
            targets
                .iter()
                .map(|t| {
                    // xorshift: cheap, reproducible scatter.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    t + (state % 300) as f64 - 150.0
                })
                .collect()
        })
        .collect();
    let rules = RoundRules::new(5.0, 2.0);
    let mut total = 0i64;
    let times = measure(args.repeat, || {
        let mut board = Scoreboard::new(["solo"], vec![1.0; rounds]).expect("weights are valid");
        for round in &presses {
            let outcome = judge_round(&targets, round, 12.0, &rules);
            board.record_round(&[("solo", outcome.points)]).expect("one team");
        }
        total = board.total("solo").unwrap_or(0);
    });
    line(
        &format!("judge + score {} presses", rounds * PER_ROUND),
        times,
        Some(((rounds * PER_ROUND) as u64, "press")),
    );
    std::hint::black_box(total);
}

fn bench_now_next(args: &EngineBenchArgs) {
    let zone = FixedOffset::east_opt(9 * 3600).expect("valid offset");
    let start: DateTime<FixedOffset> = zone.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).single().expect("valid time");
    let rooms: Vec<String> = (0..20).map(|r| format!("room-{r}")).collect();
    let sessions: Vec<Session> = (0..args.sessions)
        .map(|i| {
            let room = i as usize % rooms.len();
            let slot = i as i64 / rooms.len() as i64;
            let begin = start + Span::minutes(slot * 30);
            Session {
                id: format!("s{i}"),
                title: format!("Session {i}"),
                subtitle: None,
                speakers: vec!["Speaker".into()],
                track: Some(format!("t{}", room % 5)),
                room: Some(rooms[room].clone()),
                start: begin,
                end: begin + Span::minutes(25),
                kind: SessionKind::Talk,
                language: None,
                cancelled: false,
            }
        })
        .collect();
    let span = sessions.last().map(|s| s.end - start).unwrap_or(Span::hours(1));
    let schedule = Schedule { version: 1, sessions };
    let room_ids: Vec<&str> = rooms.iter().map(String::as_str).collect();
    const INSTANTS: i64 = 1_000;
    let times = measure(args.repeat, || {
        for k in 0..INSTANTS {
            let now = (start + span * k as i32 / INSTANTS as i32).with_timezone(&Utc);
            std::hint::black_box(now_next::now_next_by_room(&schedule, &room_ids, now));
        }
    });
    line(
        &format!("now/next of {} rooms, {} sessions, {INSTANTS} instants", rooms.len(), args.sessions),
        times,
        Some((INSTANTS as u64, "instant")),
    );
}
