//! Axes that say what they show: one tick per label, an x range that reaches the budget
//! (and no further than it needs), y ranges fitted to the data, guide lines listed in a
//! legend beside the plot, panels sharing one legend, and PNG copies that are pictures.
//!
//! The SVGs and PNGs are left in `target/tmp/plots/` for a person to look at.

use std::path::PathBuf;

use baldwin::plot::{
    Band, ChartSpec, Guide, IntervalRow, Panel, Series, interval_chart, line_chart, panel_chart,
    svg_to_png,
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

/// The tick labels of the x axis (numbers sharing the most common `y`) and of the y axis
/// (numbers sharing the most common `x`), in document order.
fn tick_labels(path: &PathBuf) -> (Vec<String>, Vec<String>) {
    let svg = std::fs::read_to_string(path).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    type Label<'a> = (&'a str, &'a str, String);
    let numbers: Vec<Label> = document
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("transform").is_none())
        .filter_map(|n| {
            let text = n.text()?.trim().to_owned();
            let numeric = text
                .trim_end_matches(['k', 'M', 'G', 'T'])
                .parse::<f64>()
                .is_ok();
            numeric.then(|| (n.attribute("x").unwrap(), n.attribute("y").unwrap(), text))
        })
        .collect();
    let most_common = |key: &dyn for<'l> Fn(&'l Label) -> &'l str| -> Vec<String> {
        let mode = numbers
            .iter()
            .map(key)
            .max_by_key(|k| numbers.iter().filter(|n| key(n) == *k).count())
            .unwrap_or_default();
        numbers
            .iter()
            .filter(|n| key(n) == mode)
            .map(|n| n.2.clone())
            .collect()
    };
    (most_common(&|n| n.1), most_common(&|n| n.0))
}

fn assert_unique(labels: &[String], what: &str) {
    let mut sorted = labels.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        labels.len(),
        "{what}: repeated tick label in {labels:?}"
    );
}

#[test]
fn every_tick_label_appears_once_and_the_budget_bounds_the_x_axis() {
    // The case of the issue: a 2M budget, values up to 1.5M, a `10M` label drawn twice.
    let path = out("interval_budget.svg");
    let mut spec = samples_spec("budget");
    spec.guides = vec![Guide::Vertical {
        x: 2e6,
        label: "budget 2M".into(),
    }];
    let rows = [
        row("Adam", 9e3, 8e3, 1.1e4, None),
        row("ES", 1.5e6, 1.2e6, 1.9e6, None),
        row("GA", f64::INFINITY, 1.8e6, f64::INFINITY, None),
    ];
    interval_chart(&path, &spec, &rows).unwrap();
    let (x_ticks, _) = tick_labels(&path);
    assert_unique(&x_ticks, "interval chart");
    assert!(x_ticks.contains(&"1M".to_string()), "{x_ticks:?}");
    assert!(
        !x_ticks.contains(&"10M".to_string()),
        "axis runs past the budget: {x_ticks:?}"
    );
    assert!(texts(&path).iter().any(|t| t == "budget 2M"));
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(
        svg.matches("stroke=\"#777777\"").count() >= 5,
        "no dashed budget line"
    );

    let path = out("line_budget.svg");
    let mut spec = self::spec("budget", true);
    spec.guides = vec![Guide::Vertical {
        x: 3e6,
        label: "budget 3M".into(),
    }];
    line_chart(&path, &spec, &[curve("a", 1e-4, 0.9)]).unwrap();
    let (x_ticks, y_ticks) = tick_labels(&path);
    assert_unique(&x_ticks, "line chart x");
    assert_unique(&y_ticks, "line chart y");
    assert_eq!(
        x_ticks.last().map(String::as_str),
        Some("1M"),
        "{x_ticks:?}"
    );
    assert!(
        texts(&path).iter().any(|t| t == "budget 3M"),
        "budget not in the legend"
    );
}

#[test]
fn without_a_fixed_range_the_y_axis_fits_the_data() {
    let path = out("fitted.svg");
    let mut spec = spec("fitted", true);
    spec.y_range = None;
    let close = [curve("a", 1e-4, 0.95), curve("b", 1e-5, 0.9)].map(|mut c| {
        c.points.retain(|b| b.x >= 1e5);
        c
    });
    line_chart(&path, &spec, &close).unwrap();
    let (_, y_ticks) = tick_labels(&path);
    let values: Vec<f64> = y_ticks.iter().map(|t| t.parse().unwrap()).collect();
    assert!(values.len() >= 3, "{y_ticks:?}");
    let data_low = close
        .iter()
        .flat_map(|c| &c.points)
        .map(|b| b.low)
        .fold(1.0, f64::min);
    assert!(
        values.iter().all(|v| *v >= data_low - 0.05 && *v <= 1.05),
        "{y_ticks:?}"
    );
    assert!(
        !y_ticks.contains(&"0".to_string()),
        "still 0–1: {y_ticks:?}"
    );
}

