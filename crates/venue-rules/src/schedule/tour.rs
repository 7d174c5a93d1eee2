//! The camera tour as a pure function of the venue clock: every screen that reads the same clock
//! shows the same view, with no messages between screens and no state that a slow frame can knock
//! out of step. Each track's sky sector gets `dwell` seconds, then an eased turn to the next one.

/// Where the camera looks and which track's overlay is forward.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TourPose {
    /// Heading around the vertical axis, radians in [0, 2π). It wraps, but the direction it names
    /// moves continuously. (Kept small: an f32 of Unix-time laps would lose all precision.)
    pub yaw: f32,
    /// Gentle vertical bob, radians.
    pub pitch: f32,
    /// Camera position offset for parallax (x, y, z), in world units.
    pub position: [f32; 3],
    /// Track whose sector is in view (its overlay comes forward).
    pub focus: usize,
    /// 0 while dwelling, rising to 1 over a transition to the next track.
    pub transition: f32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TourTiming {
    /// Seconds on each track, transition included.
    pub dwell_s: f64,
    /// Seconds of the eased turn at the end of each dwell.
    pub transition_s: f64,
}

/// Heading of track `i` of `n`: sectors evenly around the sky.
pub fn track_yaw(i: usize, n: usize) -> f32 {
    if n == 0 {
        return 0.0;
    }
    (i as f32) * std::f32::consts::TAU / (n as f32)
}

