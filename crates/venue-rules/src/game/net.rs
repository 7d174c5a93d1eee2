//! The cube net's geometry (pure): six 3×3 faces unfolded as a cross on a 12×9 cell grid, the
//! path a piece travels to its target slot, and the fold that turns the net into a cube.
//!
//! ```text
//!        [0]               0 = top (lid side)    2 = base (stays on the stage)
//!   [1]  [2]  [3]  [4]     1, 3 fold up left/right; 4 is hinged to 3 and becomes the lid
//!        [5]               5 folds up at the front
//! ```

/// Cells per face edge.
pub const FACE_CELLS: i32 = 3;
/// How many slots a piece travels before it reaches its target (the target is slot `LEAD`).
pub const LEAD: u32 = 3;
/// Slots a piece keeps travelling past its target when nobody drops it.
pub const OVERRUN: u32 = 2;

/// Top-left cell of each face on the grid.
pub const FACE_ORIGIN: [(i32, i32); 6] = [(3, 0), (0, 3), (3, 3), (6, 3), (9, 3), (3, 6)];

/// The order faces are targeted in a round: around the base first, then top and front.
pub const FACE_ORDER: [usize; 6] = [2, 3, 4, 1, 0, 5];

/// A cell on the grid (x to the right, y down the net).
pub type Cell = (i32, i32);

pub fn face_center(face: usize) -> Cell {
    let (x, y) = FACE_ORIGIN[face];
    (x + FACE_CELLS / 2, y + FACE_CELLS / 2)
}

/// The face a cell belongs to, if it is on the net.
pub fn face_of(cell: Cell) -> Option<usize> {
    FACE_ORIGIN
        .iter()
        .position(|&(x, y)| (x..x + FACE_CELLS).contains(&cell.0) && (y..y + FACE_CELLS).contains(&cell.1))
}

/// The straight path of piece `index` to the centre of `face`: `LEAD` slots before it, `OVERRUN`
/// after. The middle band is crossed left-to-right and right-to-left in turn; the top and front
/// faces are reached from the base.
pub fn path_to(face: usize, index: usize) -> [Cell; (LEAD + 1 + OVERRUN) as usize] {
    let (tx, ty) = face_center(face);
    let lead = LEAD as i32;
    let (start, step) = match face {
        0 => ((tx, ty + lead), (0, -1)),
        5 => ((tx, ty - lead), (0, 1)),
        _ if index.is_multiple_of(2) => ((tx - lead, ty), (1, 0)),
        _ => ((tx + lead, ty), (-1, 0)),
    };
    std::array::from_fn(|k| (start.0 + step.0 * k as i32, start.1 + step.1 * k as i32))
}

/// The piece's position along its path at `progress` slots (clamped to the path), as a
/// fractional cell: what the renderer draws. The judge never uses it.
pub fn position_on(path: &[Cell], progress: f64) -> (f64, f64) {
    let last = (path.len() - 1) as f64;
    let p = progress.clamp(0.0, last);
    let i = (p.floor() as usize).min(path.len() - 2);
    let f = p - i as f64;
    let (a, b) = (path[i], path[i + 1]);
    (a.0 as f64 + (b.0 - a.0) as f64 * f, a.1 as f64 + (b.1 - a.1) as f64 * f)
}

/// How high a piece hops at `progress` slots, 0..=1: it lands on each slot of its way to the
/// target, on the beat (the `sound` module's cues), and rises between them; flat before it sets
/// off and past its target.
pub fn hop(progress: f64) -> f64 {
    if !(0.0..=f64::from(LEAD)).contains(&progress) {
        return 0.0;
    }
    (std::f64::consts::PI * progress.fract()).sin()
}

/// Ease for the fold: 0 = flat net, 1 = closed cube; smooth at both ends.
pub fn fold_ease(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_tile_the_cross_without_overlap() {
        let mut cells = 0;
        for y in 0..9 {
            for x in 0..12 {
                if face_of((x, y)).is_some() {
                    cells += 1;
                }
            }
        }
        assert_eq!(cells, 54);
        for face in 0..6 {
            assert_eq!(face_of(face_center(face)), Some(face));
        }
    }

    #[test]
    fn every_path_hits_its_target_at_slot_lead() {
        for face in 0..6 {
            for index in 0..2 {
                let path = path_to(face, index);
                assert_eq!(path[LEAD as usize], face_center(face), "face {face}");
                for w in path.windows(2) {
                    assert_eq!((w[0].0 - w[1].0).abs() + (w[0].1 - w[1].1).abs(), 1, "one slot per step");
                }
            }
        }
        // Left-to-right and right-to-left in turn across the middle band.
        assert!(path_to(3, 0)[0].0 < path_to(3, 0)[5].0);
        assert!(path_to(3, 1)[0].0 > path_to(3, 1)[5].0);
    }

    #[test]
    fn position_interpolates_and_clamps() {
        let path = path_to(2, 0);
        assert_eq!(position_on(&path, 0.0), (1.0, 4.0));
        assert_eq!(position_on(&path, 1.5), (2.5, 4.0));
        assert_eq!(position_on(&path, 3.0), (4.0, 4.0));
        assert_eq!(position_on(&path, 99.0), (6.0, 4.0));
        assert_eq!(position_on(&path, -1.0), (1.0, 4.0));
    }

    #[test]
    fn fold_ease_is_monotonic_from_flat_to_closed() {
        assert_eq!(fold_ease(0.0), 0.0);
        assert_eq!(fold_ease(1.0), 1.0);
        let mut last = 0.0;
        for i in 1..=100 {
            let v = fold_ease(i as f32 / 100.0);
            assert!(v >= last);
            last = v;
        }
    }
}