#[test]
fn a_log_y_axis_spans_the_decades_of_the_data_and_skips_values_it_cannot_place() {
    // Times from 0.2 ms to 3 s, as the scaling bench writes them, with a zero and a
    // negative value (a failed measurement) that a log axis has no place for.
    let path = out("log_y.svg");
    let spec = ChartSpec {
        title: "log y".into(),
        x_label: "population (log scale)".into(),
        y_label: "seconds per generation (log scale)".into(),
        log_x: true,
        log_y: true,
        dots: true,
        guides: vec![
            Guide::Horizontal {
                y: 0.0,
                label: "zero".into(),
            },
            Guide::Horizontal {
                y: 1.0,
                label: "one second".into(),
            },
        ],
        ..ChartSpec::default()
    };
    let seconds = [2e-4, 1e-3, 0.0, 2e-2, -1.0, 0.3, 3.0];
    let points = seconds
        .iter()
        .enumerate()
        .map(|(i, &y)| Band {
            x: 64.0 * 2f64.powi(i as i32),
            center: y,
            low: y,
            high: y,
        })
        .collect();
    let series = [Series {
        name: "generation".into(),
        points,
    }];
    line_chart(&path, &spec, &series).unwrap();
    let (_, y_ticks) = tick_labels(&path);
    assert_unique(&y_ticks, "log y");
    let values: Vec<f64> = y_ticks
        .iter()
        .map(|t| t.parse().unwrap_or_else(|_| panic!("tick {t:?}")))
        .collect();
    assert!(values.iter().all(|&v| v > 0.0), "{y_ticks:?}");
    // Ticks at 1, 2 or 5 times a power of ten, covering 1e-3 … 1.
    for v in &values {
        let mantissa = v / 10f64.powf(v.log10().floor());
        assert!(
            [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6),
            "{v} in {y_ticks:?}"
        );
    }
    let (low, high) = (
        values[0].min(values[values.len() - 1]),
        values[0].max(values[values.len() - 1]),
    );
    assert!(low <= 1e-3 && high >= 1.0, "{y_ticks:?}");
    assert!(high <= 10.0 && low >= 1e-5, "{y_ticks:?}");
    let labels = texts(&path);
    assert!(labels.iter().any(|t| t == "one second"), "{labels:?}");
}

#[test]
fn panels_share_one_legend_with_guides_and_the_png_is_a_real_picture() {
    let path = out("panels.svg");
    let panel = |k: usize| Panel {
        spec: ChartSpec {
            title: format!("K = {k}"),
            log_x: true,
            dots: true,
            guides: vec![Guide::Horizontal {
                y: 0.2,
                label: "chance (1/5)".into(),
            }],
            ..ChartSpec::default()
        },
        series: vec![
            curve("Reptile", 1e-4 * k as f64, 0.9),
            curve("scratch", 1e-6, 0.5),
        ],
    };
    panel_chart(&path, "few-shot", &[panel(1), panel(5), panel(10)]).unwrap();
    let texts = texts(&path);
    let count = |label: &str| texts.iter().filter(|t| *t == label).count();
    for k in ["K = 1", "K = 5", "K = 10"] {
        assert_eq!(count(k), 1, "{texts:?}");
    }
    assert_eq!(count("Reptile"), 1, "one legend for all panels");
    assert_eq!(count("chance (1/5)"), 1);

    let png = out("panels.png");
    let raster = svg_to_png(&path, &png).unwrap();
    let pixmap = resvg::tiny_skia::Pixmap::load_png(&png).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let width = format!("width=\"{}\"", pixmap.width());
    assert!(
        svg.contains(&width),
        "PNG width {} differs from the SVG",
        pixmap.width()
    );
    assert_eq!((raster.width, raster.height), (pixmap.width(), 560));
    let blue = pixmap
        .pixels()
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) == (0x00, 0x72, 0xB2))
        .count();
    let ink = pixmap.pixels().iter().filter(|p| p.red() < 200).count();
    assert!(
        blue > 200,
        "the first series is drawn in blue ({blue} pixels)"
    );
    assert!(ink > 5_000, "mostly blank ({ink} dark pixels)");
}
