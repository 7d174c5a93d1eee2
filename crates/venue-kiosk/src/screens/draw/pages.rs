//! A big batch on stage (#20): more winners than one wall of cards holds are shown page by page,
//! each page long enough to read from the back of the hall (`draw.page_seconds`), then as one
//! complete list that stays until the operator moves on. PgUp / PgDn step through the pages by
//! hand, Home goes back to the first, End to the complete list.

use bevy::prelude::*;

use super::DrawDesk;
use venue_rules::draw::desk::Stage;

/// Cards on one page of the wall (four rows of six at 1080p).
pub const CARDS_PER_PAGE: usize = 24;

/// What the wall shows of a revealed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WallView {
    /// Page `index` (0-based) of `count`: the batch's winners `index * CARDS_PER_PAGE ..`.
    Page { index: usize, count: usize },
    /// Every winner of the batch at once, small.
    CompleteList,
}

/// Pages a batch of `winners` needs; `None` when one wall holds them all.
pub fn page_count(winners: usize) -> Option<usize> {
    (winners > CARDS_PER_PAGE).then(|| winners.div_ceil(CARDS_PER_PAGE))
}

/// The view `elapsed_s` after the reveal when nobody pages by hand: each page for `page_s`, then
/// the complete list.
pub fn auto_view(winners: usize, elapsed_s: f64, page_s: f64) -> Option<WallView> {
    let count = page_count(winners)?;
    let index = (elapsed_s.max(0.0) / page_s.max(0.1)).floor() as usize;
    Some(if index < count {
        WallView::Page { index, count }
    } else {
        WallView::CompleteList
    })
}

/// One step by hand from `view` (PgDn `forward`, PgUp back); past the last page is the list.
pub fn step(view: WallView, count: usize, forward: bool) -> WallView {
    match (view, forward) {
        (WallView::Page { index, .. }, true) if index + 1 < count => WallView::Page { index: index + 1, count },
        (WallView::Page { .. } | WallView::CompleteList, true) => WallView::CompleteList,
        (WallView::Page { index, .. }, false) => WallView::Page {
            index: index.saturating_sub(1),
            count,
        },
        (WallView::CompleteList, false) => WallView::Page { index: count - 1, count },
    }
}

/// A grid row's height in em: the line and the gap under it (`row_gap` in the stage).
pub const ROW_EM: f32 = 1.6;

/// The font size (px at 1080p) at which `n` entries of about `chars` characters fit a grid of
/// `width` × `height`, from 40 down to 12; `None` when even 12 px is too large.
pub fn grid_font(n: usize, chars: usize, width: f32, height: f32) -> Option<f32> {
    (12..=40).rev().map(|f| f as f32).find(|&f| {
        // A cell: the text (≈0.6 em a character) and a gap; a row: the line (≈1.25 em) and a gap.
        let cell = f * 0.6 * chars as f32 + 18.0;
        let cols = (width / cell).floor().max(1.0) as usize;
        let rows = n.div_ceil(cols);
        rows as f32 * f * ROW_EM <= height
    })
}

/// Which batch is paged, since when, and where the operator paged to.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct WallPaging {
    /// Seconds each page stays (`draw.page_seconds`).
    pub page_s: f64,
    revealed: Option<(u64, f64)>,
    manual: Option<WallView>,
}

impl WallPaging {
    pub fn new(page_s: f64) -> Self {
        WallPaging {
            page_s,
            revealed: None,
            manual: None,
        }
    }

    /// What the wall shows of the revealed batch `sequence` with `winners` winners at `now_s`.
    pub fn view(&self, sequence: u64, winners: usize, now_s: f64) -> Option<WallView> {
        let count = page_count(winners)?;
        let since = match self.revealed {
            Some((seq, since)) if seq == sequence => since,
            // Not seen yet (the first frame of the reveal): its first page.
            _ => return Some(WallView::Page { index: 0, count }),
        };
        self.manual.or_else(|| auto_view(winners, now_s - since, self.page_s))
    }
}

