//! Progress bars for the command line: an [`Observer`] that draws one indicatif bar per
//! running run on a terminal, and one line per finished run otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use baldwin::experiment::{Observer, Plan, RunId, RunSummary};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Bars on stderr.
pub struct Bars {
    interactive: bool,
    multi: MultiProgress,
    style: ProgressStyle,
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
        let style = ProgressStyle::with_template(
            "{prefix:>22} [{bar:28}] {percent:>3}% {human_pos:>11} {msg} {per_sec:>14} ETA {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> ");
        Self {
            interactive,
            multi,
            style,
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
            format!(" ({} finished runs kept from before)", plan.kept)
        } else {
            String::new()
        };
        eprintln!(
            "{}: {} runs ({} arms x {} seeds), {} {} each{kept}",
            plan.experiment, plan.pending, plan.arms, plan.seeds, plan.units_per_run, plan.unit
        );
    }

    fn run_started(&self, run: &RunId) {
        let total = *self.total.lock().expect("not poisoned");
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(self.style.clone());
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
        if !self.interactive {
            let unit = *self.unit.lock().expect("not poisoned");
            let metric = summary
                .metric
                .map_or(String::new(), |m| format!(", metric {m:.4}"));
            let diverged = if summary.diverged { " (diverged)" } else { "" };
            eprintln!(
                "  finished {:<20} seed {}: {} {unit}{metric}{diverged} in {:.1} s",
                run.arm, run.seed, summary.units, summary.wall_s
            );
        }
    }
}
