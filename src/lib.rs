//! # baldwin
//!
//! How many training examples does evolution need, compared with gradient descent, to
//! shape the same neural network — and how much does slow learning buy fast learning?
//!
//! ```
//! use baldwin::net::{Activation, Architecture, Head, Loss, Network, Targets, Workspace};
//! use baldwin::learn::{Adam, Trainer};
//! use baldwin::task;
//!
//! // XOR with a 2-16-1 tanh network and Adam.
//! let data = task::xor();
//! let arch = Architecture::uniform(&[2, 16, 1], Activation::Tanh, Head::Linear).unwrap();
//! let net = Network::dense(arch);
//! let mut params = net.init(&mut baldwin::rng::stream(&[7]));
//! let mut trainer = Trainer::new(&net, Loss::Mse, Adam::new(0.01), 4, 7).unwrap();
//! for _ in 0..2000 {
//!     trainer.step(&mut params, &data.train).unwrap();
//! }
//! let mut ws = Workspace::new();
//! let loss = net
//!     .loss(&params.genes, &data.test.inputs, data.test.targets(), Loss::Mse, &mut ws)
//!     .unwrap();
//! assert!(loss < 0.01);
//! assert_eq!(trainer.samples_used(), 2000 * 4);
//! ```
//!
//! Evolution runs through the same genome. Any [`evolve::Strategy`] — built in or your
//! own — is driven by the one evolution loop, [`evolve::Driver`], against any
//! [`evolve::Fitness`], which reports the examples it consumed:
//!
//! ```
//! use baldwin::evolve::{Driver, FnFitness, OpenAiEs, OpenAiEsConfig, Strategy, functions};
//!
//! let config = OpenAiEsConfig { population: 32, sigma: 0.1, lr: 0.05, ..Default::default() };
//! let es = OpenAiEs::new(config, vec![1.0; 10], 7).unwrap();
//! let mut driver = Driver::new(es, FnFitness::new(functions::sphere));
//! for _ in 0..400 {
//!     driver.step().unwrap();
//! }
//! assert!(functions::sphere(driver.strategy().center().genes) < 1e-2);
//! ```
//!
//! # Where things live
//!
//! | module | what it owns |
//! |---|---|
//! | [`net`] | the genome (`Params`), body plan (`Architecture`), segmentation (`Tying`), forward, backward, population forward, kernels |
//! | [`optim`] | SGD, momentum, Adam on any flat vector (a genome or an ES mean) |
//! | [`learn`] | fast learning: mini-batch `Trainer` with sample counting, optimiser configs |
//! | [`evolve`] | slow learning: the `Strategy` ask/tell trait, GA, OpenAI-ES, SNES, CMA-ES, the `Driver` loop and `Fitness` |
//! | [`meta`] | slow versus fast: few-shot families, inner loop, outer loops (Reptile, FOMAML, Baldwinian evolution), Hinton & Nowlan |
//! | [`task`] | data sets (digits, XOR, parity, spirals, sine, motif, palindromes) and their configs |
//! | [`experiment`] | TOML files → experiments; the one runner; reports |
//! | [`analysis`] | `baldwin analyze`: do the learners' final networks learn the same features (CKA, unit matching, polysemanticity)? |
//! | [`stats`] | IQM, bootstrap intervals, samples-to-target |
//! | [`plot`] | SVG charts |
//! | [`options`] | how every option is declared once (defaults, tags, range errors) |
//! | [`rng`] | every random stream, named by a path and a registered purpose |
//! | [`atomic`] | atomic file writes |
//!
//! Dependencies point one way: the leaves `rng`, `options`, `optim`, `stats` and
//! `atomic` use nothing else of the crate; `net` uses `rng`; `experiment` wires
//! everything; `analysis` reads what `experiment` wrote; the `baldwin` binary is only the command line
//! (`docs/ARCHITECTURE.md` has the full graph).

#![warn(missing_docs)]

pub mod analysis;
pub mod atomic;
pub(crate) mod cpu;
pub mod evolve;
pub mod experiment;
pub mod learn;
pub mod meta;
pub mod net;
pub mod optim;
pub mod options;
pub(crate) mod parallel;
pub mod plot;
pub mod rng;
pub mod stats;
pub mod task;
