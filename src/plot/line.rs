//! Learning curves: one line per series (its IQM) over a translucent confidence band, in
//! one panel or in several side by side sharing one legend.

use std::fmt::Display;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::legend::{self, Swatch};
use super::ticks::Ticked;
use super::{CANVAS, ChartSpec, FONT, Guide, PlotError, colour, draw_note, ticks};

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

/// One panel of a [`panel_chart`]: its own axes (`spec.title` is the panel's caption)
/// and curves.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Caption, axes, guides of this panel.
    pub spec: ChartSpec,
    /// Its curves; a name that recurs in another panel keeps its colour there.
    pub series: Vec<Series>,
}

/// Width of one panel when there are several, in pixels.
const PANEL_WIDTH: u32 = 520;

/// Draw `series` as lines over their confidence bands, with a legend to the right, and
/// write the SVG atomically to `path`.
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
    let panel = Panel {
        spec: ChartSpec {
            title: String::new(),
            ..spec.clone()
        },
        series: series.to_vec(),
    };
    panel_chart(path, &spec.title, &[panel])
}

/// Draw `panels` side by side under one `title`, each as [`line_chart`] draws its one
/// panel, with one legend to the right listing every series name (one colour per name
/// across panels) and every guide label once. Errors as [`line_chart`]'s.
pub fn panel_chart(path: impl AsRef<Path>, title: &str, panels: &[Panel]) -> Result<(), PlotError> {
    for panel in panels {
        if let Some((low, high)) = panel.spec.y_range
            && !(low.is_finite() && high.is_finite() && low < high)
        {
            return Err(PlotError::BadYRange { low, high });
        }
    }
    let mut names: Vec<&str> = Vec::new();
    let mut guides: Vec<Guide> = Vec::new();
    for panel in panels {
        for curve in &panel.series {
            if !names.contains(&curve.name.as_str()) {
                names.push(&curve.name);
            }
        }
        for guide in &panel.spec.guides {
            if !guides
                .iter()
                .any(|g| legend_label(g) == legend_label(guide))
            {
                guides.push(guide.clone());
            }
        }
    }
    let dots = panels.iter().any(|p| p.spec.dots);
    let mut entries: Vec<(String, Swatch)> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let swatch = Swatch::Series {
                colour: colour(i),
                dot: dots,
            };
            (name.to_string(), swatch)
        })
        .collect();
    entries.extend(legend::guide_entries(&guides));
    let legend_width = legend::width(entries.iter().map(|(label, _)| label.as_str()));
    let plot_width = match panels.len() {
        0 | 1 => CANVAS.0,
        n => PANEL_WIDTH * n as u32,
    };
    let size = (plot_width + legend_width, CANVAS.1);
    super::write_svg(path.as_ref(), size, |root| {
        let area = if title.is_empty() {
            root.clone()
        } else {
            root.titled(title, (FONT, 26)).map_err(text)?
        };
        let (plots, legend_area) = area.split_horizontally(plot_width);
        let colour_of = |name: &str| colour(names.iter().position(|n| *n == name).unwrap_or(0));
        let cells = plots.split_evenly((1, panels.len().max(1)));
        for (panel, cell) in panels.iter().zip(&cells) {
            draw_panel(cell, panel, &colour_of)?;
        }
        legend::draw(&legend_area, 40, &entries)
    })
}

