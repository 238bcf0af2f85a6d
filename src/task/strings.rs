//! Bit-string tasks with a symmetry in their rule: [`motif`] (the label does not change
//! when the string is shifted, as long as the motif stays inside) and [`mirror`] (the
//! label does not change when the string is reversed). Both have two balanced classes.

use rand::RngExt;

use super::{Dataset, Split, TaskKind, sampled_split};
use crate::rng::Stream;

/// The motif [`motif`] looks for by default.
pub const DEFAULT_MOTIF: [u8; 4] = [1, 1, 0, 1];

/// The default string length of [`motif`] and [`mirror`].
pub const DEFAULT_STRING_LENGTH: usize = 16;

/// Rejection-sampling attempts for one negative before giving up: far above what any
/// length where negatives are not vanishingly rare needs.
const MAX_ATTEMPTS: usize = 1_000_000;

/// Strings of `length` bits (inputs 0.0 or 1.0), class 1 when `motif` occurs at any
/// offset (no wrap-around), class 0 otherwise. Defaults: [`DEFAULT_STRING_LENGTH`] bits,
/// [`DEFAULT_MOTIF`].
///
/// Rows alternate class 0, class 1, so the classes are balanced. A positive is a uniform
/// random string with the motif written over it at a uniform random offset in
/// `0..=length − motif.len()`; a negative is a uniform random string resampled until the
/// motif does not occur. Train and test come from independent streams (`[seed, Motif, 0]`
/// and `[seed, Motif, 1]`); a string may by chance appear in both.
///
/// # Panics
/// If `motif` is empty or not all 0/1, if it is longer than `length`, or if strings
/// without it are so rare that a million draws find none.
pub fn motif(length: usize, motif: &[u8], train: usize, test: usize, seed: u64) -> Split {
    assert!(!motif.is_empty(), "the motif needs at least one bit");
    assert!(motif.iter().all(|&b| b <= 1), "motif bits are 0 or 1");
    assert!(motif.len() <= length, "the motif must fit in the string");
    let pattern: String = motif.iter().map(|b| char::from(b'0' + b)).collect();
    sampled_split(
        TaskKind::Motif,
        format!("motif{length}_{pattern}"),
        seed,
        [train, test],
        |rng, rows| {
            bit_strings(length, rows, rng, |rng, positive, bits| {
                if positive {
                    random_bits(rng, bits);
                    let offset = rng.random_range(0..=length - motif.len());
                    bits[offset..offset + motif.len()].copy_from_slice(motif);
                } else {
                    resample_until(rng, bits, |bits| !contains(bits, motif));
                }
            })
        },
    )
}

/// Strings of `length` bits, class 1 when the string is a palindrome. Default length:
/// [`DEFAULT_STRING_LENGTH`].
///
/// Rows alternate class 0, class 1. A positive is a uniform random first half mirrored
/// (and a uniform middle bit when `length` is odd). Negatives take turns between two
/// kinds, so half of them are each: a *near-palindrome*, a random palindrome with one
/// mirrored pair, chosen uniformly, made unequal — one bit away from a positive — and a
/// uniform random string resampled until it is not a palindrome. Train and test come from
/// independent streams (`[seed, Mirror, 0]` and `[seed, Mirror, 1]`); a string may by
/// chance appear in both.
///
/// # Panics
/// If `length < 2` (every 0- or 1-bit string is a palindrome).
pub fn mirror(length: usize, train: usize, test: usize, seed: u64) -> Split {
    assert!(length >= 2, "mirror needs strings of at least 2 bits");
    sampled_split(
        TaskKind::Mirror,
        format!("mirror{length}"),
        seed,
        [train, test],
        |rng, rows| {
            let mut near_next = true;
            bit_strings(length, rows, rng, |rng, positive, bits| {
                if positive {
                    random_palindrome(rng, bits);
                } else {
                    if near_next {
                        near_palindrome(rng, bits);
                    } else {
                        resample_until(rng, bits, |bits| !is_palindrome(bits));
                    }
                    near_next = !near_next;
                }
            })
        },
    )
}

/// `rows` strings of `length` bits, rows alternating class 0 and class 1;
/// `draw(rng, positive, bits)` fills one string of the given class.
fn bit_strings(
    length: usize,
    rows: usize,
    rng: &mut Stream,
    mut draw: impl FnMut(&mut Stream, bool, &mut [u8]),
) -> Dataset {
    let mut bits = vec![0u8; length];
    Dataset::balanced(length, 2, rows, |class, inputs| {
        draw(rng, class == 1, &mut bits);
        inputs.extend(bits.iter().map(|&b| f32::from(b)));
    })
}

fn random_bits(rng: &mut Stream, bits: &mut [u8]) {
    bits.iter_mut()
        .for_each(|b| *b = u8::from(rng.random::<bool>()));
}

/// Fill `bits` with uniform random strings until one is `accepted`.
fn resample_until(rng: &mut Stream, bits: &mut [u8], accepted: impl Fn(&[u8]) -> bool) {
    for _ in 0..MAX_ATTEMPTS {
        random_bits(rng, bits);
        if accepted(bits) {
            return;
        }
    }
    panic!(
        "no acceptable {}-bit string in {MAX_ATTEMPTS} draws",
        bits.len()
    );
}

fn contains(bits: &[u8], motif: &[u8]) -> bool {
    bits.windows(motif.len()).any(|window| window == motif)
}

fn is_palindrome(bits: &[u8]) -> bool {
    bits.iter().eq(bits.iter().rev())
}

fn random_palindrome(rng: &mut Stream, bits: &mut [u8]) {
    random_bits(rng, bits);
    let length = bits.len();
    for i in 0..length / 2 {
        bits[length - 1 - i] = bits[i];
    }
}

