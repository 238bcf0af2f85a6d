//! Scaling shown, not claimed: one OpenAI-ES generation (ask + evaluate + tell) against
//! population at fixed genes and against genes at fixed population, with the peak heap
//! each configuration allocates, and the generation on 1 and 2 threads. (Thread scaling
//! of population forward and the Adam step: `threads/` in `benches/kernels.rs`.)
//!
//! Each configuration runs twice: with the population written out (`Strategy::ask`,
//! `population × genes` floats) and with its members streamed (`OpenAiEs::ask_members`:
//! each member rebuilt from the mean and its noise-table offset in one buffer per worker,
//! `O(genes)` per worker), the seed-sharing scheme of Salimans et al. (2017).
//!
//! Fitness is a linear model on a small fixed batch, `mean_b (x_b · genome)²`, so a
//! generation costs `population × BATCH × genes` multiply-adds plus the strategy's own
//! `O(population × genes)`. Peak memory is counted by a global allocator: the most heap
//! bytes live at once while the strategy is built and runs one generation, above what
//! was live before (the fitness batch and the shared 64 MiB noise table are built first
//! and not counted). It is heap, not resident memory.
//!
//! `cargo bench --bench scaling` also writes `results/bench/scaling.csv`,
//! `results/bench/scaling.svg` (time; from a median of a few runs, not from criterion) and
//! `results/bench/scaling_memory.svg` (peak heap). `cargo test --benches` runs the
//! smallest sizes once and writes nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use baldwin::evolve::{OpenAiEs, OpenAiEsConfig, Strategy, evaluate, sampling};
use baldwin::plot::{Band, ChartSpec, Panel, Series, panel_chart};
use criterion::{BenchmarkId, Criterion, Throughput};

/// Heap bytes live now, and the most live since the last [`reset_peak`].
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn reset_peak() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

/// Rows of the fitness batch.
const BATCH: usize = 4;

/// How a generation's members reach the fitness.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `Strategy::ask`: the whole population written out, `population × genes` floats.
    WrittenOut,
    /// `OpenAiEs::ask_members`: each member rebuilt from the mean and its noise-table
    /// offset in a buffer per worker, `genes` floats per worker.
    Streamed,
}

impl Mode {
    const ALL: [Mode; 2] = [Mode::WrittenOut, Mode::Streamed];

    fn label(self) -> &'static str {
        match self {
            Mode::WrittenOut => "written_out",
            Mode::Streamed => "streamed",
        }
    }

    fn series(self) -> &'static str {
        match self {
            Mode::WrittenOut => "ask: population written out",
            Mode::Streamed => "ask_members: members streamed",
        }
    }
}

/// The fitness batch for `genes` inputs, and an OpenAI-ES of `population` around zero.
struct Case {
    inputs: Vec<f32>,
    es: OpenAiEs,
    fitness: Vec<f32>,
    mode: Mode,
}

/// `mean_b (x_b · genome)²` over the rows of `inputs`.
fn linear_fitness(inputs: &[f32], genome: &[f32]) -> f32 {
    inputs
        .chunks_exact(genome.len())
        .map(|x| {
            x.iter()
                .zip(genome)
                .map(|(a, w)| a * w)
                .sum::<f32>()
                .powi(2)
        })
        .sum::<f32>()
        / BATCH as f32
}

impl Case {
    fn new(population: usize, genes: usize, mode: Mode) -> Self {
        let inputs = (0..BATCH * genes)
            .map(|i| ((i * 7919 % 1013) as f32 / 1013.0) - 0.5)
            .collect();
        let config = OpenAiEsConfig {
            population,
            ..Default::default()
        };
        Self {
            inputs,
            es: OpenAiEs::new(config, vec![0.0; genes], 0).unwrap(),
            fitness: vec![0.0; population],
            mode,
        }
    }

    fn generation(&mut self) {
        let inputs = &self.inputs;
        let fitness = |genome: &[f32]| linear_fitness(inputs, genome);
        match self.mode {
            Mode::WrittenOut => {
                evaluate::evaluate_fn(self.es.ask(), fitness, &mut self.fitness);
            }
            Mode::Streamed => {
                let members = self.es.ask_members();
                members.evaluate(fitness, &mut self.fitness).unwrap();
            }
        }
        black_box(self.es.tell(&self.fitness).unwrap());
    }
}

/// Peak heap bytes above the live level while a case is built and runs one generation.
fn peak_bytes(population: usize, genes: usize, mode: Mode) -> usize {
    let inputs_bytes = BATCH * genes * size_of::<f32>();
    let before = reset_peak();
    let mut case = Case::new(population, genes, mode);
    case.generation();
    PEAK.load(Ordering::Relaxed)
        .saturating_sub(before + inputs_bytes)
}

