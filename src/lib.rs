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
//! Where things live: the network genome, its segmentation map (`Tying`), forward,
//! backward and population forward are in [`net`]. Optimisers (SGD, momentum, Adam) are
//! in [`optim`], shared by backprop and by evolution strategies that step a mean.
//! Mini-batch training with sample accounting is in [`learn`]. Data sets (digits, XOR,
//! parity) are in [`task`]. Every random stream is derived in [`rng`]. IQM, bootstrap
//! intervals and samples-to-target are in [`stats`]; SVG charts are drawn by [`plot`].

pub mod atomic;
pub mod evolve;
pub mod experiment;
pub mod learn;
pub mod meta;
pub mod net;
pub mod optim;
pub mod options;
pub mod plot;
pub mod rng;
pub mod stats;
pub mod task;
