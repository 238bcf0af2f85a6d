//! Interval charts: one row per arm, a dot at the aggregate and whiskers to its bounds;
//! values that are `+∞` (a target never reached) point off the right edge.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use plotters::coord::combinators::LogCoord;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;

use super::legend::GuideStyle;
use super::ticks::Ticked;
use super::{CANVAS, ChartSpec, FONT, Guide, PlotError, colour, draw_note, ticks};

/// One row of an interval chart: e.g. an arm's samples-to-target IQM with its 95% CI, and
/// a note such as `"3/10 runs not reached"` printed under the name.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalRow {
    /// Row label, e.g. the arm.
    pub name: String,
    /// The aggregate, drawn as a dot (`+∞`: an arrow labelled [`NOT_REACHED`]).
    pub center: f64,
    /// Left whisker end.
    pub low: f64,
    /// Right whisker end (`+∞`: an arrow past the axis).
    pub high: f64,
    /// Smaller grey line under the name.
    pub note: Option<String>,
}

/// Label on the right-edge arrow of a row whose `center` is `+∞`.
pub const NOT_REACHED: &str = "not reached";
/// Label on the right-edge arrow of a row whose `high` alone is `+∞`.
pub const UPPER_NOT_REACHED: &str = "upper bound not reached";

/// Draw one horizontal dot-and-whisker row per entry of `rows` (the first on top, names
/// and notes on the left, colours in palette order) and write the SVG atomically to
/// `path`. `spec.y_label` describes the rows; `spec.y_range`, `spec.dots` and
/// horizontal guides are unused. Vertical guides (a budget) are dashed lines across the
/// rows, labelled at the top, and the x range always reaches them.
///
/// The x range fits the finite values and the guides, with a little room. `+∞` is drawn as an arrowhead past the right end of the axis, labelled [`NOT_REACHED`] when
/// it is the `center` and [`UPPER_NOT_REACHED`] when only `high` is infinite; the whisker
/// runs to it, so censoring is visible. `−∞`, and values ≤ 0 on a log axis, are pinned to
/// the left edge with an arrowhead. A row with a NaN `center` shows "no data". An empty
/// `rows` gives an empty chart with a note.
///
/// Errors: I/O and drawing failures only.
pub fn interval_chart(
    path: impl AsRef<Path>,
    spec: &ChartSpec,
    rows: &[IntervalRow],
) -> Result<(), PlotError> {
    let guides: Vec<(f64, &str)> = spec
        .guides
        .iter()
        .filter_map(|g| match g {
            Guide::Vertical { x, label } if spec.places(*x) => Some((*x, label.as_str())),
            _ => None,
        })
        .collect();
    let (min, max) = rows
        .iter()
        .flat_map(|row| [row.center, row.low, row.high])
        .chain(guides.iter().map(|(x, _)| *x))
        .filter(|&v| spec.places(v))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), v| {
            (min.min(v), max.max(v))
        });
    let x_range = match (min <= max, spec.log_x) {
        (false, true) => (1.0, 10.0),
        (false, false) => (0.0, 1.0),
        (true, true) => ticks::fitted_log(min, max, 0.04),
        (true, false) => {
            let (low, high) = ticks::fitted(min, max, 0.05);
            (if min >= 0.0 { low.max(0.0) } else { low }, high)
        }
    };
    let x_ticks = if spec.log_x {
        ticks::log(x_range.0, x_range.1)
    } else {
        ticks::linear(x_range.0, x_range.1)
    };
    // Names sit in the left label area: make it wide enough for the longest one. plotters
    // writes a size-s font as s/1.24 px; a sans-serif character is ≈ 0.6 em wide, so a
    // name (size 16) takes ≈ 7.7 px per character and a note (size 14) ≈ 6.6 px.
    let widest = rows
        .iter()
        .map(|row| {
            let note = row.note.as_deref().map_or(0, str::len);
            (row.name.len() as f64 * 7.7).max(note as f64 * 6.6)
        })
        .fold(0.0, f64::max);
    let label_area =
        (widest + 24.0).clamp(90.0, 340.0) as u32 + if spec.y_label.is_empty() { 0 } else { 30 };
    let chart = Chart {
        spec,
        rows,
        label_area,
        guides,
    };
    super::write_svg(path.as_ref(), CANVAS, |root| {
        let (low, high) = x_range;
        if spec.log_x {
            let axis: Ticked<LogCoord<f64>> = Ticked::new((low..high).log_scale(), x_ticks);
            chart.draw(root, axis)
        } else {
            let axis: Ticked<RangedCoordf64> = Ticked::new(low..high, x_ticks);
            chart.draw(root, axis)
        }
    })
}

