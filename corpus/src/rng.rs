//! Seeded random numbers.
//!
//! Every draw goes through [`ChaCha8Rng::next_u32`], whose output is fixed by the ChaCha
//! specification, and the range reduction is done here rather than by `rand`'s distributions
//! (whose exact algorithms may change between releases). A corpus is therefore a pure function
//! of its spec.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Stream used for letter lengths (page counts).
const STREAM_LAYOUT: u64 = 0;
/// Stream used for corpus-wide constants (the letter date).
const STREAM_CONSTANTS: u64 = 1;
/// Letter `i` (0-based) draws from stream `STREAM_LETTERS + i`.
const STREAM_LETTERS: u64 = 1 << 32;

/// A small wrapper around ChaCha8 with the helpers the generator needs.
pub(crate) struct Rng(ChaCha8Rng);

impl Rng {
    fn with_stream(seed: u64, stream: u64) -> Self {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        Rng(inner)
    }

    /// The generator that decides how many pages each letter has.
    pub(crate) fn layout(seed: u64) -> Self {
        Self::with_stream(seed, STREAM_LAYOUT)
    }

    /// The generator for values shared by all letters of a corpus.
    pub(crate) fn constants(seed: u64) -> Self {
        Self::with_stream(seed, STREAM_CONSTANTS)
    }

    /// The generator for the content of one letter; independent of every other letter.
    pub(crate) fn letter(seed: u64, index: usize) -> Self {
        Self::with_stream(seed, STREAM_LETTERS + index as u64)
    }

    /// A uniform value in `0..n` (`n > 0`), by multiply-shift reduction.
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        ((u64::from(self.0.next_u32()) * u64::from(n)) >> 32) as u32
    }

    /// A uniform value in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    /// `true` with probability `percent / 100`.
    pub(crate) fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }

    /// A uniformly chosen element of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }

    /// An index chosen with the given integer weights (not all zero).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut roll = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if roll < w {
                return i;
            }
            roll -= w;
        }
        weights.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_and_repeatable() {
        let a: Vec<u32> = (0..8).map(|_| Rng::letter(7, 3).below(1000)).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::letter(7, 3);
        let mut y = Rng::letter(7, 4);
        let xs: Vec<u32> = (0..16).map(|_| x.below(u32::MAX)).collect();
        let ys: Vec<u32> = (0..16).map(|_| y.below(u32::MAX)).collect();
        assert_ne!(xs, ys);
    }

    #[test]
    fn weighted_respects_weights() {
        let mut r = Rng::layout(1);
        for _ in 0..1000 {
            assert_eq!(r.weighted(&[0, 5, 0]), 1);
        }
        let v = r.range(3, 5);
        assert!((3..=5).contains(&v));
    }
}
