//! Progress events: the library reports, the program decides how to show them.
//!
//! The runner calls an [`Observer`] from its worker threads; the `baldwin` binary draws
//! progress bars from these events, a test can count them, and [`Silent`] ignores them.
//! Nothing in the library prints.

/// Which run an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunId {
    /// Position of the arm in the experiment file.
    pub arm_index: usize,
    /// The arm's name.
    pub arm: String,
    /// The run's seed.
    pub seed: u64,
}

/// What the runner is about to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The experiment's name.
    pub experiment: String,
    /// Arms × seeds.
    pub arms: usize,
    /// Seeds per arm.
    pub seeds: u64,
    /// Runs that will execute now.
    pub pending: usize,
    /// Finished runs kept from an earlier, interrupted invocation (`--resume`).
    pub kept: usize,
    /// Units of progress in one run (e.g. its sample budget), and what they count.
    pub units_per_run: u64,
    /// What a unit of progress is, e.g. "samples" or "generations".
    pub unit: &'static str,
}

/// How a finished run ended, in one line for a log.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Units of progress reached (samples consumed, generations bred).
    pub units: u64,
    /// The run's headline number (final test metric), if it has one.
    pub metric: Option<f64>,
    /// The run stopped early because its loss or genes went non-finite.
    pub diverged: bool,
    /// Wall-clock seconds the run took.
    pub wall_s: f64,
}

/// Receives progress events. Every method has an empty default.
pub trait Observer: Sync {
    /// Called once before any run starts.
    fn plan(&self, _plan: &Plan) {}
    /// A run starts.
    fn run_started(&self, _run: &RunId) {}
    /// A run has reached `units` units of progress (called often: keep it cheap).
    fn run_progress(&self, _run: &RunId, _units: u64) {}
    /// A run finished and its file is written.
    fn run_finished(&self, _run: &RunId, _summary: &RunSummary) {}
}

/// An observer that ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {}
