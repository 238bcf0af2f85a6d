//! One experiment file, three kinds, chosen by the top-level `kind` key:
//! `compare` (the default: learners against each other on one task), `few_shot` (outer
//! loops against each other, measured after fast adaptation) and `hinton_nowlan` (the
//! original Baldwin-effect model).

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use super::config::{self, Experiment};
use super::error::{ConfigError, Source, closest};
use super::fewshot::{self, FewShotExperiment};
use super::files::write_atomic;
use super::runner::{RunError, RunOptions, io_error};
use super::{report, runner};
use crate::meta::hinton_nowlan;
use crate::meta::hinton_nowlan::HintonNowlanConfig;

pub const KINDS: [&str; 3] = ["compare", "few_shot", "hinton_nowlan"];

/// A validated experiment of any kind.
#[derive(Debug, Clone)]
pub enum AnyExperiment {
    Compare(Experiment),
    FewShot(FewShotExperiment),
    HintonNowlan(HintonNowlanExperiment),
}

impl AnyExperiment {
    pub fn name(&self) -> &str {
        match self {
            AnyExperiment::Compare(e) => &e.name,
            AnyExperiment::FewShot(e) => &e.name,
            AnyExperiment::HintonNowlan(e) => &e.name,
        }
    }

    /// Override the number of seeds (`--seeds`).
    pub fn set_seeds(&mut self, seeds: u64) {
        match self {
            AnyExperiment::Compare(e) => e.seeds = seeds,
            AnyExperiment::FewShot(e) => e.seeds = seeds,
            AnyExperiment::HintonNowlan(e) => e.config.seeds = seeds,
        }
    }

    /// One line for `baldwin validate`.
    pub fn describe(&self) -> String {
        match self {
            AnyExperiment::Compare(e) => format!(
                "{} arms x {} seeds, {} samples per run",
                e.arms.len(),
                e.seeds,
                e.budget.samples
            ),
            AnyExperiment::FewShot(e) => format!(
                "few-shot, {} methods x {} seeds, {} outer samples per run",
                e.arms.len(),
                e.seeds,
                e.outer_samples
            ),
            AnyExperiment::HintonNowlan(e) => format!(
                "Hinton & Nowlan, {} generations x {} seeds",
                e.config.generations, e.config.seeds
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HintonNowlanExperiment {
    pub name: String,
    pub description: String,
    pub config: HintonNowlanConfig,
}

#[derive(Deserialize)]
struct KindOnly {
    kind: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHintonNowlan {
    #[allow(dead_code)]
    kind: String,
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    hinton_nowlan: Spanned<HintonNowlanConfig>,
}

/// Read, parse and validate an experiment file of any kind.
pub fn load_any(path: &Path) -> Result<AnyExperiment, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Source {
            file: path,
            text: "",
        }
        .general(None, format!("cannot read the file: {e}"))
    })?;
    parse_any(path, &text)
}

pub fn parse_any(path: &Path, text: &str) -> Result<AnyExperiment, ConfigError> {
    let source = Source { file: path, text };
    let kind: KindOnly = toml::from_str(text).map_err(|e| source.from_toml(&e))?;
    let Some(kind) = kind.kind else {
        return config::parse(path, text).map(AnyExperiment::Compare);
    };
    match kind.get_ref().as_str() {
        "compare" => config::parse(path, text).map(AnyExperiment::Compare),
        "few_shot" => fewshot::config::parse(&source, text).map(AnyExperiment::FewShot),
        "hinton_nowlan" => {
            let raw: RawHintonNowlan = toml::from_str(text).map_err(|e| source.from_toml(&e))?;
            if let Err((key, message)) = raw.hinton_nowlan.get_ref().validate() {
                let line_of_key = text
                    .find(&format!("\n{key}"))
                    .map(|at| at + 1..at + 1)
                    .unwrap_or(raw.hinton_nowlan.span());
                return Err(source.error(line_of_key, key, message));
            }
            let name = config::Validator { source: &source }.experiment_name(&raw.name)?;
            Ok(AnyExperiment::HintonNowlan(HintonNowlanExperiment {
                name,
                description: raw.description,
                config: raw.hinton_nowlan.into_inner(),
            }))
        }
        other => {
            let mut e = source.error(kind.span(), "kind", format!("unknown value `{other}`"));
            e.allowed = Some(KINDS.join(", "));
            e.suggestion = closest(other, &KINDS);
            Err(e)
        }
    }
}

/// Run an experiment of any kind into `out` and write its aggregates. `text` is the
/// file as written, kept as `config.toml` for kinds without a resolved form. Returns
/// the Markdown summary and the files written.
pub fn execute(
    experiment: &AnyExperiment,
    text: &str,
    out: &Path,
    resume: bool,
    progress: bool,
    stop: &AtomicBool,
) -> Result<(String, Vec<PathBuf>), RunError> {
    let keep_text = |out: &Path| {
        let config = out.join("config.toml");
        write_atomic(&config, text.as_bytes()).map_err(io_error(&config))
    };
    match experiment {
        AnyExperiment::Compare(e) => {
            let options = RunOptions {
                out: out.to_path_buf(),
                resume,
                progress,
            };
            let records = runner::run(e, &options, stop)?;
            let report = report::write(e, &records, out)?;
            Ok((report.markdown, report.files))
        }
        AnyExperiment::FewShot(e) => {
            keep_text(out)?;
            let records = fewshot::run(e, out, resume, progress, stop)?;
            fewshot::report::write(e, &records, out)
        }
        AnyExperiment::HintonNowlan(e) => {
            keep_text(out)?;
            let records = hinton_nowlan::run(&e.config, stop).map_err(|_| RunError::Interrupted)?;
            let written =
                hinton_nowlan::write_results(&e.config, &records, out).map_err(io_error(out))?;
            let markdown = std::fs::read_to_string(out.join("summary.md")).unwrap_or_default();
            Ok((markdown, written))
        }
    }
}
