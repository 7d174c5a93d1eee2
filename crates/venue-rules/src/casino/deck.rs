//! The money cards: the seeded shuffle and the deal.
//!
//! The shuffle is written out here (Fisher–Yates over ChaCha8's `next_u64`, unbiased by rejection)
//! rather than taken from `rand::seq`, so a `rand` upgrade cannot change a seed's deal; only the
//! ChaCha8 stream (fixed by its spec) is used. The golden test in `tests.rs` pins it.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shuffle `cards` in place with the `stream`-th shuffle of `seed`: ChaCha8 seeded with
/// `seed_from_u64(seed)` on stream `stream` (0 for the match's first shuffle, 1 for the first
/// reshuffle of the discard, …). Fisher–Yates from the last position down: position `i` swaps with
/// `j`, uniform in `0..=i`, drawn as `next_u64() % (i + 1)` after rejecting the values at or past
/// the largest multiple of `i + 1`.
pub(super) fn shuffle(cards: &mut [u32], seed: u64, stream: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    for i in (1..cards.len()).rev() {
        let bound = i as u64 + 1;
        let limit = u64::MAX - u64::MAX % bound;
        let j = loop {
            let x = rng.next_u64();
            if x < limit {
                break x % bound;
            }
        };
        cards.swap(i, j as usize);
    }
}

/// The cards not in play: the face-down draw pile and the discard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piles {
    /// Draw pile; the top card is the **last** element.
    pub draw: Vec<u32>,
    pub discard: Vec<u32>,
    /// Shuffles done so far (the next one uses this as its stream).
    pub shuffles: u64,
}

impl Piles {
    /// The whole deck, shuffled once with stream 0.
    pub fn new(deck: &[u32], seed: u64) -> Self {
        let mut draw = deck.to_vec();
        shuffle(&mut draw, seed, 0);
        Piles {
            draw,
            discard: Vec::new(),
            shuffles: 1,
        }
    }

    /// The top card; when the draw pile is empty the discard is shuffled (the next stream of the
    /// seed) into a new draw pile first. `None` when both are empty.
    pub fn draw(&mut self, seed: u64) -> Option<u32> {
        if self.draw.is_empty() {
            if self.discard.is_empty() {
                return None;
            }
            self.draw = std::mem::take(&mut self.discard);
            shuffle(&mut self.draw, seed, self.shuffles);
            self.shuffles += 1;
        }
        self.draw.pop()
    }

    /// Cards for one casino: drawn until their sum reaches `min` (or no card is left at all),
    /// sorted high to low.
    pub fn deal_casino(&mut self, seed: u64, min: u32) -> Vec<u32> {
        let mut cards = Vec::new();
        let mut sum = 0u64;
        while sum < u64::from(min) {
            let Some(card) = self.draw(seed) else { break };
            sum += u64::from(card);
            cards.push(card);
        }
        cards.sort_unstable_by(|a, b| b.cmp(a));
        cards
    }
}
