//! Progress for the command line: an [`Observer`] that draws, on a terminal, one overall
//! bar (runs finished of runs planned) above one bar per running run, with human rates
//! (`13.0M samples/s`) and an ETA only once it can be estimated; elsewhere it prints one
//! line per finished run.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use baldwin::experiment::{Observer, Plan, RunId, RunSummary};
use baldwin::plot::compact_number;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A run's rate, as a compact number per second.
fn rate(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{}/s", compact_number(state.per_sec()));
}

/// Time left, once a run has gone long enough (and far enough) for its rate to mean
/// something; before that, "…".
fn eta(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let warm = state.elapsed() >= Duration::from_secs(2) && state.fraction() >= 0.02;
    if warm {
        let _ = write!(w, "ETA {}", indicatif::HumanDuration(state.eta()));
    } else {
        let _ = write!(w, "ETA …");
    }
}

/// Bars on stderr.
pub struct Bars {
    interactive: bool,
    multi: MultiProgress,
    run_style: ProgressStyle,
    overall: Mutex<Option<ProgressBar>>,
    total: Mutex<u64>,
    unit: Mutex<&'static str>,
    running: Mutex<HashMap<(usize, u64), ProgressBar>>,
}

impl Bars {
    pub fn new() -> Self {
        let interactive = std::io::stderr().is_terminal();
        let multi = MultiProgress::with_draw_target(if interactive {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let run_style = ProgressStyle::with_template(
            "{prefix:>22} [{bar:28}] {percent:>3}% {msg} {rate:>12} {eta}",
        )
        .expect("a valid template")
        .with_key("rate", rate)
        .with_key("eta", eta)
        .progress_chars("=> ");
        Self {
            interactive,
            multi,
            run_style,
            overall: Mutex::new(None),
            total: Mutex::new(0),
            unit: Mutex::new(""),
            running: Mutex::new(HashMap::new()),
        }
    }
}

impl Observer for Bars {
    fn plan(&self, plan: &Plan) {
        *self.total.lock().expect("not poisoned") = plan.units_per_run;
        *self.unit.lock().expect("not poisoned") = plan.unit;
        if plan.pending == 0 {
            return;
        }
        let kept = if plan.kept > 0 {
            format!(" ({} finished runs reused)", plan.kept)
        } else {
            String::new()
        };
        eprintln!(
            "{}: {} runs ({} arms x {} seeds), {} {} each{kept}",
            plan.experiment,
            plan.pending,
            plan.arms,
            plan.seeds,
            compact_number(plan.units_per_run as f64),
            plan.unit
        );
        let overall = self.multi.add(ProgressBar::new(plan.pending as u64));
        overall.set_style(
            ProgressStyle::with_template("{prefix:>22} [{bar:28}] {pos}/{len} runs, {elapsed}")
                .expect("a valid template")
                .progress_chars("## "),
        );
        overall.set_prefix(plan.experiment.clone());
        overall.enable_steady_tick(Duration::from_millis(500));
        *self.overall.lock().expect("not poisoned") = Some(overall);
    }

    fn run_started(&self, run: &RunId) {
        let total = *self.total.lock().expect("not poisoned");
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(self.run_style.clone());
        bar.set_prefix(format!("{} s{}", run.arm, run.seed));
        bar.set_message(*self.unit.lock().expect("not poisoned"));
        self.running
            .lock()
            .expect("not poisoned")
            .insert((run.arm_index, run.seed), bar);
    }

    fn run_progress(&self, run: &RunId, units: u64) {
        if !self.interactive {
            return;
        }
        if let Some(bar) = self
            .running
            .lock()
            .expect("not poisoned")
            .get(&(run.arm_index, run.seed))
        {
            bar.set_position(units.min(bar.length().unwrap_or(units)));
        }
    }

    fn run_finished(&self, run: &RunId, summary: &RunSummary) {
        if let Some(bar) = self
            .running
            .lock()
            .expect("not poisoned")
            .remove(&(run.arm_index, run.seed))
        {
            bar.finish_and_clear();
        }
        if let Some(overall) = self.overall.lock().expect("not poisoned").as_ref() {
            overall.inc(1);
            if overall.position() >= overall.length().unwrap_or(0) {
                overall.finish_and_clear();
            }
        }
        if !self.interactive {
            let unit = *self.unit.lock().expect("not poisoned");
            let metric = summary
                .metric
                .map_or(String::new(), |m| format!(", metric {m:.4}"));
            let diverged = if summary.diverged { " (diverged)" } else { "" };
            eprintln!(
                "  finished {:<20} seed {}: {} {unit}{metric}{diverged} in {:.1} s",
                run.arm,
                run.seed,
                compact_number(summary.units as f64),
                summary.wall_s
            );
        }
    }
}
