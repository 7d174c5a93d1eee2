//! Generated art for the cube net's faces, used until the event's own face art (`game.face_art`)
//! is loaded, or instead of it when there is none or it is broken: a night-sky gradient in the
//! event's colours with a nebula glow, a faint grid, a sprinkle of stars and a constellation. Pure
//! (RGBA bytes from a palette and a seed), built once when the stage is set up.

/// Side of a generated face texture, in pixels (a face is at most a few hundred pixels on screen).
pub const FACE_ART_SIZE: u32 = 256;

/// The deep night every face fades into.
const NIGHT: [f32; 3] = [0.035, 0.045, 0.11];

/// splitmix64: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// `#RRGGBB` → linear-ish working colour in 0..1 (sRGB values; blending in sRGB looks fine here).
pub fn rgb(hex: &str) -> Option<[f32; 3]> {
    let h = hex.trim().trim_start_matches('#');
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok().map(|v| f32::from(v) / 255.0);
    Some([c(0)?, c(2)?, c(4)?])
}

/// One face's art: `size`×`size` RGBA8 (sRGB), row-major from the top-left. `main` tints the
/// gradient, `accent` the nebula; `seed` places the glow, the stars and the constellation.
pub fn face_art(size: u32, main: [f32; 3], accent: [f32; 3], seed: u64) -> Vec<u8> {
    let n = size as usize;
    let s = size as f32;
    let mut rng = Rng(seed ^ 0x5EED_CAFE_F00D_u64);
    // Gradient corner to corner (direction by seed), a nebula glow somewhere off-centre.
    let angle = rng.unit() * std::f32::consts::TAU;
    let (dx, dy) = (angle.cos(), angle.sin());
    let (gx, gy) = (0.2 + 0.6 * rng.unit(), 0.2 + 0.6 * rng.unit());
    let glow_radius = 0.35 + 0.2 * rng.unit();
    let deep = lerp3(NIGHT, main, 0.12);
    let bright = lerp3(NIGHT, main, 0.72);
    let cells = 6.0;
    let mut px = vec![[0f32; 3]; n * n];
    for y in 0..n {
        for x in 0..n {
            let (u, v) = ((x as f32 + 0.5) / s, (y as f32 + 0.5) / s);
            // Position along the gradient, 0..1.
            let along = (((u - 0.5) * dx + (v - 0.5) * dy) / std::f32::consts::SQRT_2 + 0.5).clamp(0.0, 1.0);
            let mut c = lerp3(deep, bright, along * along * (3.0 - 2.0 * along));
            let d2 = ((u - gx).powi(2) + (v - gy).powi(2)) / (glow_radius * glow_radius);
            let glow = (-d2 * 2.2).exp() * 0.85;
            c = lerp3(c, accent, glow);
            // A faint grid: thin lines, a touch brighter.
            let (fu, fv) = ((u * cells).fract(), (v * cells).fract());
            let edge = fu.min(1.0 - fu).min(fv.min(1.0 - fv)) * s / cells;
            if edge < 1.0 {
                c = lerp3(c, [1.0, 1.0, 1.0], 0.07 * (1.0 - edge));
            }
            // A soft vignette, so faces read as tiles.
            let r = ((u - 0.5).powi(2) + (v - 0.5).powi(2)).sqrt();
            let shade = 1.0 - 0.35 * (r / 0.71).powi(3);
            px[y * n + x] = [c[0] * shade, c[1] * shade, c[2] * shade];
        }
    }
    // Stars: many faint, a few bright ones with a small cross flare.
    let count = (n * n) / 500 + 24;
    for k in 0..count {
        let (x, y) = (rng.unit() * s, rng.unit() * s);
        let big = k % 11 == 0;
        let level = if big {
            0.8 + 0.2 * rng.unit()
        } else {
            0.2 + 0.6 * rng.unit() * rng.unit() + 0.2 * rng.unit()
        };
        let radius = if big { 2.0 } else { 0.7 + 0.6 * rng.unit() };
        let tint = lerp3([1.0, 1.0, 1.0], lerp3(main, accent, rng.unit()), 0.2);
        star(&mut px, n, x, y, radius, level, tint);
        if big {
            flare(&mut px, n, x, y, tint, level);
        }
    }
    // A constellation: a handful of bright stars in one part of the sky, joined nearest to nearest.
    let (cx, cy) = ((0.3 + 0.4 * rng.unit()) * s, (0.3 + 0.4 * rng.unit()) * s);
    let mut points: Vec<(f32, f32)> = (0..6)
        .map(|_| {
            let (a, r) = (rng.unit() * std::f32::consts::TAU, (0.08 + 0.22 * rng.unit()) * s);
            (cx + a.cos() * r, cy + a.sin() * r)
        })
        .collect();
    let mut chain = vec![points.swap_remove(0)];
    while !points.is_empty() {
        let last = chain[chain.len() - 1];
        let d = |p: &(f32, f32)| (p.0 - last.0).powi(2) + (p.1 - last.1).powi(2);
        let next = (0..points.len())
            .min_by(|&a, &b| d(&points[a]).total_cmp(&d(&points[b])))
            .unwrap_or(0);
        chain.push(points.swap_remove(next));
    }
    for pair in chain.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let steps = (len * 1.5) as usize;
        for i in 4..steps.saturating_sub(4) {
            let t = i as f32 / steps as f32;
            add(&mut px, n, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, [0.85, 0.92, 1.0], 0.3);
        }
    }
    for &(x, y) in &chain {
        star(&mut px, n, x, y, 2.2, 1.0, [1.0, 0.98, 0.92]);
        flare(&mut px, n, x, y, [1.0, 0.98, 0.92], 0.9);
    }
    let mut bytes = Vec::with_capacity(n * n * 4);
    for c in px {
        for ch in c {
            bytes.push((ch.clamp(0.0, 1.0) * 255.0).round() as u8);
        }
        bytes.push(255);
    }
    bytes
}

