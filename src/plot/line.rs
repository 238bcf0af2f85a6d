//! Learning curves: one line per series (its IQM) over a translucent confidence band.

use std::fmt::Display;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use super::{
    ChartSpec, FONT, LegendCorner, PlotError, colour, compact_number, decades, draw_note, padded,
    write_svg,
};

/// One point of a curve: the aggregate (`center`, e.g. the IQM) and its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Position on the x axis, e.g. training examples used.
    pub x: f64,
    /// The aggregate drawn as the line.
    pub center: f64,
    /// Lower edge of the band.
    pub low: f64,
    /// Upper edge of the band.
    pub high: f64,
}

/// A named curve, its points in increasing `x`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Points in increasing `x`; they are joined in the order given.
    pub points: Vec<Band>,
}

/// Draw `series` as lines over their confidence bands, with a legend, and write the SVG
/// atomically to `path`.
///
/// A point whose `x` cannot be placed (non-finite, or ≤ 0 on a log axis) or whose
/// `center` is non-finite breaks the line there; a non-finite `low` or `high` breaks the
/// band. An isolated point is drawn as a dot (and its band as a vertical bar). Every
/// series gets a legend entry, even one with nothing to draw. With no drawable point at
/// all the chart is still written, empty, with a note "no finite data to plot".
///
/// Errors: [`PlotError::BadYRange`] for a `y_range` that is not finite and increasing;
/// I/O and drawing failures.
pub fn line_chart(
    path: impl AsRef<Path>,
    spec: &ChartSpec,
    series: &[Series],
) -> Result<(), PlotError> {
    let path = path.as_ref();
    if let Some((low, high)) = spec.y_range
        && !(low.is_finite() && high.is_finite() && low < high)
    {
        return Err(PlotError::BadYRange { low, high });
    }
    let placeable = |band: &Band| spec.places(band.x);
    let drawn: Vec<&Band> = series
        .iter()
        .flat_map(|curve| &curve.points)
        .filter(|band| {
            placeable(band)
                && [band.center, band.low, band.high]
                    .iter()
                    .any(|v| v.is_finite())
        })
        .collect();
    let (x_min, x_max) = extent(drawn.iter().map(|band| band.x));
    let (y_min, y_max) = extent(
        drawn
            .iter()
            .flat_map(|band| [band.center, band.low, band.high])
            .filter(|v| v.is_finite()),
    );
    let empty = drawn.is_empty();
    let x_range = match (empty, spec.log_x) {
        (true, true) => (1.0, 10.0),
        (true, false) => (0.0, 1.0),
        (false, true) => decades(x_min, x_max),
        (false, false) => padded(x_min, x_max, 0.0, 0.0),
    };
    let y_range = match (spec.y_range, empty) {
        (Some(range), _) => range,
        (None, true) => (0.0, 1.0),
        (None, false) => padded(y_min, y_max, 0.04, 0.04),
    };
    let chart = Chart {
        spec,
        series,
        y_range,
        empty,
    };
    write_svg(path, |root| {
        if spec.log_x {
            chart.draw(root, (x_range.0..x_range.1).log_scale())
        } else {
            chart.draw(root, x_range.0..x_range.1)
        }
    })
}

/// `(min, max)` of some values; `(∞, −∞)` when there are none.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), v| {
        (min.min(v), max.max(v))
    })
}

fn text(error: impl Display) -> String {
    error.to_string()
}

/// Everything [`line_chart`] decided, ready to draw on either kind of x axis.
struct Chart<'a> {
    spec: &'a ChartSpec,
    series: &'a [Series],
    y_range: (f64, f64),
    empty: bool,
}

impl Chart<'_> {
    fn draw<DB, X>(&self, root: &DrawingArea<DB, Shift>, x_axis: X) -> Result<(), String>
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
    {
        let spec = self.spec;
        let (y_low, y_high) = self.y_range;
        let clamp = |y: f64| y.clamp(y_low, y_high);
        let placeable = |band: &Band| spec.places(band.x);

        let mut chart = ChartBuilder::on(root)
            .caption(&spec.title, (FONT, 26))
            .margin(18)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(x_axis, y_low..y_high)
            .map_err(text)?;
        let mut mesh = chart.configure_mesh();
        // An empty description would still be written as an empty `<text>`.
        if !spec.x_label.is_empty() {
            mesh.x_desc(&spec.x_label);
        }
        if !spec.y_label.is_empty() {
            mesh.y_desc(&spec.y_label);
        }
        mesh.x_label_formatter(&|x| compact_number(*x))
            .y_label_formatter(&|y| compact_number(*y))
            .x_labels(10)
            .y_labels(8)
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
            .light_line_style(RGBColor(0xF2, 0xF2, 0xF2))
            .max_light_lines(4)
            .draw()
            .map_err(text)?;

        for (index, curve) in self.series.iter().enumerate() {
            let colour = colour(index);
            let band_ok = |b: &Band| placeable(b) && b.low.is_finite() && b.high.is_finite();
            for band in curve
                .points
                .split(|b| !band_ok(b))
                .filter(|s| !s.is_empty())
            {
                if let [single] = band {
                    let bar = [
                        (single.x, clamp(single.low)),
                        (single.x, clamp(single.high)),
                    ];
                    chart
                        .draw_series([PathElement::new(bar, colour.mix(0.5).stroke_width(3))])
                        .map_err(text)?;
                    continue;
                }
                let outline: Vec<(f64, f64)> = band
                    .iter()
                    .map(|b| (b.x, clamp(b.low)))
                    .chain(band.iter().rev().map(|b| (b.x, clamp(b.high))))
                    .collect();
                chart
                    .draw_series([Polygon::new(outline, colour.mix(0.2).filled())])
                    .map_err(text)?;
            }

            let line_ok = |b: &Band| placeable(b) && b.center.is_finite();
            let mut labelled = false;
            for line in curve
                .points
                .split(|b| !line_ok(b))
                .filter(|s| !s.is_empty())
            {
                let points = line.iter().map(|b| (b.x, clamp(b.center)));
                let drawn = if line.len() == 1 {
                    chart.draw_series(points.map(|p| Circle::new(p, 3, colour.filled())))
                } else {
                    chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))
                }
                .map_err(text)?;
                if !labelled {
                    drawn.label(&curve.name).legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 22, y)], colour.stroke_width(3))
                    });
                    labelled = true;
                }
            }
            if !labelled {
                // Nothing drawable: still list the series, so its absence is visible.
                chart
                    .draw_series(LineSeries::new(std::iter::empty(), colour.stroke_width(2)))
                    .map_err(text)?
                    .label(&curve.name)
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 22, y)], colour.stroke_width(3))
                    });
            }
        }

        if !self.series.is_empty() {
            chart
                .configure_series_labels()
                .position(match spec.legend {
                    LegendCorner::UpperLeft => SeriesLabelPosition::UpperLeft,
                    LegendCorner::UpperRight => SeriesLabelPosition::UpperRight,
                    LegendCorner::LowerLeft => SeriesLabelPosition::LowerLeft,
                    LegendCorner::LowerRight => SeriesLabelPosition::LowerRight,
                })
                .background_style(WHITE.mix(0.92))
                .border_style(RGBColor(0x99, 0x99, 0x99))
                .label_font((FONT, 16))
                .margin(12)
                .legend_area_size(30)
                .draw()
                .map_err(text)?;
        }
        if self.empty {
            draw_note(chart.plotting_area(), "no finite data to plot")?;
        }
        Ok(())
    }
}
