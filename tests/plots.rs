//! Charts are written as well-formed SVG that says what it shows (title, axis labels,
//! legend, "not reached" markers), and bad numbers never panic. Axes, guides, panels and
//! PNG copies: tests/plot_axes.rs.
//!
//! The SVGs are left in `target/tmp/plots/` for a person to look at.

use std::path::PathBuf;

use baldwin::plot::{
    Band, ChartSpec, IntervalRow, NOT_REACHED, PlotError, Series, UPPER_NOT_REACHED,
    interval_chart, line_chart,
};

fn out(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Parse the file as XML (panicking if malformed) and return the trimmed text of every
/// `<text>` element.
fn texts(path: &PathBuf) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text())
        .map(|text| text.trim().to_owned())
        .collect()
}

fn spec(title: &str, log_x: bool) -> ChartSpec {
    ChartSpec {
        title: title.into(),
        x_label: "training examples (log scale)".into(),
        y_label: "test accuracy".into(),
        log_x,
        y_range: Some((0.0, 1.0)),
        ..ChartSpec::default()
    }
}

/// A saturating learning curve sampled at log-spaced budgets, with a band that narrows.
fn curve(name: &str, speed: f64, ceiling: f64) -> Series {
    let points = (0..=16)
        .map(|i| {
            let x = 100.0 * 10f64.powf(i as f64 / 4.0);
            let center = ceiling * (1.0 - (-x * speed).exp());
            let half = 0.08 * (1.0 - i as f64 / 20.0);
            Band {
                x,
                center,
                low: center - half,
                high: center + half,
            }
        })
        .collect();
    Series {
        name: name.into(),
        points,
    }
}

#[test]
fn line_chart_is_well_formed_svg_with_title_labels_and_legend() {
    let path = out("line.svg");
    let series = [
        curve("backprop (Adam, lr 1e-3)", 1e-4, 0.97),
        curve("ES (σ = 0.1) & Adam", 1e-6, 0.9),
        curve("CMA-ES <sep>", 3e-7, 0.8),
    ];
    line_chart(&path, &spec("Digits: accuracy vs examples", true), &series).unwrap();
    let texts = texts(&path);
    for expected in [
        "Digits: accuracy vs examples",
        "training examples (log scale)",
        "test accuracy",
        "backprop (Adam, lr 1e-3)",
        "ES (σ = 0.1) & Adam",
        "CMA-ES <sep>",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} not in {texts:?}"
        );
    }
    // Other tests write beside it concurrently: look for this chart's temporaries only.
    let stem = path.file_name().unwrap().to_string_lossy().to_string();
    let leftovers: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| name.starts_with(&stem) && name.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn log_axis_ticks_read_as_compact_sample_counts() {
    let path = out("ticks.svg");
    line_chart(&path, &spec("ticks", true), &[curve("a", 1e-4, 0.9)]).unwrap();
    let texts = texts(&path);
    for tick in ["100", "1k", "10k", "100k", "1M", "0", "0.2", "1"] {
        assert!(
            texts.iter().any(|t| t == tick),
            "tick {tick:?} not in {texts:?}"
        );
    }
}

#[test]
fn series_take_okabe_ito_colours_in_order() {
    let path = out("colours.svg");
    let series = [curve("a", 1e-4, 0.9), curve("b", 1e-5, 0.8)];
    line_chart(&path, &spec("colours", true), &series).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap().to_uppercase();
    let blue = svg.find("#0072B2").expect("blue drawn");
    let orange = svg.find("#E69F00").expect("orange drawn");
    assert!(blue < orange, "the first series is drawn first, in blue");
}

#[test]
fn gaps_nan_infinity_and_empty_series_do_not_panic() {
    let path = out("gaps.svg");
    let mut gappy = curve("gappy", 1e-4, 0.9);
    gappy.points[3].center = f64::NAN;
    gappy.points[7].low = f64::NEG_INFINITY;
    gappy.points[10].x = f64::INFINITY;
    gappy.points[12].high = f64::NAN;
    let lonely = Series {
        name: "one point".into(),
        points: vec![Band {
            x: 5e3,
            center: 0.5,
            low: 0.4,
            high: 0.6,
        }],
    };
    let series = [
        gappy,
        lonely,
        Series {
            name: "empty".into(),
            points: vec![],
        },
    ];
    line_chart(&path, &spec("gaps", true), &series).unwrap();
    let texts = texts(&path);
    for name in ["gappy", "one point", "empty"] {
        assert!(texts.iter().any(|t| t == name), "legend lacks {name:?}");
    }
}

