//! Ctrl-C and SIGTERM as flags that stop runs cleanly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Flags raised by Ctrl-C (SIGINT) and by SIGTERM: either stops the runs cleanly (finished
/// runs are saved, unfinished ones checkpointed; the same command continues them), and the
/// exit code says which one it was.
pub struct Signals {
    interrupt: Arc<AtomicBool>,
    terminate: Arc<AtomicBool>,
    pub stop: Arc<AtomicBool>,
}

impl Signals {
    pub fn register() -> Self {
        let signals = Signals {
            interrupt: Arc::new(AtomicBool::new(false)),
            terminate: Arc::new(AtomicBool::new(false)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        use signal_hook::consts::{SIGINT, SIGTERM};
        for (signal, flag) in [(SIGINT, &signals.interrupt), (SIGTERM, &signals.terminate)] {
            let _ = signal_hook::flag::register(signal, flag.clone());
            let _ = signal_hook::flag::register(signal, signals.stop.clone());
        }
        signals
    }

    /// The exit code of a run stopped by a signal: 128 + its number.
    pub fn exit_code(&self) -> u8 {
        if self.terminate.load(Ordering::Relaxed) && !self.interrupt.load(Ordering::Relaxed) {
            143
        } else {
            130
        }
    }
}