/// Follows the reveal (a new batch starts on its first page) and the operator's paging keys.
pub(super) fn follow(
    desk: Option<Res<DrawDesk>>,
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time<Real>>,
    egui_input: Option<Res<bevy_egui::input::EguiWantsInput>>,
    mut paging: ResMut<WallPaging>,
) {
    let revealed = desk.as_deref().and_then(|d| match d.0.stage {
        Stage::Revealed { sequence } => d.0.record(sequence).map(|r| (sequence, r.winners.len())),
        _ => None,
    });
    let Some((sequence, winners)) = revealed else {
        if paging.revealed.is_some() {
            paging.revealed = None;
            paging.manual = None;
        }
        return;
    };
    let now = time.elapsed_secs_f64();
    if paging.revealed.map(|(seq, _)| seq) != Some(sequence) {
        paging.revealed = Some((sequence, now));
        paging.manual = None;
    }
    let Some(count) = page_count(winners) else { return };
    if egui_input.is_some_and(|i| i.wants_any_keyboard_input()) {
        return;
    }
    let current = paging.view(sequence, winners, now).unwrap_or(WallView::Page { index: 0, count });
    let manual = if keys.just_pressed(KeyCode::PageDown) {
        Some(step(current, count, true))
    } else if keys.just_pressed(KeyCode::PageUp) {
        Some(step(current, count, false))
    } else if keys.just_pressed(KeyCode::Home) {
        Some(WallView::Page { index: 0, count })
    } else if keys.just_pressed(KeyCode::End) {
        Some(WallView::CompleteList)
    } else {
        None
    };
    if manual.is_some() {
        paging.manual = manual;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_batch_pages_through_every_winner_then_stays_on_the_list() {
        assert_eq!(page_count(24), None, "one wall holds 24");
        assert_eq!(page_count(25), Some(2));
        assert_eq!(page_count(300), Some(13));
        assert_eq!(auto_view(10, 100.0, 8.0), None);
        assert_eq!(auto_view(300, 0.0, 8.0), Some(WallView::Page { index: 0, count: 13 }));
        assert_eq!(auto_view(300, 7.9, 8.0), Some(WallView::Page { index: 0, count: 13 }));
        assert_eq!(auto_view(300, 8.0, 8.0), Some(WallView::Page { index: 1, count: 13 }));
        assert_eq!(auto_view(300, 12.0 * 8.0 + 1.0, 8.0), Some(WallView::Page { index: 12, count: 13 }));
        assert_eq!(auto_view(300, 13.0 * 8.0, 8.0), Some(WallView::CompleteList));
        assert_eq!(auto_view(300, 1e6, 8.0), Some(WallView::CompleteList), "the list stays");
        // Every winner is on exactly one page.
        let shown: usize = (0..13).map(|i| (300 - i * CARDS_PER_PAGE).min(CARDS_PER_PAGE)).sum();
        assert_eq!(shown, 300);
    }

    #[test]
    fn the_operator_pages_by_hand() {
        let first = WallView::Page { index: 0, count: 3 };
        assert_eq!(step(first, 3, false), first);
        assert_eq!(step(first, 3, true), WallView::Page { index: 1, count: 3 });
        assert_eq!(step(WallView::Page { index: 2, count: 3 }, 3, true), WallView::CompleteList);
        assert_eq!(step(WallView::CompleteList, 3, true), WallView::CompleteList);
        assert_eq!(step(WallView::CompleteList, 3, false), WallView::Page { index: 2, count: 3 });
        let mut paging = WallPaging::new(8.0);
        paging.revealed = Some((7, 100.0));
        assert_eq!(paging.view(7, 300, 120.0), Some(WallView::Page { index: 2, count: 13 }));
        paging.manual = Some(WallView::CompleteList);
        assert_eq!(paging.view(7, 300, 101.0), Some(WallView::CompleteList), "held where paged to");
        assert_eq!(
            paging.view(8, 300, 500.0),
            Some(WallView::Page { index: 0, count: 13 }),
            "a new batch starts on its first page"
        );
    }

    #[test]
    fn the_complete_list_fits_the_stage() {
        // 300 winners "#10234 J*** D." on 1800×700 px: readable up close, not a 12 px blur.
        let f = grid_font(300, 14, 1800.0, 700.0).unwrap();
        assert!(f >= 14.0, "{f}");
        let cell = f * 0.6 * 14.0 + 18.0;
        let cols = (1800.0 / cell).floor() as usize;
        assert!(300usize.div_ceil(cols) as f32 * f * ROW_EM <= 700.0);
        assert_eq!(grid_font(20, 14, 1800.0, 700.0), Some(40.0));
        assert_eq!(grid_font(100_000, 14, 1800.0, 700.0), None);
    }
}
