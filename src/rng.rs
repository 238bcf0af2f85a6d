//! Deterministic random streams.
//!
//! Every random draw in the crate comes from a stream named by a tuple of integers
//! (experiment seed, arm, run seed, generation, individual, ...). The stream depends on
//! the tuple only — never on which thread asks or in what order — so results are
//! bit-identical for any number of rayon threads. This module knows nothing else.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// What a random stream is for: one registry of purposes, so that no two uses share a
/// stream by accident and no bare constant names one. A purpose is one element of a
/// stream's path, e.g. `stream(&[seed, Purpose::Init.key()])`.
///
/// The numbers are part of every published result: changing one changes the results that
/// use it, so a new purpose takes a new number and old ones never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Purpose {
    /// The initial network of a run (`[seed, Init]`), shared by every arm of a seed (a
    /// paired design); `[seed, Init, member]` for the members of a GA's first generation.
    Init = 0x1417,
    /// The mini-batch order of an evolution arm (`[seed, arm, Batches]`).
    Batches = 0xBA7C,
    /// The mini-batch shuffle of a gradient trainer (`[seed, Shuffle]`).
    Shuffle = 0x0540_7F1E,
    /// The strategy of an evolutionary outer loop (`[seed, Strategy]`).
    Strategy = 0x0E70,
    /// The training tasks an outer loop draws (`[seed, Tasks]`).
    Tasks = 0x7A5C,
    /// The fixed evaluation tasks of few-shot experiments (`[EvaluationTasks, shots,
    /// task]`), the same for every method and seed.
    EvaluationTasks = 0xE7A1,
    /// The shared table of standard normals evolution strategies read their noise from
    /// (`[NoiseTable, chunk]`), the same in every process.
    NoiseTable = 0x0015_E7AB_1E00,
    /// Hinton & Nowlan: how individual i of generation g is born (`[seed, g, i, Birth]`).
    Birth = 0,
    /// Hinton & Nowlan: how individual i of generation g learns (`[seed, g, i, Lifetime]`).
    Lifetime = 1,
}

impl Purpose {
    /// The purpose as an element of a stream path.
    pub const fn key(self) -> u64 {
        self as u64
    }
}

/// FNV-1a of a name (an arm's): a stable path element, so that renaming or reordering
/// other arms never changes an arm's streams.
pub fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

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
    fn purposes_are_distinct() {
        let all = [
            Purpose::Init,
            Purpose::Batches,
            Purpose::Shuffle,
            Purpose::Strategy,
            Purpose::Tasks,
            Purpose::EvaluationTasks,
            Purpose::NoiseTable,
            Purpose::Birth,
            Purpose::Lifetime,
        ];
        let mut keys: Vec<u64> = all.iter().map(|p| p.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), all.len());
    }

    #[test]
    fn name_keys_are_fnv1a() {
        // FNV-1a 64 of "a" (Fowler, Noll, Vo reference value).
        assert_eq!(name_key("a"), 0xaf63_dc4c_8601_ec8c);
    }

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