/// A random palindrome with one uniformly chosen mirrored pair made unequal.
fn near_palindrome(rng: &mut Stream, bits: &mut [u8]) {
    random_palindrome(rng, bits);
    let pair = rng.random_range(0..bits.len() / 2);
    bits[pair] ^= 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::task::Labels;

    /// Each row's bits and class, checking that inputs are 0.0 or 1.0.
    fn rows(data: &Dataset) -> Vec<(Vec<u8>, u32)> {
        let Labels::Classes { labels, classes: 2 } = &data.labels else {
            panic!("two classes")
        };
        (0..data.len())
            .map(|i| {
                let bits = data.row(i).iter().map(|&x| {
                    assert!(x == 0.0 || x == 1.0, "input {x}");
                    x as u8
                });
                (bits.collect(), labels[i])
            })
            .collect()
    }

    fn positive_fraction(rows: &[(Vec<u8>, u32)]) -> f64 {
        rows.iter().filter(|(_, class)| *class == 1).count() as f64 / rows.len() as f64
    }

    /// Brute force, independent of `contains`: compare bit by bit at every offset.
    fn occurs_somewhere(bits: &[u8], motif: &[u8]) -> bool {
        let mut found = false;
        for offset in 0..bits.len() {
            let mut matches = offset + motif.len() <= bits.len();
            for (k, &m) in motif.iter().enumerate() {
                matches = matches && bits[offset + k] == m;
            }
            found |= matches;
        }
        found
    }

    /// Mirrored pairs `(i, length − 1 − i)` whose bits differ.
    fn unequal_pairs(bits: &[u8]) -> usize {
        let n = bits.len();
        (0..n / 2).filter(|&i| bits[i] != bits[n - 1 - i]).count()
    }

    #[test]
    fn motif_positives_contain_it_and_negatives_do_not() {
        for (length, pattern) in [(16, &DEFAULT_MOTIF[..]), (9, &[0, 0, 0][..])] {
            let split = motif(length, pattern, 1000, 500, 11);
            for data in [&split.train, &split.test] {
                assert_eq!(data.features, length);
                for (bits, class) in rows(data) {
                    assert_eq!(occurs_somewhere(&bits, pattern), class == 1, "{bits:?}");
                }
            }
        }
    }

    #[test]
    fn motif_classes_are_balanced_within_five_percent() {
        let split = motif(16, &DEFAULT_MOTIF, 1000, 1000, 12);
        for data in [&split.train, &split.test] {
            assert!((positive_fraction(&rows(data)) - 0.5).abs() <= 0.05);
        }
    }

    #[test]
    fn motif_positions_in_positives_spread_over_all_offsets() {
        // The planted offset is uniform: the motif's first occurrence is found near both
        // ends of the string, not only at one place.
        let split = motif(16, &DEFAULT_MOTIF, 1000, 0, 13);
        let first: Vec<usize> = rows(&split.train)
            .iter()
            .filter(|(_, class)| *class == 1)
            .map(|(bits, _)| (0..=12).find(|&o| bits[o..o + 4] == DEFAULT_MOTIF).unwrap())
            .collect();
        assert!(first.contains(&12) && first.iter().filter(|&&o| o >= 9).count() > 50);
    }

    #[test]
    fn mirror_positives_are_palindromes_and_negatives_are_not() {
        for length in [2, 7, 16] {
            let split = mirror(length, 1000, 500, 21);
            for data in [&split.train, &split.test] {
                let rows = rows(data);
                assert!((positive_fraction(&rows) - 0.5).abs() <= 0.05);
                for (bits, class) in rows {
                    let reversed: Vec<u8> = bits.iter().rev().copied().collect();
                    assert_eq!(bits == reversed, class == 1, "{bits:?}");
                }
            }
        }
    }

    #[test]
    fn near_palindromes_differ_from_a_palindrome_in_exactly_one_pair() {
        let mut rng = stream(&[22]);
        let mut bits = [0u8; 16];
        for _ in 0..1000 {
            near_palindrome(&mut rng, &mut bits);
            assert_eq!(unequal_pairs(&bits), 1, "{bits:?}");
        }
    }

    #[test]
    fn half_the_mirror_negatives_are_near_palindromes() {
        // Near-palindromes have one unequal pair; a random 16-bit non-palindrome has one
        // with probability 8/255, so about 0.5 + 0.5·8/255 ≈ 0.52 of negatives do.
        let split = mirror(16, 2000, 0, 23);
        let negatives: Vec<_> = rows(&split.train)
            .into_iter()
            .filter(|(_, class)| *class == 0)
            .collect();
        let near = negatives
            .iter()
            .filter(|(bits, _)| unequal_pairs(bits) == 1)
            .count() as f64
            / negatives.len() as f64;
        assert!((0.5..0.56).contains(&near), "{near}");
    }

    #[test]
    fn string_tasks_are_deterministic_per_seed_and_differ_between_seeds() {
        assert_eq!(
            motif(16, &DEFAULT_MOTIF, 50, 20, 5),
            motif(16, &DEFAULT_MOTIF, 50, 20, 5)
        );
        assert_ne!(
            motif(16, &DEFAULT_MOTIF, 50, 20, 5).train,
            motif(16, &DEFAULT_MOTIF, 50, 20, 6).train
        );
        assert_eq!(mirror(16, 50, 20, 5), mirror(16, 50, 20, 5));
        assert_ne!(mirror(16, 50, 20, 5).train, mirror(16, 50, 20, 6).train);
        let split = mirror(16, 50, 50, 5);
        assert_ne!(split.train.inputs, split.test.inputs);
    }
}
