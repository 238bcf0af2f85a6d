//! The reference of every experiment key, printed by `baldwin list` and shown in the
//! README. Defaults are not written here: each is read from the `Default` of the type
//! that owns the key, so the reference cannot drift from the code. Only the one-line
//! descriptions are text; a test checks that every key the types serialise is described.

use std::fmt::Write as _;

use serde::Serialize;

use super::compare::NetworkSpec;
use super::few_shot::LayersSpec;
use crate::evolve::{CmaEsConfig, GaConfig, OpenAiEsConfig, SnesConfig};
use crate::learn::{AdamConfig, MomentumConfig, SgdConfig};
use crate::meta::hinton_nowlan::HintonNowlanConfig;
use crate::meta::{DigitsTasks, FomamlConfig, InnerLoop, PretrainConfig, ReptileConfig, SineTasks};
use crate::task::{MirrorTask, MotifTask, ParityTask, SineTask, SpiralsTask};

/// One table (or variant) of the reference: a heading, its keys' defaults as the code
/// has them, and a description per key.
pub struct Section {
    /// The heading, e.g. `strategy = "ga"  (Such et al. 2017)`.
    pub heading: &'static str,
    /// Indentation level of the heading.
    pub depth: usize,
    /// The defaults, serialised from the owning type's `Default`.
    pub defaults: toml::Table,
    /// `(key, default shown when the type has none, description)`, in display order.
    pub keys: &'static [(&'static str, &'static str, &'static str)],
}

fn defaults<T: Serialize>(value: T) -> toml::Table {
    toml::Table::try_from(value).expect("configs serialise to tables")
}

