//! The reference sections of few-shot and Hinton & Nowlan experiments.

use super::{HEADER, defaults, s};
use crate::experiment::few_shot::LayersSpec;
use crate::meta::hinton_nowlan::HintonNowlanConfig;
use crate::meta::{
    DigitsTasks, FomamlConfig, InnerLoop, MamlConfig, PretrainConfig, ReptileConfig, SineTasks,
};

/// Few-shot and Hinton & Nowlan experiments.
pub(super) fn sections() -> Vec<super::Section> {
    let none = toml::Table::new;
    let header = HEADER;
    vec![
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
                (
                    "init",
                    "",
                    "auto (he for relu layers, glorot otherwise) | he | glorot | pytorch_uniform | normal",
                ),
                ("init_sigma", "", "σ of init = normal (zero biases)"),
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
                (
                    "lr",
                    "inner_lr",
                    "inner learning rate at evaluation (default: each arm's)",
                ),
                (
                    "query",
                    "[family]",
                    "query points scoring each evaluation task (per class for digits)",
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
                    "outer samples each outer loop may use, counted on `axis`",
                ),
                (
                    "axis",
                    "drawn",
                    "drawn (examples drawn from the tasks, each once) | evaluations (passes)",
                ),
                (
                    "targets",
                    "[]",
                    "query-metric targets: outer samples to reach each, on both axes",
                ),
                (
                    "checkpoints",
                    "12",
                    "evaluation points: 0, then log-spaced up to the budget",
                ),
            ],
        ),
        s(
            "[[arm]]  method = scratch | pretrain | reptile | fomaml | maml | evolution",
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
            "method = \"pretrain\"  (digits: Chen et al. 2019 Baseline, true base-class labels, new head)",
            2,
            defaults(PretrainConfig::default()),
            &[
                ("lr", "", "Adam step size"),
                (
                    "finetune",
                    "",
                    "head (the lifetime fits only the readout; needs sgd) | all (every layer)",
                ),
                (
                    "head",
                    "",
                    "linear | cosine (Baseline++: logits = scale·cos(features, class vector); digits)",
                ),
                (
                    "scale",
                    "",
                    "the cosine head's logit scale (Chen et al.'s code: 2)",
                ),
            ],
        ),
        s(
            "method = \"reptile\"  (Nichol et al. 2018)",
            2,
            defaults(ReptileConfig::default()),
            &[
                ("outer_lr", "", "ε, the step towards the adapted weights"),
                (
                    "meta_batch",
                    "",
                    "tasks per outer step (the mean of their adapted weights)",
                ),
                ("anneal", "", "none | linear (ε to 0 over the budget)"),
            ],
        ),
        s(
            "method = \"fomaml\"  (first-order MAML, Finn et al. 2017)",
            2,
            defaults(FomamlConfig::default()),
            &[
                ("outer_lr", "", "Adam step size"),
                (
                    "meta_batch",
                    "",
                    "tasks per outer step (the mean of their query gradients)",
                ),
            ],
        ),
        s(
            "method = \"maml\"  (second-order MAML, inner_optimizer = sgd)",
            2,
            defaults(MamlConfig::default()),
            &[
                ("outer_lr", "", "Adam step size"),
                (
                    "meta_batch",
                    "",
                    "tasks per outer step (the mean of their meta-gradients)",
                ),
            ],
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