/// `bytes` (a `size`×`size` RGBA8 image, `size` a power of two) followed by its mip levels down to
/// 1×1 (2×2 box filter), and how many levels that is: a face seen small stays smooth instead of
/// sparkling.
pub fn with_mips(mut bytes: Vec<u8>, size: u32) -> (Vec<u8>, u32) {
    let mut levels = 1;
    let (mut start, mut side) = (0usize, size as usize);
    while side > 1 && side.is_power_of_two() {
        let half = side / 2;
        let mut next = Vec::with_capacity(half * half * 4);
        for y in 0..half {
            for x in 0..half {
                for c in 0..4 {
                    let at = |xx: usize, yy: usize| u32::from(bytes[start + (yy * side + xx) * 4 + c]);
                    let sum = at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1);
                    next.push(((sum + 2) / 4) as u8);
                }
            }
        }
        start = bytes.len();
        bytes.extend_from_slice(&next);
        side = half;
        levels += 1;
    }
    (bytes, levels)
}

/// Add `level` of `tint` at a (fractional) pixel, spread over its four neighbours.
fn add(px: &mut [[f32; 3]], n: usize, x: f32, y: f32, tint: [f32; 3], level: f32) {
    let (x0, y0) = ((x - 0.5).floor(), (y - 0.5).floor());
    let (fx, fy) = (x - 0.5 - x0, y - 0.5 - y0);
    for (ix, iy, w) in [
        (x0, y0, (1.0 - fx) * (1.0 - fy)),
        (x0 + 1.0, y0, fx * (1.0 - fy)),
        (x0, y0 + 1.0, (1.0 - fx) * fy),
        (x0 + 1.0, y0 + 1.0, fx * fy),
    ] {
        if ix < 0.0 || iy < 0.0 || ix >= n as f32 || iy >= n as f32 {
            continue;
        }
        let p = &mut px[iy as usize * n + ix as usize];
        for c in 0..3 {
            p[c] += tint[c] * level * w;
        }
    }
}

/// The small cross flare of a bright star.
fn flare(px: &mut [[f32; 3]], n: usize, x: f32, y: f32, tint: [f32; 3], level: f32) {
    for (ox, oy) in [(1.0, 0.0), (0.0, 1.0)] {
        for t in 2..7 {
            let fade = level * 0.5 / t as f32;
            for sign in [-1.0, 1.0] {
                add(px, n, x + sign * ox * t as f32, y + sign * oy * t as f32, tint, fade);
            }
        }
    }
}

/// A round star with a soft edge.
fn star(px: &mut [[f32; 3]], n: usize, x: f32, y: f32, radius: f32, level: f32, tint: [f32; 3]) {
    let reach = (radius * 2.5).ceil() as i32;
    for oy in -reach..=reach {
        for ox in -reach..=reach {
            let (ix, iy) = (x.floor() as i32 + ox, y.floor() as i32 + oy);
            if ix < 0 || iy < 0 || ix >= n as i32 || iy >= n as i32 {
                continue;
            }
            let d2 = (ix as f32 + 0.5 - x).powi(2) + (iy as f32 + 0.5 - y).powi(2);
            let w = (-d2 / (radius * radius)).exp() * level;
            let p = &mut px[iy as usize * n + ix as usize];
            for c in 0..3 {
                p[c] += (tint[c] - p[c]).max(0.0) * w;
            }
        }
    }
}

