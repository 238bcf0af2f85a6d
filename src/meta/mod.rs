//! `meta`: slow versus fast learning. Outer (slow) loops — evolution, Reptile,
//! first-order MAML, joint pre-training — shape an initialisation from many tasks; the
//! inner (fast) loop adapts it with a few gradient steps on a few shots of a new task.
//! Outer samples and lifetime shots are counted separately. [`hinton_nowlan`] is the
//! original, smallest demonstration of learning guiding evolution (Hinton & Nowlan 1987).
//!
//! Depends on `net`, `optim`, `evolve`, `task`, `stats`, `plot` and `rng`; knows nothing
//! of experiment files.

pub mod family;
pub mod hinton_nowlan;
pub mod inner;
pub mod outer;

pub use family::{DigitImages, Family, FewShotTask, Phase};
pub use inner::{InnerLoop, InnerOptimizer, Scratch, adapt};
pub use outer::{EvalPoint, Method, Outer, evaluate_init};