#[test]
fn a_chart_with_nothing_finite_is_written_with_a_note() {
    let all_nan = Series {
        name: "diverged".into(),
        points: vec![
            Band {
                x: 100.0,
                center: f64::NAN,
                low: f64::NAN,
                high: f64::NAN,
            };
            3
        ],
    };
    for (file, series, log_x) in [
        ("empty.svg", vec![], true),
        ("all_nan.svg", vec![all_nan.clone()], true),
        ("all_nan_linear.svg", vec![all_nan], false),
    ] {
        let path = out(file);
        let mut spec = spec("nothing", log_x);
        spec.y_range = None;
        line_chart(&path, &spec, &series).unwrap();
        let texts = texts(&path);
        assert!(
            texts.iter().any(|t| t == "no finite data to plot"),
            "{file}: {texts:?}"
        );
    }
}

#[test]
fn a_y_range_that_is_not_increasing_is_a_typed_error_and_writes_nothing() {
    let path = out("bad_range.svg");
    let _ = std::fs::remove_file(&path);
    let mut spec = spec("bad", false);
    spec.y_range = Some((1.0, 0.0));
    let error = line_chart(&path, &spec, &[curve("a", 1e-4, 0.9)]).unwrap_err();
    assert!(
        matches!(
            error,
            PlotError::BadYRange {
                low: 1.0,
                high: 0.0
            }
        ),
        "{error}"
    );
    assert!(!path.exists());
}

#[test]
fn an_unwritable_path_is_an_io_error() {
    // Missing folders are created; a folder that is a file cannot be.
    let blocker = out("a-file-not-a-folder");
    std::fs::write(&blocker, b"").unwrap();
    let path = blocker.join("chart.svg");
    let error = line_chart(&path, &spec("io", true), &[]).unwrap_err();
    assert!(matches!(error, PlotError::Io { .. }), "{error}");
}

fn samples_spec(title: &str) -> ChartSpec {
    ChartSpec {
        title: title.into(),
        x_label: "training examples to reach 90% test accuracy (IQM, 95% CI; log scale)".into(),
        y_label: String::new(),
        log_x: true,
        ..ChartSpec::default()
    }
}

fn row(name: &str, center: f64, low: f64, high: f64, note: Option<&str>) -> IntervalRow {
    IntervalRow {
        name: name.into(),
        center,
        low,
        high,
        note: note.map(str::to_owned),
    }
}

#[test]
fn interval_chart_marks_infinite_values_as_not_reached() {
    const INF: f64 = f64::INFINITY;
    let path = out("interval.svg");
    let rows = [
        row(
            "backprop (Adam)",
            3.2e3,
            2.5e3,
            4.1e3,
            Some("10/10 reached"),
        ),
        row("backprop (SGD)", 1.1e4, 8e3, 1.6e4, None),
        row("OpenAI-ES", 2.4e6, 1.1e6, INF, Some("7/10 reached")),
        row("SNES", INF, 5e6, INF, Some("2/10 reached")),
        row("CMA-ES (sep)", INF, INF, INF, Some("0/10 reached")),
    ];
    interval_chart(
        &path,
        &samples_spec("Digits: examples to 90% accuracy"),
        &rows,
    )
    .unwrap();
    let texts = texts(&path);
    let count = |label: &str| texts.iter().filter(|t| *t == label).count();
    assert_eq!(count(NOT_REACHED), 2, "{texts:?}");
    assert_eq!(count(UPPER_NOT_REACHED), 1, "{texts:?}");
    for expected in [
        "Digits: examples to 90% accuracy",
        "OpenAI-ES",
        "7/10 reached",
        "10k",
        "1M",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} not in {texts:?}"
        );
    }
}

#[test]
fn interval_chart_without_rows_or_with_nan_rows_does_not_panic() {
    let path = out("interval_empty.svg");
    interval_chart(&path, &samples_spec("none"), &[]).unwrap();
    assert!(texts(&path).iter().any(|t| t == "no rows to plot"));

    let path = out("interval_nan.svg");
    let rows = [
        row("diverged", f64::NAN, f64::NAN, f64::NAN, None),
        row("zero on a log axis", 0.0, 0.0, 10.0, None),
        row("unbounded below", 50.0, f64::NEG_INFINITY, 80.0, None),
    ];
    interval_chart(&path, &samples_spec("nan"), &rows).unwrap();
    assert!(texts(&path).iter().any(|t| t == "no data"));

    let path = out("interval_linear.svg");
    let mut spec = samples_spec("linear");
    spec.log_x = false;
    interval_chart(&path, &spec, &rows).unwrap();
    texts(&path);
}
