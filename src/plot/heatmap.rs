//! Heat maps: a matrix of numbers as coloured cells, with optional groups of rows and
//! columns (e.g. the runs of one arm) named along the axes and separated by lines.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{CANVAS, FONT, PlotError, compact_number, draw_note, write_svg};

/// How values become colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Palette {
    /// Viridis-like from `low` (dark blue) to `high` (yellow); values outside are clamped.
    Sequential {
        /// The value drawn darkest.
        low: f64,
        /// The value drawn brightest.
        high: f64,
    },
    /// Blue below zero, white at zero, red above, saturating at `±limit`.
    Diverging {
        /// The magnitude drawn fully saturated.
        limit: f64,
    },
    /// Whole numbers as distinct hues (a block's index); a negative value `-1 - k` is
    /// value `k` drawn paler (a mirrored tile).
    Categorical,
}

/// A group of consecutive rows (and, in a square map, the same columns): its name and
/// where it starts and ends (exclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Written beside the group.
    pub name: String,
    /// First row of the group.
    pub start: usize,
    /// One past its last row.
    pub end: usize,
}

/// What a heat map draws: `values` row-major, `rows × cols`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap<'a> {
    /// Caption above the map.
    pub title: String,
    /// What the rows are.
    pub y_label: String,
    /// What the columns are.
    pub x_label: String,
    /// Rows of the matrix.
    pub rows: usize,
    /// Columns of the matrix.
    pub cols: usize,
    /// `rows × cols` values, row-major; NaN cells are grey.
    pub values: &'a [f64],
    /// The colour scale.
    pub palette: Palette,
    /// Groups of rows; for a square map also of columns, named along both axes with
    /// lines at their boundaries.
    pub groups: &'a [Group],
}

const VIRIDIS: [(f64, f64, f64); 5] = [
    (68.0, 1.0, 84.0),
    (59.0, 82.0, 139.0),
    (33.0, 145.0, 140.0),
    (94.0, 201.0, 98.0),
    (253.0, 231.0, 37.0),
];

