//! Where everything on the casino screen goes, in design pixels (the UI's logical pixels before
//! `UiScale`: a 1920×1080 or 1080×1920 design scaled to the window). The text (Bevy UI, absolutely
//! placed) and the 3D table (a top-down camera whose view spans exactly the design rectangle at
//! table height) both read this one layout, so a die lies where its line of text says it does.

use bevy::prelude::*;

/// Design pixels per world unit on the table.
pub const PX_PER_UNIT: f32 = 100.0;
/// The camera's vertical field of view: narrow, so the table looks nearly flat and lines up with
/// the text, but the dice still show their sides.
pub const FOV_DEG: f32 = 28.0;

/// A rectangle in design pixels (top-left origin, y down).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect2 {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect2 {
    pub fn new(x: f32, y: f32, w: f32, h: f32) -> Rect2 {
        Rect2 { x, y, w, h }
    }
    pub fn center(&self) -> Vec2 {
        Vec2::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// One casino's tile and what sits on it.
#[derive(Debug, Clone, PartialEq)]
pub struct CasinoSlots {
    pub tile: Rect2,
    /// The casino's big die.
    pub die: Rect2,
    /// Where its cards go (two columns).
    pub cards: Rect2,
    /// The live order's lines, one per team that could be there (teams in the match).
    pub lines: Vec<Rect2>,
    /// The dice of each line, left of its text.
    pub line_dice: Vec<Rect2>,
    /// The size of one die in a line.
    pub small_die: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub size: Vec2,
    pub portrait: bool,
    pub header: Rect2,
    pub side: Rect2,
    pub footer: Rect2,
    /// Face 1 first.
    pub casinos: Vec<CasinoSlots>,
}

const PAD: f32 = 32.0;
const GAP: f32 = 20.0;

/// The screen for `size` (design pixels) and `teams` teams.
pub fn layout(size: Vec2, teams: usize) -> Layout {
    let portrait = size.y > size.x;
    let (w, h) = (size.x, size.y);
    let header_h = if portrait { 150.0 } else { 104.0 };
    let footer_h = 64.0;
    let header = Rect2::new(PAD, 20.0, w - 2.0 * PAD, header_h);
    let footer = Rect2::new(PAD, h - footer_h - 12.0, w - 2.0 * PAD, footer_h);
    let top = header.y + header.h + 12.0;
    let bottom = footer.y - 12.0;
    let (grid, side, cols) = if portrait {
        let side_h = 330.0;
        let grid = Rect2::new(PAD, top, w - 2.0 * PAD, bottom - top - side_h - GAP);
        let side = Rect2::new(PAD, grid.y + grid.h + GAP, w - 2.0 * PAD, side_h);
        (grid, side, 2)
    } else {
        let side_w = 340.0;
        let grid = Rect2::new(PAD, top, w - 2.0 * PAD - side_w - GAP, bottom - top);
        let side = Rect2::new(grid.x + grid.w + GAP, top, side_w, bottom - top);
        (grid, side, 3)
    };
    let rows = 6 / cols;
    let cell_w = (grid.w - GAP * (cols as f32 - 1.0)) / cols as f32;
    let cell_h = (grid.h - GAP * (rows as f32 - 1.0)) / rows as f32;
    let casinos = (0..6)
        .map(|i| {
            let (c, r) = (i % cols, i / cols);
            let tile = Rect2::new(
                grid.x + c as f32 * (cell_w + GAP),
                grid.y + r as f32 * (cell_h + GAP),
                cell_w,
                cell_h,
            );
            casino_slots(tile, teams)
        })
        .collect();
    Layout {
        size,
        portrait,
        header,
        side,
        footer,
        casinos,
    }
}

fn casino_slots(tile: Rect2, teams: usize) -> CasinoSlots {
    let inset = 18.0;
    let die_size = (tile.h * 0.24).clamp(64.0, 104.0);
    let die = Rect2::new(tile.x + inset, tile.y + inset, die_size, die_size);
    let cards_x = die.x + die.w + 22.0;
    let cards = Rect2::new(cards_x, tile.y + inset, tile.x + tile.w - inset - cards_x, die_size + 60.0);
    let lines_top = cards.y + cards.h + 10.0;
    let lines_bottom = tile.y + tile.h - 12.0;
    let n = teams.max(1) as f32;
    let line_h = ((lines_bottom - lines_top) / n).min(56.0);
    let small_die = ((line_h - 10.0) / 2.0).clamp(9.0, 22.0);
    let dice_w = 4.0 * (small_die + 4.0);
    let lines = (0..teams.max(1))
        .map(|i| Rect2::new(tile.x + inset, lines_top + i as f32 * line_h, tile.w - 2.0 * inset, line_h))
        .collect::<Vec<_>>();
    let line_dice = lines
        .iter()
        .map(|l| Rect2::new(l.x + 4.0, l.y + (l.h - 2.0 * small_die - 4.0) / 2.0, dice_w, 2.0 * small_die + 4.0))
        .collect();
    CasinoSlots {
        tile,
        die,
        cards,
        lines,
        line_dice,
        small_die,
    }
}

/// A design-pixel point on the table (height 0) in world space, for a layout of `size`.
pub fn to_world(size: Vec2, p: Vec2) -> Vec3 {
    Vec3::new((p.x - size.x / 2.0) / PX_PER_UNIT, 0.0, (p.y - size.y / 2.0) / PX_PER_UNIT)
}

/// The camera that sees exactly the design rectangle at table height: straight down, screen up
/// along -Z.
pub fn camera_transform(size: Vec2) -> Transform {
    let half_h = size.y / 2.0 / PX_PER_UNIT;
    let height = half_h / (FOV_DEG.to_radians() / 2.0).tan();
    Transform::from_xyz(0.0, height, 0.0).looking_at(Vec3::ZERO, Vec3::NEG_Z)
}

/// Where the dice of one line go: `count` dice in rows of four, in `slot`.
pub fn line_dice_positions(slot: Rect2, die: f32, count: usize) -> Vec<Vec2> {
    (0..count.min(8))
        .map(|i| {
            let (c, r) = ((i % 4) as f32, (i / 4) as f32);
            Vec2::new(slot.x + die / 2.0 + c * (die + 4.0), slot.y + die / 2.0 + r * (die + 4.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_casinos_fit_in_landscape_and_portrait() {
        for (size, cols) in [(Vec2::new(1920.0, 1080.0), 3), (Vec2::new(1080.0, 1920.0), 2)] {
            for teams in [2, 4, 8] {
                let l = layout(size, teams);
                assert_eq!(l.casinos.len(), 6);
                assert_eq!(l.portrait, cols == 2);
                for c in &l.casinos {
                    let t = c.tile;
                    assert!(t.x >= 0.0 && t.y >= 0.0 && t.x + t.w <= size.x && t.y + t.h <= size.y, "{t:?}");
                    assert!(t.w > 400.0 && t.h > 300.0, "a tile readable from afar: {t:?}");
                    let last = c.lines.last().unwrap();
                    assert!(last.y + last.h <= t.y + t.h + 0.5, "{teams} lines fit: {last:?} in {t:?}");
                }
                let row: Vec<f32> = l.casinos.iter().map(|c| c.tile.y).collect();
                assert_eq!(row.iter().filter(|&&y| y == row[0]).count(), cols, "{cols} per row");
            }
        }
    }

    #[test]
    fn the_camera_sees_the_design_rectangle() {
        let size = Vec2::new(1920.0, 1080.0);
        let cam = camera_transform(size);
        // The top-left corner of the design is at the top edge of the view.
        let corner = to_world(size, Vec2::new(960.0, 0.0));
        let dir = (corner - cam.translation).normalize();
        let angle = dir.angle_between(cam.forward().as_vec3()).to_degrees();
        assert!((angle - FOV_DEG / 2.0).abs() < 0.01, "{angle}");
    }
}
