//! SVG charts of results: learning curves with confidence bands ([`line_chart`]) and
//! dot-and-whisker intervals, one row per arm ([`interval_chart`]); heat maps of a matrix
//! ([`heat_map`]).
//!
//! This module owns drawing only. It takes numbers already aggregated (an IQM and its
//! interval per point or per arm) and knows nothing of networks, strategies or statistics.
//!
//! Conventions shared by both charts:
//! - Canvas 560 px high; a plotting column 900 px wide (per panel: 560 px), plus a
//!   legend column on the right, so a legend never covers data. Okabe–Ito
//!   colour-blind-safe palette ([`OKABE_ITO`]) cycled in order.
//! - Ranges fit the data and the [`Guide`]s (a budget marker is always on the axis); ticks
//!   are 1-2-5 multiples (decades on long log axes), formatted by [`compact_number`]
//!   (`1k`, `10k`, `1M`), and no two ticks of an axis share a label.
//! - [`svg_to_png`] rasterises a written chart with `resvg` (pure Rust).
//! - Text is written into the SVG as `<text>` elements with a generic `sans-serif`
//!   family; no font files are read (plotters without default features), so layout uses
//!   plotters' rough width estimate and the browser does the rest.
//! - The file is written atomically: the whole SVG is rendered in memory, written to
//!   a temporary file (see `crate::atomic`) and renamed over `path`, so a reader never sees a
//!   half-written chart.
//! - Bad numbers are not errors: non-finite values leave a gap (or, in an interval chart,
//!   an arrow at the edge), and a chart with nothing finite to draw is still written, with
//!   a note in the middle saying so. Errors are for a bad [`ChartSpec`] and for I/O.

mod heatmap;
mod interval;
mod legend;
mod line;
mod png;
mod ticks;

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use thiserror::Error;

pub use heatmap::{Group, HeatMap, Palette, heat_map};
pub use interval::{IntervalRow, NOT_REACHED, UPPER_NOT_REACHED, interval_chart};
pub use line::{Band, Panel, Series, line_chart, panel_chart};
pub use png::{PngError, Raster, svg_to_png};

/// Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable under the
/// common colour-vision deficiencies. Blue, orange, green, vermillion, purple, sky blue,
/// yellow, black — series and rows take them in this order, cycling.
pub const OKABE_ITO: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2),
    (0xE6, 0x9F, 0x00),
    (0x00, 0x9E, 0x73),
    (0xD5, 0x5E, 0x00),
    (0xCC, 0x79, 0xA7),
    (0x56, 0xB4, 0xE9),
    (0xF0, 0xE4, 0x42),
    (0x00, 0x00, 0x00),
];

/// Height of every chart, and width of a single-panel chart's plotting column, in pixels.
const CANVAS: (u32, u32) = (900, 560);
const FONT: &str = "sans-serif";

/// A dashed reference line across a chart, listed in the legend with its label: a budget
/// (vertical), a target or chance level (horizontal). A chart's range always includes
/// its guides, so a budget marker is never off the axis.
#[derive(Debug, Clone, PartialEq)]
pub enum Guide {
    /// A vertical line at this x, e.g. the sample budget.
    Vertical {
        /// Position on the x axis.
        x: f64,
        /// Legend text, e.g. `"budget 2M"`.
        label: String,
    },
    /// A horizontal line at this y, e.g. a target accuracy or chance.
    Horizontal {
        /// Position on the y axis.
        y: f64,
        /// Legend text, e.g. `"chance 0.2"`.
        label: String,
    },
}

/// What a chart says around its data. Labels should carry units, e.g.
/// `"training examples (log scale)"`.
///
/// The legend sits in a column to the right of the plotting area, never over the data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartSpec {
    /// Caption above the chart.
    pub title: String,
    /// Horizontal axis description, with units.
    pub x_label: String,
    /// Vertical axis description, with units (in an interval chart: what the rows are).
    pub y_label: String,
    /// Logarithmic x axis (base 10). Values ≤ 0 cannot be placed on it: a line chart skips
    /// them, an interval chart pins them to the left edge.
    pub log_x: bool,
    /// Logarithmic y axis (base 10), for quantities that span decades (times, losses).
    /// Values ≤ 0 cannot be placed on it and are skipped, as on a log x axis. Line charts
    /// only.
    pub log_y: bool,
    /// Fixed y range `(low, high)`; data outside is drawn clamped to it. `None` fits the
    /// data (and horizontal guides) with 5% padding. Line charts only: an interval
    /// chart's y axis is its rows.
    pub y_range: Option<(f64, f64)>,
    /// Reference lines (budget, target, chance). An interval chart draws vertical ones.
    pub guides: Vec<Guide>,
    /// Mark every point of a line with a dot: for curves of a few points (e.g. K = 1, 5,
    /// 10 shots), where a straight segment alone would pretend to know what lies between.
    pub dots: bool,
}

