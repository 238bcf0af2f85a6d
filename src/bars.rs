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

/// `13.0M samples/s`: a rate with three significant digits, an SI suffix and its unit.
fn human_rate(per_sec: f64, unit: &str) -> String {
    if !per_sec.is_finite() {
        return format!("– {unit}/s");
    }
    const SUFFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    let (scaled, suffix) = SUFFIXES
        .iter()
        .find(|(scale, _)| per_sec.abs() >= *scale)
        .map_or((per_sec, ""), |(scale, suffix)| (per_sec / scale, *suffix));
    let decimals = match scaled.abs() {
        x if x >= 99.95 => 0,
        x if x >= 9.995 => 1,
        _ => 2,
    };
    format!("{scaled:.decimals$}{suffix} {unit}/s")
}

/// Whether a bar has gone long enough (2 s) and far enough (2%) for its rate to mean
/// something.
fn warm(elapsed: Duration, position: u64, length: Option<u64>) -> bool {
    let fraction = length.map_or(0.0, |l| position as f64 / l.max(1) as f64);
    elapsed >= Duration::from_secs(2) && fraction >= 0.02
}

/// Time left, once the bar is [`warm`]; before that, "…".
fn eta(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    if warm(state.elapsed(), state.pos(), state.len()) {
        let _ = write!(w, "ETA {}", indicatif::HumanDuration(state.eta()));
    } else {
        let _ = write!(w, "ETA …");
    }
}

/// A bar style whose `{rate}` is the units per second, named.
fn style(template: &str, unit: &'static str, chars: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .expect("a valid template")
        .with_key(
            "rate",
            move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", human_rate(state.per_sec(), unit));
            },
        )
        .with_key("eta", eta)
        .progress_chars(chars)
}

/// Bars on stderr.
pub struct Bars {
    interactive: bool,
    multi: MultiProgress,
    state: Mutex<State>,
}

/// What the bars know of the experiment in progress.
#[derive(Default)]
struct State {
    /// Units of one run (the length of a run's bar).
    per_run: u64,
    unit: &'static str,
    /// Runs planned and finished, for the overall bar's message.
    runs: usize,
    finished: usize,
    /// Units of every finished run; the overall bar is this plus the running runs'.
    done_units: u64,
    overall: Option<ProgressBar>,
    /// Each running run's bar and units so far.
    running: HashMap<(usize, u64), (ProgressBar, u64)>,
}

impl State {
    /// Move the overall bar to every finished and running unit.
    fn update_overall(&self) {
        if let Some(overall) = &self.overall {
            let running: u64 = self.running.values().map(|(_, units)| units).sum();
            overall.set_position(self.done_units.saturating_add(running));
            // The runs left may not keep every core busy, so the overall time left is at
            // least that of the slowest running run.
            let eta = std::iter::once(overall)
                .chain(self.running.values().map(|(bar, _)| bar))
                .filter(|bar| warm(bar.elapsed(), bar.position(), bar.length()))
                .map(ProgressBar::eta)
                .max();
            let eta = match eta {
                Some(eta) if warm(overall.elapsed(), overall.position(), overall.length()) => {
                    format!("ETA {}", indicatif::HumanDuration(eta))
                }
                _ => "ETA …".into(),
            };
            overall.set_message(format!("{}/{} runs {eta:>18}", self.finished, self.runs));
        }
    }
}

impl Bars {
    pub fn new() -> Self {
        let interactive = std::io::stderr().is_terminal();
        let multi = MultiProgress::with_draw_target(if interactive {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        Self {
            interactive,
            multi,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves only progress state behind.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Observer for Bars {
    fn plan(&self, plan: &Plan) {
        let mut state = self.state();
        state.per_run = plan.units_per_run;
        state.unit = plan.unit;
        state.runs = plan.pending;
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
        let total = (plan.pending as u64).saturating_mul(plan.units_per_run);
        let overall = self.multi.add(ProgressBar::new(total));
        overall.set_style(style(
            "{prefix:>22} [{bar:28}] {percent:>3}% {rate:>18} {msg}",
            plan.unit,
            "## ",
        ));
        overall.set_prefix(plan.experiment.clone());
        overall.enable_steady_tick(Duration::from_millis(500));
        state.overall = Some(overall);
        state.update_overall();
    }

    fn run_started(&self, run: &RunId) {
        let mut state = self.state();
        let bar = self.multi.add(ProgressBar::new(state.per_run));
        bar.set_style(style(
            "{prefix:>22} [{bar:28}] {percent:>3}% {rate:>18} {eta}",
            state.unit,
            "=> ",
        ));
        bar.set_prefix(format!("{} s{}", run.arm, run.seed));
        state.running.insert((run.arm_index, run.seed), (bar, 0));
    }

    fn run_progress(&self, run: &RunId, units: u64) {
        if !self.interactive {
            return;
        }
        let mut state = self.state();
        if let Some((bar, done)) = state.running.get_mut(&(run.arm_index, run.seed)) {
            let units = units.min(bar.length().unwrap_or(units));
            bar.set_position(units);
            *done = units;
        }
        state.update_overall();
    }

    fn run_finished(&self, run: &RunId, summary: &RunSummary) {
        let mut state = self.state();
        if let Some((bar, _)) = state.running.remove(&(run.arm_index, run.seed)) {
            bar.finish_and_clear();
        }
        state.finished += 1;
        state.done_units = state.done_units.saturating_add(state.per_run);
        state.update_overall();
        if state.finished >= state.runs
            && let Some(overall) = &state.overall
        {
            overall.finish_and_clear();
        }
        if !self.interactive {
            let metric = summary
                .metric
                .map_or(String::new(), |m| format!(", metric {m:.4}"));
            let diverged = if summary.diverged { " (diverged)" } else { "" };
            eprintln!(
                "  finished {:<20} seed {}: {} {}{metric}{diverged} in {:.1} s",
                run.arm,
                run.seed,
                compact_number(summary.units as f64),
                state.unit,
                summary.wall_s
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_with_three_digits_a_suffix_and_the_unit() {
        assert_eq!(human_rate(13_044_845.769, "samples"), "13.0M samples/s");
        assert_eq!(human_rate(1_234.5, "samples"), "1.23k samples/s");
        assert_eq!(human_rate(987_654.0, "evaluations"), "988k evaluations/s");
        assert_eq!(human_rate(5.0, "samples"), "5.00 samples/s");
        assert_eq!(human_rate(2.5e9, "samples"), "2.50G samples/s");
        assert_eq!(human_rate(f64::INFINITY, "samples"), "– samples/s");
    }
}