/// Every section of the reference, in display order.
pub fn sections() -> Vec<Section> {
    let none = toml::Table::new;
    let header: &'static [(&str, &str, &str)] = &[
        (
            "name",
            "required",
            "letters, digits, '-', '_'; names the results folder",
        ),
        ("description", "\"\"", "free text"),
        ("seeds", "5", "runs per arm, seeds 0..seeds"),
    ];
    let s = |heading, depth, defaults, keys| Section {
        heading,
        depth,
        defaults,
        keys,
    };
    vec![
        s(
            "kind = \"compare\" (the default): learners against each other on one task",
            0,
            none(),
            header,
        ),
        s(
            "[task]  kind = xor | parity | spirals | digits | sine | motif | mirror",
            1,
            none(),
            &[(
                "kind",
                "required",
                "the task; xor and digits take no other keys (digits: fixed 1,348 / 449 split)",
            )],
        ),
        s(
            "kind = \"parity\"",
            2,
            defaults(ParityTask::default()),
            &[(
                "bits",
                "",
                "string length, 2..16 (all 2^bits strings; train = test)",
            )],
        ),
        s(
            "kind = \"spirals\"  (Lang & Witbrock 1988)",
            2,
            defaults(SpiralsTask::default()),
            &[
                ("points", "", "points per class (train and test each)"),
                ("noise", "", "uniform noise added to each coordinate"),
                ("seed", "", "data seed"),
            ],
        ),
        s(
            "kind = \"sine\"",
            2,
            defaults(SineTask::default()),
            &[
                ("train", "", "training rows"),
                ("test", "", "test rows"),
                ("seed", "", "data seed"),
            ],
        ),
        s(
            "kind = \"motif\"  (does the motif occur anywhere?)",
            2,
            defaults(MotifTask::default()),
            &[
                ("length", "", "bit-string length, 2..64"),
                (
                    "motif",
                    "",
                    "the pattern whose presence anywhere is the label",
                ),
                ("train", "", "training rows"),
                ("test", "", "test rows"),
                ("seed", "", "data seed"),
            ],
        ),
        s(
            "kind = \"mirror\"  (is the string a palindrome?)",
            2,
            defaults(MirrorTask::default()),
            &[
                ("length", "", "bit-string length, 2..64"),
                ("train", "", "training rows"),
                ("test", "", "test rows"),
                ("seed", "", "data seed"),
            ],
        ),
        s(
            "[network]  (inputs and outputs come from the task: softmax + cross-entropy for classes, linear + MSE for values)",
            1,
            defaults(NetworkSpec::default()),
            &[
                ("hidden", "", "hidden layer sizes"),
                ("activation", "", "tanh | relu | sigmoid | identity"),
                (
                    "tying",
                    "",
                    "none | translation | mirror | all   (hidden layers only)",
                ),
                (
                    "tile",
                    "[4, 4]",
                    "tile shape [rows, cols]; must divide every hidden weight matrix (tying = none and no tile: one dense tile per layer)",
                ),
            ],
        ),
        s(
            "[budget]",
            1,
            none(),
            &[
                (
                    "samples",
                    "required",
                    "training examples each run may consume",
                ),
                (
                    "checkpoints",
                    "40",
                    "evaluation points, log-spaced in samples",
                ),
                (
                    "target",
                    "none",
                    "test accuracy (sine: test MSE) that counts as solved",
                ),
            ],
        ),
        s(
            "[[arm]]  (one table per learner to compare)",
            1,
            none(),
            &[
                (
                    "name",
                    "required",
                    "unique label, used in plots and file names",
                ),
                ("learner", "required", "gradient | evolution"),
                (
                    "batch",
                    "32 / 64",
                    "examples per gradient step / per member per generation (at most the training set)",
                ),
                (
                    "tying",
                    "[network]",
                    "this arm's tying (default: the network's)",
                ),
                (
                    "tile",
                    "[network]",
                    "this arm's tile (default: the network's)",
                ),
            ],
        ),
        s(
            "learner = \"gradient\", optimizer = \"sgd\"",
            2,
            defaults(SgdConfig::default()),
            &[("lr", "", "step size"), ("weight_decay", "", "L2 penalty")],
        ),
        s(
            "learner = \"gradient\", optimizer = \"momentum\"",
            2,
            defaults(MomentumConfig::default()),
            &[
                ("lr", "", "step size"),
                ("momentum", "", "heavy-ball coefficient"),
                ("weight_decay", "", "L2 penalty"),
            ],
        ),
        s(
            "learner = \"gradient\", optimizer = \"adam\" (the default optimizer)",
            2,
            defaults(AdamConfig::default()),
            &[
                ("lr", "", "step size"),
                ("beta1", "", "first-moment decay (Kingma & Ba 2015)"),
                ("beta2", "", "second-moment decay"),
                ("eps", "", "added to the root of the second moment"),
                ("weight_decay", "", "decoupled, as AdamW"),
            ],
        ),
        s(
            "learner = \"evolution\", strategy = \"openai_es\"  (Salimans et al. 2017)",
            2,
            defaults(OpenAiEsConfig::default()),
            &[
                (
                    "population",
                    "",
                    "members per generation; even when antithetic",
                ),
                ("sigma", "", "perturbation standard deviation"),
                ("lr", "", "step size of the optimiser on the mean"),
                ("weight_decay", "", "on the mean"),
                ("antithetic", "", "mirrored pairs"),
                (
                    "shaping",
                    "",
                    "raw | centred_ranks | z_score | nes_utilities",
                ),
                ("adam", "", "Adam on the mean (false: SGD)"),
                ("noise", "", "table (shared noise table) | generated"),
            ],
        ),
        s(
            "learner = \"evolution\", strategy = \"snes\"  (Schaul et al. 2011)",
            2,
            defaults(SnesConfig::default()),
            &[
                (
                    "population",
                    "4 + 3 ln d",
                    "members per generation (d: genes)",
                ),
                ("sigma", "", "initial standard deviation of every gene"),
                ("lr_mean", "", "learning rate of the mean"),
                (
                    "lr_sigma",
                    "(3 + ln d) / (5 sqrt d)",
                    "learning rate of the log standard deviations",
                ),
                ("noise", "", "table | generated"),
            ],
        ),
        s(
            "learner = \"evolution\", strategy = \"cma_es\" | \"sep_cma_es\"  (Hansen 2016; Ros & Hansen 2008)",
            2,
            defaults(CmaEsConfig::default()),
            &[
                (
                    "population",
                    "4 + 3 ln d",
                    "lambda, members per generation (d: genes)",
                ),
                ("sigma", "", "initial step size"),
                (
                    "max_covariance_mib",
                    "",
                    "full cma_es refuses a larger covariance (use sep_cma_es)",
                ),
                ("noise", "", "table | generated"),
            ],
        ),
        s(
            "learner = \"evolution\", strategy = \"ga\"  (Such et al. 2017)",
            2,
            defaults(GaConfig::default()),
            &[
                ("population", "", "members per generation"),
                ("elite", "", "best members copied unchanged"),
                ("selection", "", "truncation | tournament"),
                (
                    "truncation",
                    "",
                    "fraction of the population that may parent",
                ),
                ("tournament", "", "tournament size"),
                ("mutation_sigma", "", "Gaussian mutation step"),
                ("self_adaptive", "", "per-member step size, log-normal rule"),
                (
                    "crossover",
                    "",
                    "none | uniform | blocks (whole gene blocks)",
                ),
                (
                    "crossover_rate",
                    "",
                    "probability that a child is bred by crossover",
                ),
                (
                    "tie_rate",
                    "",
                    "per child: point a tile at another gene block",
                ),
                (
                    "untie_rate",
                    "",
                    "per child: duplicate a shared block (gene duplication)",
                ),
                ("noise", "", "table | generated"),
            ],
        ),
        s(
            "kind = \"few_shot\": slow versus fast learning (see experiments/sine-few-shot.toml)",
            0,
            none(),
            header,
        ),
        s(
            "[family]  kind = sine | digits",
            1,
            none(),
            &[("kind", "required", "the task family")],
        ),
        s(
            "kind = \"sine\"  (Finn et al. 2017)",
            2,
            defaults(SineTasks::default()),
            &[("query", "", "query points scoring each task")],
        ),
        s(
            "kind = \"digits\"  (N-way, labels permuted per task)",
            2,
            defaults(DigitsTasks::default()),
            &[
                ("query", "", "query images per class"),
                ("ways", "", "classes per task"),
                ("train_classes", "", "classes the outer loop may see"),
                ("test_classes", "", "held-out classes for evaluation"),
            ],
        ),
        s(
            "[network]  (dense; inputs and outputs from the family)",
            1,
            defaults(LayersSpec::default()),
            &[
                ("hidden", "", "hidden layer sizes"),
                ("activation", "", "tanh | relu | sigmoid | identity"),
            ],
        ),
        s(
            "[inner]  the lifetime (fast) learner",
            1,
            defaults(InnerLoop::default()),
            &[
                (
                    "shots",
                    "required",
                    "K support examples (per class) of each training task",
                ),
                ("steps", "", "full-batch gradient steps on the support set"),
                ("lr", "", "step size"),
                ("optimizer", "", "sgd | adam"),
            ],
        ),
        s(
            "[evaluation]",
            1,
            none(),
            &[
                ("shots", "[K]", "K of the held-out evaluation tasks"),
                (
                    "steps",
                    "10",
                    "inner steps at evaluation (the adaptation curve)",
                ),
                (
                    "tasks",
                    "100",
                    "fixed evaluation tasks, the same for every method and seed",
                ),
            ],
        ),
        s(
            "[budget]",
            1,
            none(),
            &[
                (
                    "outer_samples",
                    "required",
                    "examples each outer loop may consume (inner steps included)",
                ),
                (
                    "checkpoints",
                    "12",
                    "evaluation points: 0, then log-spaced up to the budget",
                ),
            ],
        ),
        s(
            "[[arm]]  method = scratch | pretrain | reptile | fomaml | evolution",
            1,
            none(),
            &[
                ("name", "required", "unique label"),
                ("method", "required", "the outer loop"),
                ("inner_steps", "[inner]", "this arm's inner steps"),
                ("inner_lr", "[inner]", "this arm's inner learning rate"),
                ("inner_optimizer", "[inner]", "this arm's inner optimiser"),
            ],
        ),
        s(
            "method = \"pretrain\"",
            2,
            defaults(PretrainConfig::default()),
            &[("lr", "", "Adam step size")],
        ),
        s(
            "method = \"reptile\"  (Nichol et al. 2018)",
            2,
            defaults(ReptileConfig::default()),
            &[("outer_lr", "", "step towards the adapted weights")],
        ),
        s(
            "method = \"fomaml\"  (first-order MAML, Finn et al. 2017)",
            2,
            defaults(FomamlConfig::default()),
            &[("outer_lr", "", "Adam step size")],
        ),
        s(
            "method = \"evolution\": a strategy and its keys (as above), plus",
            2,
            none(),
            &[
                ("tasks", "1", "tasks per generation, shared by all members"),
                (
                    "evolve_lr",
                    "false",
                    "evolve one log learning rate per layer (plasticity)",
                ),
                (
                    "lamarckian",
                    "false",
                    "write adapted weights back into the genome (ga only)",
                ),
            ],
        ),
        s(
            "kind = \"hinton_nowlan\": Hinton & Nowlan 1987 (see experiments/hinton-nowlan.toml)",
            0,
            none(),
            &[
                ("name", "required", "names the results folder"),
                ("description", "\"\"", "free text"),
            ],
        ),
        s(
            "[hinton_nowlan]",
            1,
            defaults(HintonNowlanConfig::default()),
            &[
                ("loci", "", "loci per genome"),
                ("population", "", "genomes per generation"),
                ("trials", "", "learning trials per lifetime"),
                ("generations", "", "generations bred after generation 0"),
                ("p_correct", "", "probability of a 1 in generation 0"),
                ("p_incorrect", "", "probability of a 0 (the rest is ?)"),
                ("seeds", "", "independent runs"),
                ("learning", "", "run the arm with learning"),
                (
                    "control",
                    "",
                    "run the control without learning (one trial)",
                ),
            ],
        ),
    ]
}