/// Why a chart could not be written.
#[derive(Debug, Error)]
pub enum PlotError {
    /// [`ChartSpec::y_range`] is not finite and increasing.
    #[error("y_range ({low}, {high}) must be finite with low < high")]
    BadYRange {
        /// The given lower end.
        low: f64,
        /// The given upper end.
        high: f64,
    },
    /// Writing the file (or renaming it into place) failed.
    #[error("cannot write chart {}: {source}", path.display())]
    Io {
        /// The chart's intended path.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// plotters reported an error while rendering in memory.
    #[error("drawing chart {} failed: {message}", path.display())]
    Draw {
        /// The chart's intended path.
        path: PathBuf,
        /// plotters' message.
        message: String,
    },
}

/// A number as a short tick label: `0`, `0.25`, `950`, `2.5k`, `10k`, `1M`, `1.5G`,
/// `1e-5`. Large values are rounded to three significant digits before a suffix (k = 10³,
/// M = 10⁶, G = 10⁹, T = 10¹²) is chosen, so 999,999 reads `1M`, not `1000k`.
pub fn compact_number(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN"
        } else if value > 0.0 {
            "inf"
        } else {
            "-inf"
        }
        .into();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs();
    if magnitude < 1e-3 {
        let text = format!("{value:.2e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", trim_zeros(mantissa));
    }
    let rounded = round_significant(value, if magnitude >= 1e3 { 3 } else { 4 });
    const SUFFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    match SUFFIXES.iter().find(|(scale, _)| rounded.abs() >= *scale) {
        Some((scale, suffix)) => {
            format!("{}{suffix}", trim_zeros(&format!("{:.2}", rounded / scale)))
        }
        None => trim_zeros(&format!("{rounded:.6}")).to_string(),
    }
}

fn round_significant(value: f64, digits: i32) -> f64 {
    let unit = 10f64.powi(value.abs().log10().floor() as i32 - digits + 1);
    (value / unit).round() * unit
}

/// `"2.500"` → `"2.5"`, `"3.00"` → `"3"`.
fn trim_zeros(number: &str) -> &str {
    if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    }
}

/// The `index`-th palette colour, cycling.
fn colour(index: usize) -> RGBColor {
    let (r, g, b) = OKABE_ITO[index % OKABE_ITO.len()];
    RGBColor(r, g, b)
}

/// A drawing failure, named by the chart it was for.
fn draw_error(path: &Path) -> impl Fn(&dyn std::fmt::Display) -> PlotError + '_ {
    move |error| PlotError::Draw {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Render with `draw` into an in-memory SVG of `size` pixels, then write it atomically to
/// `path`.
fn write_svg<F>(path: &Path, size: (u32, u32), draw: F) -> Result<(), PlotError>
where
    F: FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), String>,
{
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let fail = draw_error(path);
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        draw(&root).map_err(|message| fail(&message))?;
        root.present().map_err(|e| fail(&e))?;
    }
    crate::atomic::write(path, svg.as_bytes()).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Write `note` in grey at the middle of `area`: the chart had nothing to draw.
fn draw_note<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    note: &str,
) -> Result<(), String> {
    let (x, y) = area.get_pixel_range();
    let centre = ((x.start + x.end) / 2, (y.start + y.end) / 2);
    let style = TextStyle::from((FONT, 20).into_font())
        .color(&RGBColor(0x55, 0x55, 0x55))
        .pos(Pos::new(HPos::Center, VPos::Center));
    // Pixel coordinates: draw on the area's own backend view, not through its data axes.
    area.strip_coord_spec()
        .draw_text(note, &style, (centre.0 - x.start, centre.1 - y.start))
        .map_err(|e| e.to_string())
}

impl ChartSpec {
    /// Whether `x` has a place on this chart's x axis: finite, and positive on a log axis.
    fn places(&self, x: f64) -> bool {
        x.is_finite() && (!self.log_x || x > 0.0)
    }

    /// Whether `y` has a place on this chart's y axis: finite, and positive on a log axis.
    fn places_y(&self, y: f64) -> bool {
        y.is_finite() && (!self.log_y || y > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_numbers_read_like_tick_labels() {
        let cases = [
            (0.0, "0"),
            (0.25, "0.25"),
            (0.30000000000000004, "0.3"),
            (950.0, "950"),
            (1000.0, "1k"),
            (2500.0, "2.5k"),
            (10_000.0, "10k"),
            (123_456.0, "123k"),
            (999_999.0, "1M"),
            (1e6, "1M"),
            (1.5e9, "1.5G"),
            (-2000.0, "-2k"),
            (1e-5, "1e-5"),
        ];
        for (value, text) in cases {
            assert_eq!(compact_number(value), text, "{value}");
        }
    }
}
