//! Up-front resource checks: before anything is allocated, every experiment's memory is
//! estimated from its configuration (data, networks, populations, covariances, records,
//! runs in parallel) with overflow-free arithmetic and compared with what this machine
//! has; absurd counts get documented ceilings. A file that cannot fit is refused like
//! any other bad file: exit 2, the key that decides it, its line and column, the
//! estimate and the limit.

use super::config::table::Table;
use super::error::ConfigError;

/// Most seeds an experiment may run per arm.
pub const MAX_SEEDS: u64 = 10_000;
/// Most arms an experiment may compare.
pub const MAX_ARMS: usize = 1_000;
/// Most hidden layers a network may have.
pub const MAX_HIDDEN_LAYERS: usize = 64;
/// Most generations a Hinton & Nowlan run may breed.
pub const MAX_GENERATIONS: usize = 1_000_000;
/// Most fixed evaluation tasks a few-shot experiment may score.
pub const MAX_EVALUATION_TASKS: usize = 1_000_000;
/// Bytes of the noise table evolution strategies share (2²⁴ f32).
pub const NOISE_TABLE_BYTES: u128 = 4 << 24;
/// Bytes a logged row takes in memory (a `runs.csv` row, generously).
pub const ROW_BYTES: u128 = 256;
/// Longest arm name: it becomes part of a file name (file systems allow 255 bytes).
pub const MAX_NAME_BYTES: usize = 100;

/// Bytes of memory this machine can give: `BALDWIN_MEMORY_LIMIT` (bytes) if set, else
/// `MemAvailable` from `/proc/meminfo`, else 8 GiB.
pub fn memory_limit() -> u128 {
    if let Some(bytes) = std::env::var("BALDWIN_MEMORY_LIMIT")
        .ok()
        .and_then(|v| v.trim().parse::<u128>().ok())
    {
        return bytes;
    }
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u128>().ok())
        })
        .map_or(8 << 30, |kib| kib * 1024)
}

/// One part of an estimate: what it is, its bytes, and the key that decides it.
pub(in crate::experiment) struct Need<'a, 't, 'i> {
    /// What needs the memory, for the message.
    pub what: String,
    /// The estimate.
    pub bytes: u128,
    /// Where to point: the table and key that decide this part.
    pub at: (&'a Table<'t, 'i>, &'static str),
}

/// Human-readable bytes.
pub fn bytes(b: u128) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = b as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{b} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Refuse the configuration if its parts add up to more than [`memory_limit`]; the
/// error points at the key of the largest part.
pub(in crate::experiment) fn fits(needs: &[Need]) -> Result<(), ConfigError> {
    let total = needs
        .iter()
        .fold(0u128, |sum, n| sum.saturating_add(n.bytes));
    let limit = memory_limit();
    if total <= limit {
        return Ok(());
    }
    let largest = needs
        .iter()
        .max_by_key(|n| n.bytes)
        .expect("a total above the limit has parts");
    let (table, key) = largest.at;
    Err(table.error(
        key,
        format!(
            "the experiment would need about {} of memory ({}: {}), more than the {} this \
             machine has available; make it smaller",
            bytes(total),
            largest.what,
            bytes(largest.bytes),
            bytes(limit)
        ),
    ))
}

/// `a · b · c ...` in u128, saturating.
pub fn product(factors: &[u128]) -> u128 {
    factors.iter().fold(1u128, |p, &f| p.saturating_mul(f))
}

/// Weights and biases of a dense network with layer `sizes`, saturating.
pub fn dense_genes(sizes: &[usize]) -> u128 {
    sizes.windows(2).fold(0u128, |sum, w| {
        sum.saturating_add(product(&[w[0] as u128, w[1] as u128]))
            .saturating_add(w[1] as u128)
    })
}

/// Floats of a forward/backward workspace for `batch` rows through layer `sizes`
/// (activations, deltas and a developed copy of each weight matrix).
pub fn workspace_floats(sizes: &[usize], batch: usize) -> u128 {
    let widths: u128 = sizes.iter().map(|&s| s as u128).sum();
    product(&[3, batch as u128, widths]).saturating_add(dense_genes(sizes))
}

/// Runs that execute at once.
pub fn parallel_runs(runs: u128) -> u128 {
    runs.clamp(1, rayon::current_num_threads() as u128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_genes_count_weights_and_biases_without_overflow() {
        assert_eq!(dense_genes(&[2, 3, 1]), 2 * 3 + 3 + 3 + 1);
        let huge = dense_genes(&[usize::MAX, usize::MAX, usize::MAX]);
        assert!(huge > u64::MAX as u128);
    }

    #[test]
    fn bytes_read_as_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