/// The colours of net `net`'s face `face`: its team's colour (or the whole palette's, on a shared
/// net) for the gradient and the next colour of the event's palette for the nebula.
pub fn face_colours(palette: &[[f32; 3]], net_colour: Option<[f32; 3]>, net: usize, face: usize) -> ([f32; 3], [f32; 3]) {
    let fallback = [0.4, 0.6, 1.0];
    let pick = |i: usize| palette.get(i % palette.len().max(1)).copied().unwrap_or(fallback);
    let main = net_colour.unwrap_or_else(|| pick(face));
    let accent = pick(face + net + 1);
    (main, accent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn art_has_the_right_size_and_is_deterministic() {
        let a = face_art(64, [0.2, 0.7, 0.9], [0.9, 0.3, 0.6], 7);
        assert_eq!(a.len(), 64 * 64 * 4);
        assert!(a.chunks(4).all(|p| p[3] == 255), "opaque");
        assert_eq!(a, face_art(64, [0.2, 0.7, 0.9], [0.9, 0.3, 0.6], 7), "same inputs, same bytes");
        assert_ne!(a, face_art(64, [0.2, 0.7, 0.9], [0.9, 0.3, 0.6], 8), "the seed moves the stars");
        assert_eq!(
            face_art(FACE_ART_SIZE, [0.5; 3], [0.5; 3], 1).len(),
            (FACE_ART_SIZE * FACE_ART_SIZE * 4) as usize
        );
    }

    #[test]
    fn art_is_a_night_sky_in_the_given_colour() {
        let main = [0.22, 0.74, 0.97];
        let a = face_art(128, main, [0.95, 0.45, 0.71], 3);
        let pixels: Vec<[u8; 3]> = a.chunks(4).map(|p| [p[0], p[1], p[2]]).collect();
        // Stars: some near-white pixels, but few.
        let stars = pixels.iter().filter(|p| p.iter().all(|&c| c > 190)).count();
        assert!(stars > 5 && stars < pixels.len() / 20, "{stars} star pixels");
        // Mostly dark-to-mid, tinted by the main colour (blue over red on average here).
        let mean = |c: usize| pixels.iter().map(|p| f64::from(p[c])).sum::<f64>() / pixels.len() as f64;
        assert!(mean(2) > mean(0), "blue {} red {}", mean(2), mean(0));
        assert!(mean(1) < 200.0 && mean(2) > 40.0, "not washed out, not black");
        // Not flat: a gradient and a glow.
        let mut distinct = pixels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() > 1_000, "{} colours", distinct.len());
    }

    #[test]
    fn mips_go_down_to_one_pixel() {
        let base = face_art(8, [0.5; 3], [0.2; 3], 1);
        let (all, levels) = with_mips(base.clone(), 8);
        assert_eq!(levels, 4, "8, 4, 2, 1");
        assert_eq!(all.len(), (64 + 16 + 4 + 1) * 4);
        assert_eq!(&all[..base.len()], &base[..], "level 0 untouched");
        // The last level is the average colour.
        let mean = |c: usize| base.chunks(4).map(|p| u32::from(p[c])).sum::<u32>() as f32 / 64.0;
        let last = &all[all.len() - 4..];
        for (c, &value) in last.iter().enumerate().take(3) {
            assert!((f32::from(value) - mean(c)).abs() <= 2.0, "channel {c}: {} vs {}", last[c], mean(c));
        }
    }

    #[test]
    fn colours_come_from_the_palette() {
        assert_eq!(rgb("#FF8000"), Some([1.0, 128.0 / 255.0, 0.0]));
        assert_eq!(rgb("nope"), None);
        let palette = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let (main, accent) = face_colours(&palette, Some([0.5; 3]), 0, 0);
        assert_eq!(main, [0.5; 3]);
        assert_eq!(accent, [0.0, 1.0, 0.0]);
        // A shared net takes its faces' colours from the palette.
        assert_eq!(face_colours(&palette, None, 0, 2).0, [0.0, 0.0, 1.0]);
        // An empty palette still gives colours.
        assert_eq!(face_colours(&[], None, 1, 1).0, [0.4, 0.6, 1.0]);
    }
}