/// How far past the end of the x axis, in pixels, the arrows for `+∞` point: outside the
/// axis, so that they cannot be read as a value at its last tick.
const PAST_RIGHT: u32 = 44;

struct Chart<'a> {
    spec: &'a ChartSpec,
    rows: &'a [IntervalRow],
    label_area: u32,
    /// Vertical guides that can be placed: position and label.
    guides: Vec<(f64, &'a str)>,
}

/// Where a value lands on the x axis, in pixels.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Inside(i32),
    /// Beyond the left edge (−∞, or ≤ 0 on a log axis): pinned there with an arrowhead.
    PastLeft(i32),
    /// `+∞`: past the end of the axis, with an arrowhead.
    PastRight(i32),
}

impl Place {
    fn pixel(self) -> i32 {
        match self {
            Place::Inside(x) | Place::PastLeft(x) | Place::PastRight(x) => x,
        }
    }
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

impl Chart<'_> {
    fn draw<DB, X>(&self, root: &DrawingArea<DB, Shift>, x_axis: X) -> Result<(), String>
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
    {
        let spec = self.spec;
        let n = self.rows.len();
        let headroom = if self.guides.is_empty() { 0.0 } else { 0.45 };
        let mut chart = ChartBuilder::on(root)
            .caption(&spec.title, (FONT, 26))
            .margin(18)
            .margin_right(18 + PAST_RIGHT)
            .x_label_area_size(56)
            .y_label_area_size(self.label_area)
            // Headroom above the top row for the guides' labels.
            .build_cartesian_2d(x_axis, -0.6..(n as f64 - 0.4 + headroom))
            .map_err(text)?;
        let mut mesh = chart.configure_mesh();
        // An empty description would still be written as an empty `<text>`.
        if !spec.x_label.is_empty() {
            mesh.x_desc(&spec.x_label);
        }
        if !spec.y_label.is_empty() {
            mesh.y_desc(&spec.y_label);
        }
        mesh.y_labels(0)
            .disable_y_mesh()
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 17))
            .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
            .draw()
            .map_err(text)?;
        let (_, y_pixels) = chart.plotting_area().get_pixel_range();
        for &(x, label) in &self.guides {
            let style = GuideStyle::of(&Guide::Vertical {
                x,
                label: String::new(),
            });
            let px = chart.backend_coord(&(x, 0.0)).0;
            let line = [(px, y_pixels.start), (px, y_pixels.end)];
            root.draw(&DashedPathElement::new(
                line,
                style.dash,
                style.gap,
                style.colour().stroke_width(2),
            ))
            .map_err(text)?;
            let label_colour = style.colour();
            let label_style = TextStyle::from((FONT, 15).into_font())
                .color(&label_colour)
                .pos(Pos::new(HPos::Right, VPos::Top));
            root.draw_text(label, &label_style, (px - 6, y_pixels.start + 4))
                .map_err(text)?;
        }
        if n == 0 {
            return draw_note(chart.plotting_area(), "no rows to plot");
        }

        let (x_pixels, _) = chart.plotting_area().get_pixel_range();
        let (left, right) = (x_pixels.start, x_pixels.end - 1);
        let (x_low, x_high) = {
            let range = chart.x_range();
            (range.start, range.end)
        };
        let place = |v: f64| -> Option<Place> {
            if v.is_nan() {
                None
            } else if v == f64::INFINITY {
                Some(Place::PastRight(right + PAST_RIGHT as i32))
            } else if v == f64::NEG_INFINITY || (spec.log_x && v <= 0.0) {
                Some(Place::PastLeft(left))
            } else {
                let x = chart.backend_coord(&(v.clamp(x_low, x_high), 0.0)).0;
                Some(Place::Inside(x))
            }
        };
        let name_style =
            TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        let grey = RGBColor(0x55, 0x55, 0x55);
        let note_style = TextStyle::from((FONT, 14).into_font())
            .color(&grey)
            .pos(Pos::new(HPos::Right, VPos::Center));
        let edge_style = TextStyle::from((FONT, 15).into_font())
            .color(&grey)
            .pos(Pos::new(HPos::Right, VPos::Bottom));

        for (index, row) in self.rows.iter().enumerate() {
            let colour = colour(index);
            let y = chart.backend_coord(&(x_low, (n - 1 - index) as f64)).1;
            // A faint guide across the plot makes the row easy to follow from its name.
            root.draw(&PathElement::new(
                [(left, y), (right, y)],
                RGBColor(0xEE, 0xEE, 0xEE),
            ))
            .map_err(text)?;
            match &row.note {
                Some(note) => {
                    root.draw_text(&row.name, &name_style, (left - 10, y - 8))
                        .map_err(text)?;
                    root.draw_text(note, &note_style, (left - 10, y + 9))
                        .map_err(text)?;
                }
                None => root
                    .draw_text(&row.name, &name_style, (left - 10, y))
                    .map_err(text)?,
            }

            if let (Some(low), Some(high)) = (place(row.low), place(row.high)) {
                root.draw(&PathElement::new(
                    [(low.pixel(), y), (high.pixel(), y)],
                    colour.stroke_width(2),
                ))
                .map_err(text)?;
                for end in [low, high] {
                    self.draw_end(root, end, y, colour)?;
                }
            }
            match place(row.center) {
                None => root
                    .draw_text(
                        "no data",
                        &TextStyle::from((FONT, 15).into_font())
                            .color(&grey)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                        (left + 8, y),
                    )
                    .map_err(text)?,
                Some(Place::Inside(x)) => {
                    root.draw(&Circle::new((x, y), 6, colour.filled()))
                        .map_err(text)?;
                    root.draw(&Circle::new((x, y), 6, WHITE.stroke_width(1)))
                        .map_err(text)?;
                }
                Some(end) => self.draw_end(root, end, y, colour)?,
            }
            let label = if row.center == f64::INFINITY {
                Some(NOT_REACHED)
            } else if row.high == f64::INFINITY {
                Some(UPPER_NOT_REACHED)
            } else {
                None
            };
            if let Some(label) = label {
                let tip = right + PAST_RIGHT as i32;
                root.draw_text(label, &edge_style, (tip, y - 9))
                    .map_err(text)?;
            }
        }
        Ok(())
    }

    /// A whisker end: a short vertical cap inside the axis, an arrowhead past an edge.
    fn draw_end<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        end: Place,
        y: i32,
        colour: RGBColor,
    ) -> Result<(), String> {
        let shape = match end {
            Place::Inside(x) => {
                return root
                    .draw(&PathElement::new(
                        [(x, y - 6), (x, y + 6)],
                        colour.stroke_width(2),
                    ))
                    .map_err(text);
            }
            Place::PastRight(x) => [(x, y), (x - 13, y - 7), (x - 13, y + 7)],
            Place::PastLeft(x) => [(x, y), (x + 13, y - 7), (x + 13, y + 7)],
        };
        root.draw(&Polygon::new(shape, colour.filled()))
            .map_err(text)
    }
}
