//! The reference sections of compare experiments.

use super::{HEADER, defaults, s};
use crate::evolve::{CmaEsConfig, GaConfig, OpenAiEsConfig, SnesConfig};
use crate::experiment::compare::NetworkSpec;
use crate::learn::{AdamConfig, MomentumConfig, SgdConfig};
use crate::task::{CsvTask, MirrorTask, MotifTask, ParityTask, SineTask, SpiralsTask};

/// Compare experiments: tasks, network, budget, arms, optimisers and strategies.
pub(super) fn sections() -> Vec<super::Section> {
    let none = toml::Table::new;
    let header = HEADER;
    vec![
        s(
            "kind = \"compare\" (the default): learners against each other on one task",
            0,
            none(),
            header,
        ),
        s(
            "[task]  kind = xor | parity | spirals | digits | sine | motif | mirror | csv",
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
            "kind = \"csv\"  (your own data: two CSV files with a header row)",
            2,
            defaults(CsvTask::default()),
            &[
                (
                    "train",
                    "required",
                    "training file, relative to the experiment file's folder",
                ),
                (
                    "test",
                    "required",
                    "test file, relative to the experiment file's folder",
                ),
                (
                    "label",
                    "-",
                    "class column (classification); classes = its distinct values, sorted",
                ),
                (
                    "target",
                    "-",
                    "value columns [\"COL\", ...] (regression); give label or target",
                ),
                (
                    "features",
                    "all others",
                    "input columns (numbers); default: every column but label/target",
                ),
                (
                    "standardize",
                    "",
                    "z-score each feature with the training rows' mean and sd",
                ),
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
                    "none | translation | mirror | antimirror | all   (every weight matrix but the readout)",
                ),
                (
                    "tile",
                    "[4, 4]",
                    "tile shape [rows, cols]; must divide every weight matrix but the readout (tying = none and no tile: one dense tile per layer)",
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
                (
                    "tolfun",
                    "",
                    "stop: recent best fitness within this range (pycma)",
                ),
                (
                    "tolx",
                    "",
                    "stop: every coordinate's step below this (pycma)",
                ),
                (
                    "tol_condition",
                    "",
                    "stop: covariance condition number above this (pycma)",
                ),
                (
                    "active",
                    "",
                    "negative weights for the worst members (pycma's CMA_active); cma_es only",
                ),
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
    ]
}
