//! The rolling machine's motion, as pure functions of time: each reel (one per digit of the ticket
//! number) accelerates, spins, then decelerates with a small overshoot and lands on its digit; reels
//! stop one after another, left to right, for suspense. The winner is already decided and journaled
//! before the first reel moves: this is theatre, never the draw itself.

/// Top speed, in digits per second.
pub const SPIN_SPEED: f32 = 22.0;
/// Seconds to reach top speed.
pub const ACCELERATION_S: f32 = 0.45;
/// Seconds every reel spins before the first one starts to stop.
pub const SPIN_BASE_S: f32 = 1.2;
/// Extra seconds before each following reel starts to stop.
pub const STAGGER_S: f32 = 0.55;
/// Seconds from "start to stop" to landed.
pub const DECELERATION_S: f32 = 1.1;
/// Seconds between the last reel landing and the reveal (the winners' names, the fanfare).
pub const REVEAL_PAUSE_S: f32 = 0.3;

/// Seconds until the last of `reels` reels has landed.
pub fn roll_duration(reels: usize) -> f32 {
    reel_lands_at(reels.saturating_sub(1))
}

/// Seconds after the roll began when the result of `reels` reels is revealed.
pub fn reveal_at(reels: usize) -> f32 {
    roll_duration(reels) + REVEAL_PAUSE_S
}

/// Ease-out with a small overshoot past 1 before settling (easeOutBack).
fn ease_out_back(u: f32) -> f32 {
    let u = u.clamp(0.0, 1.0);
    let c1 = 1.2;
    let c3 = c1 + 1.0;
    1.0 + c3 * (u - 1.0).powi(3) + c1 * (u - 1.0).powi(2)
}

/// Distance travelled while spinning up and at full speed, in digits.
fn spin_distance(t: f32) -> f32 {
    if t <= 0.0 {
        0.0
    } else if t < ACCELERATION_S {
        0.5 * SPIN_SPEED / ACCELERATION_S * t * t
    } else {
        0.5 * SPIN_SPEED * ACCELERATION_S + SPIN_SPEED * (t - ACCELERATION_S)
    }
}

/// Position of reel `index` at `t` seconds after the roll began, in digits travelled; the digit
/// in the window is `position.rem_euclid(10)`. Lands exactly on `digit`.
pub fn reel_position(t: f32, index: usize, digit: u8) -> f32 {
    let stop_at = SPIN_BASE_S + STAGGER_S * index as f32;
    if t < stop_at {
        return spin_distance(t);
    }
    let from = spin_distance(stop_at);
    // Land on the first position at least a few digits on that shows `digit`.
    let min_target = from + SPIN_SPEED * DECELERATION_S * 0.3;
    let base = (min_target / 10.0).ceil() * 10.0 + digit as f32;
    let target = if base - 10.0 >= min_target { base - 10.0 } else { base };
    let u = (t - stop_at) / DECELERATION_S;
    from + (target - from) * ease_out_back(u)
}

/// Seconds after the roll began when reel `index` (0 = leftmost) has landed.
pub fn reel_lands_at(index: usize) -> f32 {
    SPIN_BASE_S + STAGGER_S * index as f32 + DECELERATION_S
}

/// Has reel `index` landed by `t`?
pub fn reel_landed(t: f32, index: usize) -> bool {
    t >= reel_lands_at(index)
}

/// The digits of a ticket number padded to `width` reels.
pub fn digits(number: u32, width: usize) -> Vec<u8> {
    let text = format!("{number:0width$}");
    text.bytes().map(|b| b - b'0').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reel_lands_on_its_digit_left_to_right() {
        let number = digits(4071, 4);
        assert_eq!(number, [4, 0, 7, 1]);
        let end = roll_duration(4);
        for (i, d) in number.iter().enumerate() {
            let p = reel_position(end + 0.01, i, *d);
            assert!((p.rem_euclid(10.0) - *d as f32).abs() < 1e-3, "reel {i}: {p}");
        }
        // Left to right: reel 0 lands first.
        let t = SPIN_BASE_S + DECELERATION_S + 0.01;
        assert!(reel_landed(t, 0) && !reel_landed(t, 1));
    }

    #[test]
    fn motion_is_continuous_with_an_overshoot() {
        let mut previous = reel_position(0.0, 2, 7);
        let mut overshoot = false;
        let mut t = 0.0;
        while t < roll_duration(4) + 0.5 {
            t += 1.0 / 120.0;
            let p = reel_position(t, 2, 7);
            assert!((p - previous).abs() < SPIN_SPEED / 120.0 * 3.0, "jump at {t}: {previous} → {p}");
            previous = p;
        }
        let final_p = reel_position(roll_duration(4), 2, 7);
        let stop = SPIN_BASE_S + STAGGER_S * 2.0;
        let mut s = stop;
        while s < stop + DECELERATION_S {
            if reel_position(s, 2, 7) > final_p + 0.05 {
                overshoot = true;
            }
            s += 0.01;
        }
        assert!(overshoot, "the reel swings past its digit and settles back");
    }

    #[test]
    fn padding() {
        assert_eq!(digits(7, 4), [0, 0, 0, 7]);
    }
}