/// Median seconds of `runs` generations (after one to warm up).
fn median_seconds(case: &mut Case, runs: usize) -> f64 {
    case.generation();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            case.generation();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

struct Row {
    axis: &'static str,
    mode: Mode,
    population: usize,
    genes: usize,
    seconds: f64,
    peak_bytes: usize,
}

fn main() {
    // `cargo test --benches` runs this without `--bench`: smallest sizes, nothing written.
    let full = std::env::args().any(|a| a == "--bench");
    let (populations, gene_counts): (&[usize], &[usize]) = if full {
        (&[64, 256, 1024, 4096], &[1_000, 10_000, 100_000, 1_000_000])
    } else {
        (&[64, 256], &[1_000, 10_000])
    };
    const FIXED_GENES: usize = 10_000;
    const FIXED_POPULATION: usize = 64;
    sampling::noise_table();
    let mut criterion = Criterion::default().configure_from_args().sample_size(10);
    let configs = populations
        .iter()
        .map(|&p| ("population", p, FIXED_GENES))
        .chain(gene_counts.iter().map(|&g| ("genes", FIXED_POPULATION, g)));
    let mut rows = Vec::new();
    for (axis, population, genes) in configs {
        for mode in Mode::ALL {
            let peak_bytes = peak_bytes(population, genes, mode);
            let mut case = Case::new(population, genes, mode);
            let mut group = criterion.benchmark_group(format!("scaling/es_generation_by_{axis}"));
            group.throughput(Throughput::Elements((population * BATCH * genes) as u64));
            group.bench_function(
                BenchmarkId::new(
                    format!("openai_es_{}", mode.label()),
                    format!("p{population}_d{genes}"),
                ),
                |b| b.iter(|| case.generation()),
            );
            group.finish();
            let seconds = if full {
                median_seconds(&mut case, 5)
            } else {
                f64::NAN
            };
            rows.push(Row {
                axis,
                mode,
                population,
                genes,
                seconds,
                peak_bytes,
            });
        }
    }
    thread_scaling(&mut criterion);
    criterion.final_summary();
    for r in &rows {
        eprintln!(
            "{:>10} {:>11} p{:<5} d{:<8} {:>10.3} ms  peak heap {:>8.1} MiB",
            r.axis,
            r.mode.label(),
            r.population,
            r.genes,
            r.seconds * 1e3,
            r.peak_bytes as f64 / (1 << 20) as f64
        );
    }
    if full {
        write_results(&rows);
    }
}

/// One generation at population 256 × 10⁴ genes inside pools of 1 and 2 threads.
fn thread_scaling(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("threads/es_generation");
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut case = Case::new(256, 10_000, Mode::WrittenOut);
        group.bench_function(
            BenchmarkId::new("openai_es", format!("p256_d10000/t{threads}")),
            |b| b.iter(|| pool.install(|| case.generation())),
        );
    }
    group.finish();
}

fn write_results(rows: &[Row]) {
    let out = std::path::Path::new("results/bench");
    std::fs::create_dir_all(out).unwrap();
    let mut csv =
        String::from("axis,mode,population,genes,seconds_per_generation,peak_heap_bytes\n");
    for r in rows {
        csv.push_str(&format!(
            "{},{},{},{},{:.6e},{}\n",
            r.axis,
            r.mode.label(),
            r.population,
            r.genes,
            r.seconds,
            r.peak_bytes
        ));
    }
    std::fs::write(out.join("scaling.csv"), csv).unwrap();
    // One panel per axis, one series per mode; `value` picks seconds or MiB.
    let panel =
        |axis: &str, x_label: &str, x: fn(&Row) -> usize, y_label: &str, value: fn(&Row) -> f64| {
            Panel {
                spec: ChartSpec {
                    title: format!("vs {axis}"),
                    x_label: x_label.into(),
                    y_label: y_label.into(),
                    log_x: true,
                    log_y: true,
                    dots: true,
                    ..Default::default()
                },
                series: Mode::ALL
                    .iter()
                    .map(|&mode| Series {
                        name: mode.series().into(),
                        points: rows
                            .iter()
                            .filter(|r| r.axis == axis && r.mode == mode)
                            .map(|r| Band {
                                x: x(r) as f64,
                                center: value(r),
                                low: value(r),
                                high: value(r),
                            })
                            .collect(),
                    })
                    .collect(),
            }
        };
    let by_population = "population (log scale), 10^4 genes";
    let by_genes = "genes (log scale), population 64";
    let population = |r: &Row| r.population;
    let genes = |r: &Row| r.genes;
    let seconds = "seconds per generation (log scale)";
    let heap = "peak heap, MiB (log scale)";
    let time = |r: &Row| r.seconds;
    let mib = |r: &Row| r.peak_bytes as f64 / (1 << 20) as f64;
    let title = "OpenAI-ES generation, linear fitness on 4 rows: time";
    let panels = [
        panel("population", by_population, population, seconds, time),
        panel("genes", by_genes, genes, seconds, time),
    ];
    panel_chart(out.join("scaling.svg"), title, &panels).unwrap();
    let title = "OpenAI-ES generation, linear fitness on 4 rows: peak heap";
    let panels = [
        panel("population", by_population, population, heap, mib),
        panel("genes", by_genes, genes, heap, mib),
    ];
    panel_chart(out.join("scaling_memory.svg"), title, &panels).unwrap();
    eprintln!("wrote results/bench/scaling.csv, scaling.svg and scaling_memory.svg");
}