/// A default as written in a file.
fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(shown).collect::<Vec<_>>().join(",")
        ),
        // Defaults of f32 keys come back as f64: show them as written.
        toml::Value::Float(x) => format!("{:?}", *x as f32),
        other => other.to_string(),
    }
}

/// The whole reference, as `baldwin list` prints it.
pub fn reference() -> String {
    let mut text = String::from(
        "Experiment file reference (TOML). Unknown keys are errors. The top-level `kind`\n\
         picks the experiment type; `baldwin validate --resolved FILE` prints a file with\n\
         every default written out. Defaults below are read from the code.\n",
    );
    for section in sections() {
        let indent = "  ".repeat(section.depth);
        let _ = writeln!(text, "\n{indent}{}", section.heading);
        for (key, fallback, help) in section.keys {
            let default = section
                .defaults
                .get(*key)
                .map_or_else(|| fallback.to_string(), shown);
            let _ = writeln!(text, "{indent}  {key:<18} {default:<12} {help}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_a_config_type_has_is_described_with_the_codes_default() {
        for section in sections() {
            for key in section.defaults.keys() {
                assert!(
                    section.keys.iter().any(|(k, _, _)| k == key),
                    "{}: key `{key}` is not described",
                    section.heading
                );
            }
            for (key, fallback, _) in section.keys {
                // A key with a default in the code shows that default, never a text.
                if section.defaults.contains_key(*key) {
                    assert_eq!(
                        *fallback, "",
                        "{}: `{key}` has a default in the code",
                        section.heading
                    );
                }
            }
        }
    }
}
