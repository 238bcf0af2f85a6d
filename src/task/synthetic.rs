//! Small synthetic tasks whose whole input space is enumerable.

use super::{Dataset, Labels, Split};

/// XOR of two bits: four examples, one output target in {0, 1}. Train and test are the
/// same four points: the task is whether a network can represent the function at all.
pub fn xor() -> Split {
    parity(2)
}

/// N-bit parity: all `2^bits` bit strings (inputs in {0, 1}), target 1 when the number of
/// ones is odd. Train and test are the whole space, as for XOR.
pub fn parity(bits: usize) -> Split {
    assert!((1..=20).contains(&bits), "parity needs 1..=20 bits");
    let rows = 1usize << bits;
    let mut inputs = Vec::with_capacity(rows * bits);
    let mut values = Vec::with_capacity(rows);
    for x in 0..rows {
        inputs.extend((0..bits).map(|b| ((x >> (bits - 1 - b)) & 1) as f32));
        values.push((x.count_ones() % 2) as f32);
    }
    let data = Dataset {
        inputs,
        features: bits,
        labels: Labels::Values { values, width: 1 },
    };
    Split {
        name: if bits == 2 {
            "xor".into()
        } else {
            format!("parity{bits}")
        },
        train: data.clone(),
        test: data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_has_the_truth_table() {
        let d = xor();
        assert_eq!(d.train.inputs, vec![0., 0., 0., 1., 1., 0., 1., 1.]);
        assert_eq!(
            d.train.labels,
            Labels::Values {
                values: vec![0., 1., 1., 0.],
                width: 1
            }
        );
    }

    #[test]
    fn parity_labels_count_ones() {
        let d = parity(4);
        assert_eq!(d.train.len(), 16);
        let Labels::Values { values, .. } = &d.train.labels else {
            panic!("parity has values")
        };
        assert_eq!(values.iter().sum::<f32>(), 8.0);
    }
}