fn mix(a: (f64, f64, f64), b: (f64, f64, f64), t: f64) -> RGBColor {
    let channel = |x: f64, y: f64| (x + (y - x) * t).round().clamp(0.0, 255.0) as u8;
    RGBColor(channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
}

impl Palette {
    /// The colour of `value`.
    fn colour(self, value: f64) -> RGBColor {
        if !value.is_finite() {
            return RGBColor(0xbb, 0xbb, 0xbb);
        }
        match self {
            Palette::Sequential { low, high } => {
                let t = if high > low {
                    ((value - low) / (high - low)).clamp(0.0, 1.0)
                } else {
                    0.5
                };
                let scaled = t * (VIRIDIS.len() - 1) as f64;
                let i = (scaled.floor() as usize).min(VIRIDIS.len() - 2);
                mix(VIRIDIS[i], VIRIDIS[i + 1], scaled - i as f64)
            }
            Palette::Diverging { limit } => {
                let t = if limit > 0.0 {
                    (value / limit).clamp(-1.0, 1.0)
                } else {
                    0.0
                };
                let white = (255.0, 255.0, 255.0);
                if t < 0.0 {
                    mix(white, (33.0, 102.0, 172.0), -t)
                } else {
                    mix(white, (178.0, 24.0, 43.0), t)
                }
            }
            Palette::Categorical => {
                let (index, pale) = if value < 0.0 {
                    (-1.0 - value, true)
                } else {
                    (value, false)
                };
                // Golden-ratio steps in hue keep neighbouring indices far apart.
                let hue = (index * 0.618_033_988_75).fract();
                let colour = HSLColor(hue, 0.65, if pale { 0.78 } else { 0.5 }).to_rgba();
                RGBColor(colour.0, colour.1, colour.2)
            }
        }
    }
}

/// Draw `map` and write the SVG atomically to `path`: cells in a square-celled block on
/// the left, row 0 on top, a colour bar on the right (except for a categorical palette),
/// and for a square map with groups, group names along both axes and lines between
/// groups. An empty matrix, or `values` of the wrong length, gives a chart with a note.
///
/// Errors: I/O and drawing failures only.
pub fn heat_map(path: impl AsRef<Path>, map: &HeatMap) -> Result<(), PlotError> {
    write_svg(path.as_ref(), CANVAS, |root| {
        let text = |size: u32| TextStyle::from((FONT, size).into_font()).color(&BLACK);
        let centred = |size: u32| text(size).pos(Pos::new(HPos::Center, VPos::Center));
        let err = |e: &dyn std::fmt::Display| e.to_string();
        root.draw_text(
            &map.title,
            &text(22).pos(Pos::new(HPos::Center, VPos::Top)),
            (CANVAS.0 as i32 / 2, 12),
        )
        .map_err(|e| err(&e))?;
        if map.rows == 0 || map.cols == 0 || map.values.len() != map.rows * map.cols {
            return draw_note(root, "nothing to draw");
        }
        // The cell block: 160 px of labels on the left, 150 px for the colour bar on the
        // right, 60 px for the title and 70 px for labels below.
        let (left, top) = (160i32, 60i32);
        let width = CANVAS.0 as f64 - 160.0 - 150.0;
        let height = CANVAS.1 as f64 - 60.0 - 70.0;
        let cell = (width / map.cols as f64).min(height / map.rows as f64);
        let at = |row: usize, col: usize| {
            (
                left + (col as f64 * cell).round() as i32,
                top + (row as f64 * cell).round() as i32,
            )
        };
        for r in 0..map.rows {
            for c in 0..map.cols {
                let colour = map.palette.colour(map.values[r * map.cols + c]);
                root.draw(&Rectangle::new(
                    [at(r, c), at(r + 1, c + 1)],
                    colour.filled(),
                ))
                .map_err(|e| err(&e))?;
            }
        }
        let (right, bottom) = at(map.rows, map.cols);
        let square = map.rows == map.cols;
        for group in map
            .groups
            .iter()
            .filter(|g| g.start < g.end && g.end <= map.rows)
        {
            let middle = (at(group.start, 0).1 + at(group.end, 0).1) / 2;
            root.draw_text(
                &group.name,
                &text(14).pos(Pos::new(HPos::Right, VPos::Center)),
                (left - 8, middle),
            )
            .map_err(|e| err(&e))?;
            if !square {
                continue;
            }
            let centre = (at(0, group.start).0 + at(0, group.end).0) / 2;
            root.draw_text(&group.name, &centred(14), (centre, bottom + 14))
                .map_err(|e| err(&e))?;
            if group.start > 0 {
                let (x, y) = at(group.start, group.start);
                let line = BLACK.stroke_width(2);
                root.draw(&PathElement::new(vec![(left, y), (right, y)], line))
                    .map_err(|e| err(&e))?;
                root.draw(&PathElement::new(vec![(x, top), (x, bottom)], line))
                    .map_err(|e| err(&e))?;
            }
        }
        root.draw(&Rectangle::new([(left, top), (right, bottom)], BLACK))
            .map_err(|e| err(&e))?;
        root.draw_text(
            &map.x_label,
            &centred(16),
            ((left + right) / 2, bottom + 44),
        )
        .map_err(|e| err(&e))?;
        root.draw_text(
            &map.y_label,
            &text(16).pos(Pos::new(HPos::Left, VPos::Top)),
            (10, top - 26),
        )
        .map_err(|e| err(&e))?;
        let (low, high) = match map.palette {
            Palette::Sequential { low, high } => (low, high),
            Palette::Diverging { limit } => (-limit, limit),
            Palette::Categorical => return Ok(()),
        };
        // Colour bar: 40 steps from `high` (top) to `low`, labelled at both ends.
        let (bar_x, steps, step_h) = (right + 40, 40, (bottom - top) as f64 / 40.0);
        for k in 0..steps {
            let value = high - (high - low) * (k as f64 + 0.5) / steps as f64;
            let y0 = top + (k as f64 * step_h).round() as i32;
            let y1 = top + ((k + 1) as f64 * step_h).round() as i32;
            root.draw(&Rectangle::new(
                [(bar_x, y0), (bar_x + 20, y1)],
                map.palette.colour(value).filled(),
            ))
            .map_err(|e| err(&e))?;
        }
        let label = text(14).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw_text(&compact_number(high), &label, (bar_x + 26, top))
            .map_err(|e| err(&e))?;
        root.draw_text(&compact_number(low), &label, (bar_x + 26, bottom))
            .map_err(|e| err(&e))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palettes_map_their_ends_and_nan() {
        let seq = Palette::Sequential {
            low: 0.0,
            high: 1.0,
        };
        assert_eq!(seq.colour(0.0), RGBColor(68, 1, 84));
        assert_eq!(seq.colour(2.0), RGBColor(253, 231, 37));
        assert_eq!(seq.colour(f64::NAN), RGBColor(0xbb, 0xbb, 0xbb));
        let div = Palette::Diverging { limit: 1.0 };
        assert_eq!(div.colour(0.0), RGBColor(255, 255, 255));
        assert_eq!(div.colour(-5.0), RGBColor(33, 102, 172));
        assert_ne!(
            Palette::Categorical.colour(0.0),
            Palette::Categorical.colour(1.0)
        );
    }
}