fn legend_label(guide: &Guide) -> &str {
    match guide {
        Guide::Vertical { label, .. } | Guide::Horizontal { label, .. } => label,
    }
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

/// Fit the panel's ranges and ticks, then draw it on the right kind of x axis.
fn draw_panel<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    panel: &Panel,
    colour_of: &dyn Fn(&str) -> RGBColor,
) -> Result<(), String> {
    let spec = &panel.spec;
    let drawn: Vec<&Band> = panel
        .series
        .iter()
        .flat_map(|curve| &curve.points)
        .filter(|band| {
            spec.places(band.x)
                && [band.center, band.low, band.high]
                    .iter()
                    .any(|&v| spec.places_y(v))
        })
        .collect();
    let empty = drawn.is_empty();
    let guide_x = spec.guides.iter().filter_map(|g| match *g {
        Guide::Vertical { x, .. } if spec.places(x) => Some(x),
        _ => None,
    });
    let guide_y = spec.guides.iter().filter_map(|g| match *g {
        Guide::Horizontal { y, .. } if spec.places_y(y) => Some(y),
        _ => None,
    });
    let (x_min, x_max) = extent(drawn.iter().map(|band| band.x).chain(guide_x));
    let (y_min, y_max) = extent(
        drawn
            .iter()
            .flat_map(|band| [band.center, band.low, band.high])
            .filter(|&v| spec.places_y(v))
            .chain(guide_y),
    );
    let x_range = match (x_min <= x_max, spec.log_x) {
        (false, true) => (1.0, 10.0),
        (false, false) => (0.0, 1.0),
        (true, true) => ticks::fitted_log(x_min, x_max, 0.03),
        (true, false) => ticks::fitted(x_min, x_max, 0.03),
    };
    let y_range = match (spec.y_range, y_min <= y_max, spec.log_y) {
        (Some(range), _, _) => range,
        (None, false, true) => (1.0, 10.0),
        (None, false, false) => (0.0, 1.0),
        (None, true, true) => ticks::fitted_log(y_min, y_max, 0.05),
        (None, true, false) => ticks::fitted(y_min, y_max, 0.05),
    };
    let chart = Chart {
        panel,
        x_range,
        y_range,
        empty,
        colour_of,
    };
    let (low, high) = y_range;
    if spec.log_y {
        let y_axis: Ticked<LogCoord<f64>> =
            Ticked::new((low..high).log_scale(), ticks::log(low, high));
        chart.draw_on_x(cell, y_axis)
    } else {
        let y_axis: Ticked<RangedCoordf64> = Ticked::new(low..high, ticks::linear(low, high));
        chart.draw_on_x(cell, y_axis)
    }
}

/// Everything [`draw_panel`] decided, ready to draw on either kind of x axis.
struct Chart<'a> {
    panel: &'a Panel,
    x_range: (f64, f64),
    y_range: (f64, f64),
    empty: bool,
    colour_of: &'a dyn Fn(&str) -> RGBColor,
}

impl Chart<'_> {
    /// [`Chart::draw`] with the x axis the spec asks for (linear or log) and `y_axis`.
    fn draw_on_x<DB, Y>(&self, cell: &DrawingArea<DB, Shift>, y_axis: Y) -> Result<(), String>
    where
        DB: DrawingBackend,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let (low, high) = self.x_range;
        if self.panel.spec.log_x {
            let x_axis: Ticked<LogCoord<f64>> =
                Ticked::new((low..high).log_scale(), ticks::log(low, high));
            self.draw(cell, x_axis, y_axis)
        } else {
            let x_axis: Ticked<RangedCoordf64> = Ticked::new(low..high, ticks::linear(low, high));
            self.draw(cell, x_axis, y_axis)
        }
    }

    fn draw<DB, X, Y>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        x_axis: X,
        y_axis: Y,
    ) -> Result<(), String>
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let spec = &self.panel.spec;
        let (y_low, y_high) = self.y_range;
        let clamp = |y: f64| y.clamp(y_low, y_high);
        let placeable = |band: &Band| spec.places(band.x);

        let mut builder = ChartBuilder::on(cell);
        if !spec.title.is_empty() {
            builder.caption(&spec.title, (FONT, 19));
        }
        let mut chart = builder
            .margin(18)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(x_axis, y_axis)
            .map_err(text)?;
        let mut mesh = chart.configure_mesh();
        // An empty description would still be written as an empty `<text>`.
        if !spec.x_label.is_empty() {
            mesh.x_desc(&spec.x_label);
        }
        if !spec.y_label.is_empty() {
            mesh.y_desc(&spec.y_label);
        }
        mesh.label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
            .draw()
            .map_err(text)?;
        legend::draw_guides(&mut chart, &spec.guides, self.x_range, self.y_range)?;

        for curve in &self.panel.series {
            let colour = (self.colour_of)(&curve.name);
            let band_ok = |b: &Band| placeable(b) && spec.places_y(b.low) && spec.places_y(b.high);
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

            let line_ok = |b: &Band| placeable(b) && spec.places_y(b.center);
            for line in curve
                .points
                .split(|b| !line_ok(b))
                .filter(|s| !s.is_empty())
            {
                let points = line.iter().map(|b| (b.x, clamp(b.center)));
                if line.len() > 1 {
                    chart
                        .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                        .map_err(text)?;
                }
                if line.len() == 1 || spec.dots {
                    chart
                        .draw_series(points.map(|p| Circle::new(p, 4, colour.filled())))
                        .map_err(text)?;
                }
            }
        }
        if self.empty {
            draw_note(chart.plotting_area(), "no finite data to plot")?;
        }
        Ok(())
    }
}
