//! Deterministic random streams.
//!
//! Every random draw in the crate comes from a stream named by a tuple of integers
//! (experiment seed, arm, run seed, generation, individual, ...). The stream depends on
//! the tuple only — never on which thread asks or in what order — so results are
//! bit-identical for any number of rayon threads. This module knows nothing else.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// The generator used everywhere: Xoshiro256++ (Blackman & Vigna 2018), a fixed algorithm
/// whose output will not change between versions of `rand` (unlike `StdRng`).
pub type Stream = Xoshiro256PlusPlus;

/// SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective avalanche mixer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash a path of integers into one 64-bit seed. Order matters: `[1, 2] != [2, 1]`.
pub fn derive_seed(path: &[u64]) -> u64 {
    path.iter()
        .fold(0x5EED_BA1D_u64, |acc, &key| mix(acc ^ mix(key)))
}

/// A random stream named by `path`, e.g. `stream(&[seed, generation, individual])`.
pub fn stream(path: &[u64]) -> Stream {
    Stream::seed_from_u64(derive_seed(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_depend_on_the_whole_path_and_its_order() {
        let a: u64 = stream(&[1, 2]).random();
        let b: u64 = stream(&[2, 1]).random();
        let c: u64 = stream(&[1, 2]).random();
        let d: u64 = stream(&[1, 2, 0]).random();
        assert_eq!(a, c);
        assert_ne!(a, b);
        assert_ne!(a, d);
    }
}
