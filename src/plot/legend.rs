//! The legend column to the right of the plotting area, and the dashed guide lines that
//! it lists (budget, target, chance).

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, Guide};

/// What one legend line shows before its text.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    /// A series: a line in its colour, with a dot when points are marked.
    Series { colour: RGBColor, dot: bool },
    /// A guide: the dashed line drawn on the chart.
    Guide(GuideStyle),
}

/// How a guide is drawn: vertical ones (budgets) long-dashed grey, horizontal ones
/// (targets, chance) short-dashed dark grey.
#[derive(Debug, Clone, Copy)]
pub(super) struct GuideStyle {
    colour: RGBColor,
    pub(super) dash: i32,
    pub(super) gap: i32,
}

impl GuideStyle {
    pub(super) fn colour(&self) -> RGBColor {
        self.colour
    }

    pub(super) fn of(guide: &Guide) -> Self {
        match guide {
            Guide::Vertical { .. } => GuideStyle {
                colour: RGBColor(0x77, 0x77, 0x77),
                dash: 8,
                gap: 5,
            },
            Guide::Horizontal { .. } => GuideStyle {
                colour: RGBColor(0x33, 0x33, 0x33),
                dash: 3,
                gap: 4,
            },
        }
    }
}

/// Legend text longer than this is cut with an ellipsis, so one long arm name cannot
/// squeeze the plots.
const MAX_CHARS: usize = 44;
/// Space before the text: the swatch and a gap.
const SWATCH: i32 = 36;
/// Pixels per character of 16-px sans-serif text (≈ 0.6 em at plotters' s/1.24 scale,
/// rounded up so long names stay inside the canvas).
const CHAR_PX: f64 = 8.2;

/// Text of a legend line, cut to [`MAX_CHARS`].
pub(super) fn shorten(label: &str) -> String {
    if label.chars().count() <= MAX_CHARS {
        label.to_string()
    } else {
        let mut cut: String = label.chars().take(MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// Width of the legend column for these labels, in pixels.
pub(super) fn width<'a>(labels: impl Iterator<Item = &'a str>) -> u32 {
    let chars = labels
        .map(|l| shorten(l).chars().count())
        .max()
        .unwrap_or(0);
    if chars == 0 {
        return 0;
    }
    (SWATCH as f64 + CHAR_PX * chars as f64 + 24.0).clamp(120.0, 460.0) as u32
}

/// Draw the legend lines top-down in `area`, starting `top` pixels down.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: i32,
    entries: &[(String, Swatch)],
) -> Result<(), String> {
    let text = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (index, (label, swatch)) in entries.iter().enumerate() {
        let y = top + 26 * index as i32;
        let (x0, x1) = (8, 8 + SWATCH - 8);
        match *swatch {
            Swatch::Series { colour, dot } => {
                area.draw(&PathElement::new(
                    [(x0, y), (x1, y)],
                    colour.stroke_width(3),
                ))
                .map_err(text)?;
                if dot {
                    area.draw(&Circle::new(((x0 + x1) / 2, y), 4, colour.filled()))
                        .map_err(text)?;
                }
            }
            Swatch::Guide(guide) => area
                .draw(&DashedPathElement::new(
                    [(x0, y), (x1, y)],
                    guide.dash,
                    guide.gap,
                    guide.colour.stroke_width(2),
                ))
                .map_err(text)?,
        }
        area.draw_text(&shorten(label), &style, (8 + SWATCH, y))
            .map_err(text)?;
    }
    Ok(())
}

/// The legend entries of `guides`, in order.
pub(super) fn guide_entries(guides: &[Guide]) -> Vec<(String, Swatch)> {
    guides
        .iter()
        .map(|guide| {
            let label = match guide {
                Guide::Vertical { label, .. } | Guide::Horizontal { label, .. } => label,
            };
            (label.clone(), Swatch::Guide(GuideStyle::of(guide)))
        })
        .collect()
}

/// Draw each guide across `chart` (data coordinates), inside the ranges given.
pub(super) fn draw_guides<DB, X, Y>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    guides: &[Guide],
    x_range: (f64, f64),
    y_range: (f64, f64),
) -> Result<(), String>
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>,
{
    // A guide outside its axis's range would not show; on a log axis it may not even
    // have a position (a value ≤ 0).
    let within = |v: f64, (low, high): (f64, f64)| low <= v && v <= high;
    for guide in guides {
        let style = GuideStyle::of(guide);
        let ends = match *guide {
            Guide::Vertical { x, .. } if within(x, x_range) => [(x, y_range.0), (x, y_range.1)],
            Guide::Horizontal { y, .. } if within(y, y_range) => [(x_range.0, y), (x_range.1, y)],
            _ => continue,
        };
        chart
            .draw_series([DashedPathElement::new(
                ends,
                style.dash,
                style.gap,
                style.colour.stroke_width(2),
            )])
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
