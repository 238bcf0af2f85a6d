//! `meta`: slow versus fast learning. Outer (slow) loops — evolution, Reptile,
//! first-order and second-order MAML, joint pre-training — shape an initialisation from many tasks; the
//! inner (fast) loop adapts it with a few gradient steps on a few shots of a new task.
//! Outer samples and lifetime shots are counted separately. [`hinton_nowlan`] is the
//! original, smallest demonstration of learning guiding evolution (Hinton & Nowlan 1987).
//!
//! Depends on `net`, `optim`, `evolve`, `task`, `stats`, `plot` and `rng`; knows nothing
//! of experiment files.

mod evaluate;
pub mod family;
pub mod hinton_nowlan;
pub mod inner;
mod lifetime;
mod maml;
mod method;
pub mod outer;

pub use evaluate::{EvalPoint, evaluate_init, evaluate_readout};
pub use family::{DigitImages, DigitsTasks, Family, FewShotTask, Phase, SineTasks};
pub use inner::{InnerLoop, InnerOptimizer, Scratch, adapt, adapt_through};
pub use lifetime::LifetimeFitness;
pub use maml::maml_gradient;
pub use method::{
    Anneal, EvolutionMethod, Finetune, FomamlConfig, MamlConfig, Method, PretrainConfig,
    PretrainHead, ReptileConfig, SampleAxis,
};
pub use outer::{Outer, OuterState, Setting};
