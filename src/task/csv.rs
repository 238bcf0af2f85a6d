//! A user's own data: a training and a test CSV file with a header row, read into a
//! [`Split`].
//!
//! This module turns the files' *bytes* into data; finding, sizing and reading the files
//! (and pointing errors at the experiment file) is the experiment layer's work. Columns
//! are found by header name, so the two files may order them differently.
//!
//! - Classification (`label = "COLUMN"`): the classes are the distinct values of the
//!   label column in both files, sorted — numerically when every value is a number,
//!   else as text — and class `i` is the `i`-th of them.
//! - Regression (`target = ["COL", ...]`): the target columns, as numbers.
//! - Features: `features`, or every column that is not the label or a target, in the
//!   training file's order. Every feature cell must be a finite number; there are no
//!   missing values.
//! - `standardize`: each feature becomes `(x − mean) / sd` with the mean and (population)
//!   standard deviation of the *training* rows only, so the test set leaks nothing; a
//!   constant feature is only centred.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Dataset, Labels, Split};
use crate::options::Invalid;

/// The keys of `[task] kind = "csv"`. After loading, `train` and `test` are absolute
/// paths and `features` is the resolved list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvTask {
    /// The training file, relative to the experiment file's folder.
    pub train: Option<String>,
    /// The test file, relative to the experiment file's folder.
    pub test: Option<String>,
    /// The class column (classification).
    pub label: Option<String>,
    /// The value columns (regression).
    pub target: Option<Vec<String>>,
    /// The input columns; every other column when absent.
    pub features: Option<Vec<String>>,
    /// Z-score every feature with the training rows' mean and standard deviation.
    pub standardize: bool,
    /// The data, once loaded (never written to files).
    #[serde(skip)]
    pub data: Option<Arc<CsvData>>,
}

/// A CSV task's data as loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvData {
    /// The train/test split.
    pub split: Split,
    /// The class names, in class order (classification only).
    pub classes: Vec<String>,
    /// A fingerprint of both files' contents, so that results of other data are never
    /// taken for these.
    pub digest: String,
}

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The training file.
    Train,
    /// The test file.
    Test,
}

impl Part {
    /// The key that names the file.
    pub fn key(self) -> &'static str {
        match self {
            Part::Train => "train",
            Part::Test => "test",
        }
    }
}

/// A problem in one of the files: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// The file.
    pub part: Part,
    /// 1-based line of the file (1 = the header); 0 for the file as a whole.
    pub line: u64,
    /// 1-based field number and name of the column, if one is at fault.
    pub column: Option<(usize, String)>,
    /// What is wrong.
    pub message: String,
}

impl CsvTask {
    /// Check the keys that need no file: both files named, exactly one of `label` and
    /// `target`, no empty column lists.
    pub fn validate(&self) -> Result<(), Invalid> {
        Invalid::unless(self.train.is_some(), "train", "is required (a CSV file)")?;
        Invalid::unless(self.test.is_some(), "test", "is required (a CSV file)")?;
        match (&self.label, &self.target) {
            (Some(_), Some(_)) => Err(Invalid {
                key: "target",
                message: "give either `label` (classification) or `target` (regression), \
                          not both"
                    .into(),
            }),
            (None, None) => Err(Invalid {
                key: "label",
                message: "give `label = \"COLUMN\"` (classification) or \
                          `target = [\"COLUMN\", ...]` (regression)"
                    .into(),
            }),
            (_, Some(t)) if t.is_empty() => Err(Invalid {
                key: "target",
                message: "must name at least one column".into(),
            }),
            _ => Invalid::unless(
                self.features.as_ref().is_none_or(|f| !f.is_empty()),
                "features",
                "must name at least one column",
            ),
        }
    }

    /// Whether the task is classification (`label`) rather than regression (`target`).
    pub fn is_classification(&self) -> bool {
        self.label.is_some()
    }

    /// The loaded data; a task read from an experiment file is always loaded.
    pub fn loaded(&self) -> &CsvData {
        self.data
            .as_deref()
            .expect("a CSV task is loaded when its experiment file is read")
    }
}

/// One file's header and records.
struct Table {
    part: Part,
    header: Vec<String>,
    /// `(line, fields)` per record.
    rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    fn read(part: Part, bytes: &[u8]) -> Result<Self, CsvError> {
        let error = |line: u64, message: String| CsvError {
            part,
            line,
            column: None,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| error(1, e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        if let Some((i, name)) = header
            .iter()
            .enumerate()
            .find(|(i, n)| header[..*i].contains(n))
        {
            return Err(CsvError {
                column: Some((i + 1, name.clone())),
                ..error(1, format!("the header names column `{name}` twice"))
            });
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("has {len} fields; the header has {expected_len}"),
                    _ => e.to_string(),
                };
                error(line, message)
            })?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record.iter().map(str::to_string).collect()));
        }
        if rows.is_empty() {
            return Err(error(0, "has no rows below its header".into()));
        }
        Ok(Self { part, header, rows })
    }

    /// Field index of each of `names`.
    fn columns(&self, names: &[String]) -> Result<Vec<usize>, CsvError> {
        names
            .iter()
            .map(|name| {
                self.header
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| CsvError {
                        part: self.part,
                        line: 1,
                        column: None,
                        message: format!(
                            "has no column `{name}` (its columns: {})",
                            self.header.join(", ")
                        ),
                    })
            })
            .collect()
    }

    /// The numbers in fields `columns` of every row, row-major.
    fn numbers(&self, columns: &[usize]) -> Result<Vec<f32>, CsvError> {
        let mut values = Vec::with_capacity(self.rows.len() * columns.len());
        for (line, fields) in &self.rows {
            for &c in columns {
                let text = &fields[c];
                let value = text.parse::<f32>().ok().filter(|v| v.is_finite());
                values.push(value.ok_or_else(|| CsvError {
                    part: self.part,
                    line: *line,
                    column: Some((c + 1, self.header[c].clone())),
                    message: format!("`{text}` is not a finite number"),
                })?);
            }
        }
        Ok(values)
    }
}

