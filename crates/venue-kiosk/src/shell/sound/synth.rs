//! The stage's voices, synthesised sample by sample: no sound files, no decoders, the same samples on
//! every machine. A timeline of cues (`venue_rules::sound`) is rendered by summing, at each sample,
//! the voices sounding then; noise comes from a hash of the sample's index, so any sample can be
//! computed on its own (a track may start mid-way) and a test can render a timeline to a buffer
//! with no sound card.

use std::f64::consts::TAU;

use venue_rules::sound::{Cue, Voice};

/// Samples a second (mono). Most outputs run at 48 kHz, so nothing is resampled.
pub const SAMPLE_RATE: u32 = 48_000;
/// Every voice is mixed at this level, so a drumroll, a tick and a fanfare together stay below 1.
const MIX: f64 = 0.42;

/// How long a voice sounds, in seconds.
pub fn length_s(voice: Voice) -> f64 {
    match voice {
        Voice::Drumroll { seconds } => seconds.max(0.0) + 0.25,
        Voice::Tick => 0.09,
        Voice::Fanfare => 2.2,
        Voice::Beat { .. } => 0.3,
        Voice::CountIn => 0.16,
        Voice::Click => 0.05,
    }
}

/// White noise in -1..1 from a sample index and a seed: the same value for the same sample, always.
fn noise(n: i64, seed: u64) -> f64 {
    let mut z = (n as u64) ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

fn sine(freq: f64, t: f64) -> f64 {
    (TAU * freq * t).sin()
}

/// A fast attack (`attack_s`) into an exponential decay (`decay_s`).
fn strike(t: f64, attack_s: f64, decay_s: f64) -> f64 {
    if t < 0.0 {
        0.0
    } else if t < attack_s {
        t / attack_s
    } else {
        (-(t - attack_s) / decay_s).exp()
    }
}

/// A brass-like note: odd and even harmonics falling off, a soft attack, a slight vibrato.
fn brass(freq: f64, t: f64, hold_s: f64) -> f64 {
    if t < 0.0 {
        return 0.0;
    }
    let attack = (t / 0.025).min(1.0);
    let release = if t > hold_s { (-(t - hold_s) / 0.18).exp() } else { 1.0 };
    let vibrato = 1.0 + 0.004 * sine(5.5, t) * (t / 0.4).min(1.0);
    let tone: f64 = (1..=6).map(|k| sine(freq * f64::from(k) * vibrato, t) / f64::from(k)).sum();
    0.45 * tone * attack * release
}

/// Voice `voice` at `t` seconds after its cue (0 outside it); `n` is the absolute sample index.
pub fn voice_sample(voice: Voice, t: f64, n: i64) -> f64 {
    if !(0.0..length_s(voice)).contains(&t) {
        return 0.0;
    }
    match voice {
        Voice::Drumroll { seconds } => {
            // Alternating strokes, 26 a second, each a burst of noise over a short snare body;
            // swelling from soft to loud, and a short ring after the last stroke.
            let rate = 26.0;
            let playing = t.min(seconds);
            let stroke = (playing * rate).floor();
            let since = t - stroke / rate;
            let swell = 0.35 + 0.65 * (playing / seconds.max(0.01)).powf(1.6);
            let hand = if stroke as i64 % 2 == 0 { 1.0 } else { 0.82 };
            let snare = noise(n, 11) * strike(since, 0.001, 0.022);
            let body = sine(185.0, since) * strike(since, 0.001, 0.03) * 0.5;
            swell * hand * (snare + body) * 0.5
        }
        Voice::Tick => {
            // A wood block: two inharmonic partials and a click of noise, all gone in ~60 ms.
            let knock = sine(1_750.0, t) * strike(t, 0.0005, 0.012) + 0.55 * sine(2_960.0, t) * strike(t, 0.0005, 0.006);
            let click = noise(n, 23) * strike(t, 0.0002, 0.002) * 0.6;
            (knock + click) * 0.9
        }
        Voice::Fanfare => {
            // C5 E5 G5 up to a held C major chord (C5 E5 G5 C6).
            const C5: f64 = 523.25;
            const E5: f64 = 659.25;
            const G5: f64 = 783.99;
            const C6: f64 = 1_046.5;
            let run = brass(C5, t, 0.1) + brass(E5, t - 0.12, 0.1) + brass(G5, t - 0.24, 0.1);
            let chord = [C5, E5, G5, C6].iter().map(|&f| brass(f, t - 0.36, 1.3)).sum::<f64>() * 0.55;
            let shimmer = noise(n, 37) * strike(t - 0.36, 0.01, 0.5) * 0.12;
            (run + chord + shimmer) * 0.4
        }
        Voice::Beat { accent } => {
            // A kick: the pitch falls from 150 to 50 Hz; an accent adds a knock on top.
            let freq = 50.0 + 100.0 * (-t / 0.03).exp();
            let phase = 50.0 * t + 100.0 * 0.03 * (1.0 - (-t / 0.03).exp());
            let kick = (TAU * phase).sin() * strike(t, 0.002, 0.09) * (0.9 + 0.1 * (freq / 150.0));
            let knock = if accent {
                0.6 * sine(1_320.0, t) * strike(t, 0.0005, 0.025)
            } else {
                0.0
            };
            kick + knock
        }
        Voice::CountIn => sine(880.0, t) * strike(t, 0.004, 0.06) * 0.7,
        Voice::Click => (sine(2_200.0, t) * strike(t, 0.0003, 0.008) + noise(n, 41) * strike(t, 0.0002, 0.0015)) * 0.9,
    }
}

/// A timeline ready to render: the cues in sample units, in start order.
#[derive(Debug, Clone)]
pub struct Score {
    /// (first sample, one past the last, voice), sorted by the first sample.
    spans: Vec<(i64, i64, Voice)>,
    end: i64,
}

impl Score {
    pub fn new(cues: &[Cue]) -> Score {
        let rate = f64::from(SAMPLE_RATE);
        let mut spans: Vec<(i64, i64, Voice)> = cues
            .iter()
            .map(|cue| {
                let start = (cue.at_s * rate).round() as i64;
                (start, start + (length_s(cue.voice) * rate).ceil() as i64, cue.voice)
            })
            .collect();
        spans.sort_by_key(|s| s.0);
        let end = spans.iter().map(|s| s.1).max().unwrap_or(0);
        Score { spans, end }
    }

    /// One past the last sample that sounds.
    pub fn end(&self) -> i64 {
        self.end
    }

    /// The first sample of each cue, in start order.
    pub fn starts(&self) -> impl Iterator<Item = (i64, Voice)> + '_ {
        self.spans.iter().map(|s| (s.0, s.2))
    }

    /// The mix at sample `n` (sample 0 is the timeline's `t = 0`).
    pub fn sample(&self, n: i64) -> f32 {
        let rate = f64::from(SAMPLE_RATE);
        let mut sum = 0.0;
        for &(start, end, voice) in &self.spans {
            if start > n {
                break;
            }
            if n < end {
                sum += voice_sample(voice, (n - start) as f64 / rate, n);
            }
        }
        (sum * MIX) as f32
    }

    /// Samples `from..to` into a buffer.
    pub fn render(&self, from: i64, to: i64) -> Vec<f32> {
        (from..to).map(|n| self.sample(n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_rules::draw::machine;

    const FRAME_S: f64 = 1.0 / 60.0;

    /// Where sound starts after silence: the first sample of each run of samples louder than
    /// `threshold` that follows at least `gap` quiet samples.
    fn onsets(buffer: &[f32], threshold: f32, gap: usize) -> Vec<usize> {
        let mut found = Vec::new();
        let mut quiet = gap;
        for (i, s) in buffer.iter().enumerate() {
            if s.abs() > threshold {
                if quiet >= gap {
                    found.push(i);
                }
                quiet = 0;
            } else {
                quiet += 1;
            }
        }
        found
    }

    /// Issue 17: the draw's audio timeline rendered to a buffer (no sound card): each landing tick
    /// is heard within a frame of the moment its reel lands, as the reels' own motion computes it.
    #[test]
    fn the_rendered_roll_ticks_within_a_frame_of_each_reel_landing() {
        for reels in [1, 3, 4, 6] {
            let cues = venue_rules::sound::draw_roll(reels);
            let score = Score::new(&cues);
            let mix = score.render(0, score.end());
            assert!(mix.iter().all(|s| s.is_finite() && s.abs() < 1.0), "{reels} reels: the mix clips");
            let loud = mix.iter().filter(|s| s.abs() > 0.05).count();
            assert!(
                loud > SAMPLE_RATE as usize / 2,
                "{reels} reels: the roll is heard ({loud} loud samples)"
            );

            // The ticks alone (a stem), and the mix is the sum of its stems: what is found in the
            // stem is exactly what the mix plays.
            let stem = |keep: fn(Voice) -> bool| {
                let only: Vec<_> = cues.iter().copied().filter(|c| keep(c.voice)).collect();
                let s = Score::new(&only);
                s.render(0, score.end())
            };
            let ticks = stem(|v| v == Voice::Tick);
            let rest = stem(|v| v != Voice::Tick);
            for (n, ((m, t), r)) in mix.iter().zip(&ticks).zip(&rest).enumerate() {
                assert!((m - (t + r)).abs() < 1e-5, "sample {n}: the mix is not its stems' sum");
            }
            let heard: Vec<f64> = onsets(&ticks, 0.02, (SAMPLE_RATE / 20) as usize)
                .into_iter()
                .map(|n| n as f64 / f64::from(SAMPLE_RATE))
                .collect();
            assert_eq!(heard.len(), reels, "{reels} reels: one tick per reel, heard {heard:?}");
            for (reel, at) in heard.iter().enumerate() {
                // The landing as the drums' motion computes it: the first instant the reel
                // stands on its digit for good.
                let landed = landing_in_motion(reel);
                assert!(
                    (at - landed).abs() <= FRAME_S,
                    "{reels} reels: reel {reel} lands at {landed:.4} s, its tick is heard at {at:.4} s"
                );
            }
            // The fanfare starts on the reveal, after the last tick.
            let fanfare = stem(|v| v == Voice::Fanfare);
            let first = onsets(&fanfare, 0.01, 1)[0] as f64 / f64::from(SAMPLE_RATE);
            assert!(
                (first - f64::from(machine::reveal_at(reels))).abs() <= FRAME_S,
                "fanfare at {first}"
            );
        }
    }

    /// The first time, stepping at 1 ms, from which `machine::reel_position` stays on the reel's
    /// digit (the motion the drums are drawn with), whatever digit it lands on.
    fn landing_in_motion(reel: usize) -> f64 {
        let mut latest = 0.0f64;
        for digit in 0..10u8 {
            let final_position = machine::reel_position(100.0, reel, digit);
            let mut settled_from = None;
            for ms in 0..20_000 {
                let t = ms as f32 / 1000.0;
                let at_rest = (machine::reel_position(t, reel, digit) - final_position).abs() < 1e-4;
                match (at_rest, settled_from) {
                    (true, None) => settled_from = Some(t),
                    (false, Some(_)) => settled_from = None,
                    _ => {}
                }
            }
            latest = latest.max(f64::from(settled_from.expect("the reel lands")));
        }
        latest
    }

    #[test]
    fn any_sample_renders_the_same_on_its_own() {
        let score = Score::new(&venue_rules::sound::draw_roll(4));
        let whole = score.render(0, 40_000);
        let part = score.render(25_000, 26_000);
        assert_eq!(&whole[25_000..26_000], &part[..], "a track started mid-way plays the same samples");
        assert_eq!(Score::new(&[]).end(), 0);
        assert_eq!(score.sample(-5), 0.0, "before the timeline: silence");
    }

    #[test]
    fn every_voice_is_heard_and_ends() {
        for voice in [
            Voice::Drumroll { seconds: 1.0 },
            Voice::Tick,
            Voice::Fanfare,
            Voice::Beat { accent: false },
            Voice::Beat { accent: true },
            Voice::CountIn,
            Voice::Click,
        ] {
            let score = Score::new(&[Cue { at_s: 0.0, voice }]);
            let buffer = score.render(0, score.end() + 100);
            let peak = buffer.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            assert!(peak > 0.05 && peak < 1.0, "{voice:?}: peak {peak}");
            let tail = &buffer[buffer.len() - 100..];
            assert!(tail.iter().all(|s| *s == 0.0), "{voice:?} ends");
        }
    }
}