/// Smoothstep easing: zero speed at both ends, so a turn starts and stops gently.
pub fn ease(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Seconds to ease into and out of a break's held view.
pub const HOLD_RAMP_S: f64 = 6.0;

/// The pose at `t` seconds of the venue clock (e.g. Unix time), for `n_tracks`.
/// `hold = Some((start, end))` is a break (venue-clock seconds): the tour eases to a standstill on
/// the view it had at `start` so the timetable can be read, and eases back into the tour after `end`.
pub fn pose(t: f64, n_tracks: usize, timing: TourTiming, hold: Option<(f64, f64)>) -> TourPose {
    let moving = tour_pose(t, n_tracks, timing);
    let Some((start, end)) = hold else { return moving };
    let blend = ease(((t - start) / HOLD_RAMP_S).min((end + HOLD_RAMP_S - t) / HOLD_RAMP_S)) as f32;
    if blend <= 0.0 {
        return moving;
    }
    let held = tour_pose(start, n_tracks, timing);
    // Turn the short way round: yaw only matters modulo a full turn.
    let tau = std::f32::consts::TAU;
    let diff = (held.yaw - moving.yaw + std::f32::consts::PI).rem_euclid(tau) - std::f32::consts::PI;
    TourPose {
        yaw: (moving.yaw + diff * blend).rem_euclid(tau),
        focus: if blend > 0.5 { held.focus } else { moving.focus },
        transition: moving.transition * (1.0 - blend),
        ..moving
    }
}

fn tour_pose(t: f64, n_tracks: usize, timing: TourTiming) -> TourPose {
    let n = n_tracks.max(1);
    let dwell = timing.dwell_s.max(1.0);
    let transition = timing.transition_s.clamp(0.0, dwell * 0.9);
    let cycle = dwell * n as f64;
    let laps = (t / cycle).floor();
    let in_cycle = t - laps * cycle;
    let slot = ((in_cycle / dwell).floor() as usize).min(n - 1);
    let in_slot = in_cycle - slot as f64 * dwell;
    let turning_from = dwell - transition;
    let progress = if transition <= 0.0 || in_slot < turning_from {
        0.0
    } else {
        ease((in_slot - turning_from) / transition)
    };
    // The slot plus the eased part of the turn; whole laps drop out (a full turn is no turn).
    let sector = std::f64::consts::TAU / n as f64;
    let yaw = ((slot as f64 + progress) * sector).rem_euclid(std::f64::consts::TAU) as f32;
    // Slow drift for parallax: the camera wanders a little around the centre.
    let drift = t * std::f64::consts::TAU / 240.0;
    let position = [
        (drift.sin() * 24.0) as f32,
        (drift.cos() * 0.7 * 8.0) as f32,
        ((drift * 0.5).cos() * 18.0) as f32,
    ];
    let pitch = (0.06 + 0.04 * (t * std::f64::consts::TAU / 90.0).sin()) as f32;
    TourPose {
        yaw,
        pitch,
        position,
        focus: if progress > 0.5 { (slot + 1) % n } else { slot },
        transition: progress as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMING: TourTiming = TourTiming {
        dwell_s: 20.0,
        transition_s: 4.0,
    };

    /// Signed angle from `a` to `b`, the short way round.
    fn turn(a: f32, b: f32) -> f32 {
        (b - a + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI
    }

    #[test]
    fn dwells_then_turns_to_the_next_track() {
        let p = pose(1000.0 * 60.0, 3, TIMING, None); // 60000 s: a cycle boundary (60 s cycle)
        assert_eq!(p.focus, 0);
        assert_eq!(p.transition, 0.0);
        let mid = pose(60_000.0 + 18.0, 3, TIMING, None);
        assert!(mid.transition > 0.4 && mid.transition < 0.6, "{mid:?}");
        let next = pose(60_000.0 + 21.0, 3, TIMING, None);
        assert_eq!(next.focus, 1);
        assert!((turn(pose(60_000.0, 3, TIMING, None).yaw, next.yaw) - track_yaw(1, 3)).abs() < 1e-3);
    }

    #[test]
    fn no_jumps_anywhere_including_lap_boundaries() {
        // Sample densely across several laps: the heading changes by at most the eased turn's
        // top speed times the step, never by a jump.
        let step = 0.05;
        let max_speed = 1.5 * (std::f64::consts::TAU / 3.0) / TIMING.transition_s; // smoothstep peak slope 1.5
        // Around a realistic Unix time, where precision matters.
        let t0 = 1_796_000_000.0;
        let mut previous = pose(t0, 3, TIMING, None);
        let mut t = t0 + step;
        while t < t0 + 400.0 {
            let p = pose(t, 3, TIMING, None);
            let d = turn(previous.yaw, p.yaw) as f64;
            assert!(d >= -1e-4 && d <= max_speed * step + 1e-3, "jump of {d} rad at t={t}");
            for axis in 0..3 {
                assert!((p.position[axis] - previous.position[axis]).abs() < 0.1, "position jump at t={t}");
            }
            previous = p;
            t += step;
        }
    }

    #[test]
    fn same_clock_same_view() {
        // Two screens computing at the same instant agree exactly, whatever their frame history.
        assert_eq!(pose(1_797_000_123.25, 3, TIMING, None), pose(1_797_000_123.25, 3, TIMING, None));
    }

    #[test]
    fn a_break_eases_to_a_standstill_and_back_without_jumps() {
        let (start, end) = (60_000.0 + 5.0, 60_000.0 + 5.0 + 600.0);
        let held = pose(start, 3, TIMING, None);
        // Well inside the break the view is still, whatever the tour would be doing.
        for t in [start + 10.0, start + 100.0, start + 317.5, end - 1.0] {
            let p = pose(t, 3, TIMING, Some((start, end)));
            let d = (p.yaw - held.yaw).rem_euclid(std::f32::consts::TAU);
            assert!(!(1e-3..=std::f32::consts::TAU - 1e-3).contains(&d), "held at t={t}: {d}");
            assert_eq!(p.transition, 0.0);
        }
        // Continuity through the ramps in and out.
        let mut previous = pose(start - 10.0, 3, TIMING, Some((start, end)));
        let mut t = start - 10.0;
        // Fastest legal motion: the tour's turn (1.5 · sector / transition) plus the ramp's blend
        // (1.5 · π / ramp), per 0.05 s step; a jump would be a whole sector (2.1 rad).
        let limit = 0.05 * (1.5 * std::f32::consts::TAU / 3.0 / 4.0 + 1.5 * std::f32::consts::PI / HOLD_RAMP_S as f32) + 1e-3;
        while t < end + 30.0 {
            t += 0.05;
            let p = pose(t, 3, TIMING, Some((start, end)));
            let d = turn(previous.yaw, p.yaw).abs();
            assert!(d < limit, "jump of {d} rad at t={t}");
            previous = p;
        }
        // After the ramp out it is the plain tour again.
        assert_eq!(pose(end + 7.0, 3, TIMING, Some((start, end))), pose(end + 7.0, 3, TIMING, None));
    }

    #[test]
    fn single_track_and_zero_tracks_are_safe() {
        let p = pose(123.0, 0, TIMING, None);
        assert!(p.yaw.is_finite());
        assert_eq!(pose(5.0, 1, TIMING, None).focus, 0);
    }

    #[test]
    fn easing_is_smooth() {
        assert_eq!(ease(0.0), 0.0);
        assert_eq!(ease(1.0), 1.0);
        assert!((ease(0.5) - 0.5).abs() < 1e-9);
        assert_eq!(ease(-1.0), 0.0);
    }
}
