use crate::net::Targets;

/// What each row should produce.
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    /// One class index per row, `0..classes`.
    Classes {
        /// The class of each row.
        labels: Vec<u32>,
        /// Number of classes.
        classes: usize,
    },
    /// `[rows, width]` target values, row-major.
    Values {
        /// The values.
        values: Vec<f32>,
        /// Values per row.
        width: usize,
    },
}

/// Rows of inputs with their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// `[rows, features]`, row-major.
    pub inputs: Vec<f32>,
    /// Inputs per row.
    pub features: usize,
    /// Class labels or target values.
    pub labels: Labels,
}

impl Dataset {
    /// Rows.
    pub fn len(&self) -> usize {
        self.inputs.len() / self.features
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Width of the network output this data set needs.
    pub fn outputs(&self) -> usize {
        match &self.labels {
            Labels::Classes { classes, .. } => *classes,
            Labels::Values { width, .. } => *width,
        }
    }

    /// The labels as a loss consumes them.
    pub fn targets(&self) -> Targets<'_> {
        match &self.labels {
            Labels::Classes { labels, .. } => Targets::Classes(labels),
            Labels::Values { values, .. } => Targets::Values(values),
        }
    }

    /// `rows` rows whose classes take turns `0, 1, …, classes − 1, 0, …`, so each class has
    /// `rows / classes` rows or one more. `push_row(class, inputs)` appends the inputs of
    /// one row of that class, `features` values.
    pub(super) fn balanced(
        features: usize,
        classes: usize,
        rows: usize,
        mut push_row: impl FnMut(u32, &mut Vec<f32>),
    ) -> Dataset {
        let mut inputs = Vec::with_capacity(rows * features);
        let labels: Vec<u32> = (0..rows).map(|i| (i % classes) as u32).collect();
        for &class in &labels {
            push_row(class, &mut inputs);
        }
        assert_eq!(
            inputs.len(),
            rows * features,
            "each row has `features` inputs"
        );
        Dataset {
            inputs,
            features,
            labels: Labels::Classes { labels, classes },
        }
    }

    /// Row `i`'s inputs.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.inputs[i * self.features..(i + 1) * self.features]
    }

    /// Copy rows `indices` into `batch`, reusing its buffers.
    pub fn gather(&self, indices: &[u32], batch: &mut Batch) {
        batch.inputs.clear();
        batch.classes.clear();
        batch.values.clear();
        for &i in indices {
            let i = i as usize;
            batch.inputs.extend_from_slice(self.row(i));
            match &self.labels {
                Labels::Classes { labels, .. } => batch.classes.push(labels[i]),
                Labels::Values { values, width } => {
                    batch
                        .values
                        .extend_from_slice(&values[i * width..(i + 1) * width]);
                }
            }
        }
        batch.rows = indices.len();
    }
}

/// A gathered mini-batch; its buffers are reused from call to call.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Inputs, `rows × features`, row-major.
    pub inputs: Vec<f32>,
    /// Class labels (classification).
    pub classes: Vec<u32>,
    /// Target values (regression).
    pub values: Vec<f32>,
    /// Rows gathered.
    pub rows: usize,
}

impl Batch {
    /// The batch's labels as a loss consumes them.
    pub fn targets(&self) -> Targets<'_> {
        if self.values.is_empty() {
            Targets::Classes(&self.classes)
        } else {
            Targets::Values(&self.values)
        }
    }
}

/// A task's fixed train/test split.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The task's name.
    pub name: String,
    /// Rows learners may train on (and are charged for).
    pub train: Dataset,
    /// Held-out rows that measure a learner (never charged).
    pub test: Dataset,
}