/// The classes of the label column in both tables: distinct values, sorted numerically
/// when all are numbers, else as text.
fn classes(tables: [(&Table, usize); 2]) -> Vec<String> {
    let mut names: Vec<String> = tables
        .iter()
        .flat_map(|(t, c)| t.rows.iter().map(move |(_, f)| f[*c].clone()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let numbers: Option<Vec<f64>> = names.iter().map(|n| n.parse::<f64>().ok()).collect();
    if let Some(numbers) = numbers.filter(|n| n.iter().all(|v| v.is_finite())) {
        let mut paired: Vec<(f64, String)> = numbers.into_iter().zip(names).collect();
        paired.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        return paired.into_iter().map(|(_, n)| n).collect();
    }
    names
}

/// Z-score `inputs` (`[rows, width]`) of both sets with the training set's statistics.
fn standardize(train: &mut [f32], test: &mut [f32], width: usize) {
    let rows = (train.len() / width) as f64;
    for c in 0..width {
        let column = || train.iter().skip(c).step_by(width).map(|&v| v as f64);
        let mean = column().sum::<f64>() / rows;
        let var = column().map(|v| (v - mean) * (v - mean)).sum::<f64>() / rows;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        for inputs in [&mut *train, &mut *test] {
            for v in inputs.iter_mut().skip(c).step_by(width) {
                *v = ((*v as f64 - mean) / sd) as f32;
            }
        }
    }
}

/// Read the two files' bytes as `task` says. Returns the data and the feature columns.
pub fn parse_split(
    task: &CsvTask,
    name: &str,
    train: &[u8],
    test: &[u8],
) -> Result<(Split, Vec<String>, Vec<String>), CsvError> {
    let train = Table::read(Part::Train, train)?;
    let test = Table::read(Part::Test, test)?;
    let outputs: Vec<String> = match (&task.label, &task.target) {
        (Some(label), _) => vec![label.clone()],
        (None, Some(target)) => target.clone(),
        (None, None) => Vec::new(),
    };
    // The label or targets first: a misspelt one would otherwise become a feature.
    train.columns(&outputs)?;
    test.columns(&outputs)?;
    let features: Vec<String> = match &task.features {
        Some(f) => f.clone(),
        None => train
            .header
            .iter()
            .filter(|h| !outputs.contains(h))
            .cloned()
            .collect(),
    };
    let file_error = |message: String| CsvError {
        part: Part::Train,
        line: 1,
        column: None,
        message,
    };
    if features.is_empty() {
        return Err(file_error(
            "has no column left for features besides the label or targets".into(),
        ));
    }
    if let Some(f) = features.iter().find(|f| outputs.contains(f)) {
        return Err(file_error(format!(
            "column `{f}` cannot be both a feature and a label or target"
        )));
    }
    let mut inputs = [&train, &test]
        .map(|t| t.columns(&features).and_then(|c| t.numbers(&c)))
        .into_iter();
    let (mut train_inputs, mut test_inputs) = (
        inputs.next().expect("two parts")?,
        inputs.next().expect("two parts")?,
    );
    if task.standardize {
        standardize(&mut train_inputs, &mut test_inputs, features.len());
    }
    let width = features.len();
    let (labels, class_names) = if task.is_classification() {
        let [c_train, c_test] = [&train, &test].map(|t| t.columns(&outputs));
        let (c_train, c_test) = (c_train?[0], c_test?[0]);
        let names = classes([(&train, c_train), (&test, c_test)]);
        let index: std::collections::HashMap<&str, u32> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let label = |t: &Table, c: usize| -> Labels {
            Labels::Classes {
                labels: t
                    .rows
                    .iter()
                    .map(|(_, f)| index.get(f[c].as_str()).copied().unwrap_or(0))
                    .collect(),
                classes: names.len(),
            }
        };
        (
            [label(&train, c_train), label(&test, c_test)],
            names.clone(),
        )
    } else {
        let values = |t: &Table| -> Result<Labels, CsvError> {
            Ok(Labels::Values {
                values: t.numbers(&t.columns(&outputs)?)?,
                width: outputs.len(),
            })
        };
        ([values(&train)?, values(&test)?], Vec::new())
    };
    if task.is_classification() && class_names.len() < 2 {
        return Err(CsvError {
            part: Part::Train,
            line: 0,
            column: None,
            message: format!(
                "the label column `{}` holds fewer than 2 distinct values in both files",
                outputs[0]
            ),
        });
    }
    let [train_labels, test_labels] = labels;
    let split = Split {
        name: name.to_string(),
        train: Dataset {
            inputs: train_inputs,
            features: width,
            labels: train_labels,
        },
        test: Dataset {
            inputs: test_inputs,
            features: width,
            labels: test_labels,
        },
    };
    Ok((split, features, class_names))
}
