//! The UCI "Optical Recognition of Handwritten Digits" test set (Alpaydin & Kaynak 1998),
//! the 1,797 8×8 images that scikit-learn ships as `load_digits`, embedded in the crate
//! (`data/digits.csv`, CC BY 4.0; see the README for attribution).

use super::{Dataset, Labels, Split};

/// Number of images in the embedded set.
pub const DIGITS_IMAGES: usize = 1797;

const CSV: &str = include_str!("../../data/digits.csv");

/// The digits task: 64 pixel inputs scaled from 0..16 to 0..1, ten classes.
///
/// Fixed split: image `i` (in file order) is a test image when `i % 4 == 3`, a training
/// image otherwise — 1,348 training and 449 test images, every class in both.
pub fn digits() -> Split {
    let mut split = [empty(), empty()];
    for (i, line) in CSV.lines().enumerate() {
        let mut values = line.split(',').map(|v| {
            v.trim()
                .parse::<u8>()
                .expect("the embedded digits file is well-formed")
        });
        let part = &mut split[usize::from(i % 4 == 3)];
        part.inputs
            .extend(values.by_ref().take(64).map(|p| f32::from(p) / 16.0));
        if let Labels::Classes { labels, .. } = &mut part.labels {
            labels.push(u32::from(values.next().expect("a label after 64 pixels")));
        }
    }
    let [train, test] = split;
    Split {
        name: "digits".into(),
        train,
        test,
    }
}

fn empty() -> Dataset {
    Dataset {
        inputs: Vec::new(),
        features: 64,
        labels: Labels::Classes {
            labels: Vec::new(),
            classes: 10,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_have_the_documented_split_and_class_counts() {
        let d = digits();
        assert_eq!(d.train.len() + d.test.len(), DIGITS_IMAGES);
        assert_eq!(d.test.len(), 449);
        let mut counts = [0usize; 10];
        for data in [&d.train, &d.test] {
            if let Labels::Classes { labels, .. } = &data.labels {
                labels.iter().for_each(|&c| counts[c as usize] += 1);
            }
        }
        // Class counts of scikit-learn's load_digits.
        assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        assert!(d.train.inputs.iter().all(|&p| (0.0..=1.0).contains(&p)));
    }
}
