//! The README's picture of the tying presets is drawn from the code: each tile of an 8 x 8
//! input→hidden matrix cut into 2 x 2 tiles, labelled with the gene block it expresses.
//! The committed `docs/tying-presets.svg` must equal what [`Tying::preset`] gives today;
//! `BALDWIN_WRITE_DOCS=1 cargo test --release --test tying_pictures` rewrites it.

use std::fmt::Write as _;

use baldwin::net::{Activation, Architecture, Head, LayerTying, Tying, TyingPreset};

const FILE: &str = "docs/tying-presets.svg";
/// Side of one tile in the picture, pixels.
const CELL: usize = 34;
/// Space around and between panels.
const MARGIN: usize = 20;
const TITLE: usize = 38;

/// The first weight layer (input→hidden, 8 x 8) of an `[8, 8, 3]` network under `preset`.
fn first_layer(preset: TyingPreset) -> LayerTying {
    let arch = Architecture::uniform(&[8, 8, 3], Activation::Tanh, Head::Softmax).unwrap();
    let tying = Tying::preset(&arch, preset, (2, 2)).unwrap();
    assert!(
        tying.layer(1).is_dense(),
        "the readout stays one dense tile"
    );
    tying.layer(0).clone()
}

/// A colour per block: hues spread evenly, so that equal colours mean equal genes.
fn colour(block: u32, blocks: usize) -> String {
    if blocks == 1 {
        return "hsl(210, 60%, 75%)".into();
    }
    let hue = block as usize * 360 / blocks;
    format!("hsl({hue}, 65%, 78%)")
}

fn picture() -> String {
    let presets = TyingPreset::ALL;
    let side = 4 * CELL;
    let width = MARGIN + presets.len() * (side + MARGIN);
    let height = TITLE + side + 2 * MARGIN + 18;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">"
    );
    let _ = writeln!(
        svg,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"
    );
    for (p, preset) in presets.iter().enumerate() {
        let layer = first_layer(*preset);
        let x0 = MARGIN + p * (side + MARGIN);
        let y0 = TITLE;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"22\" font-size=\"14\" text-anchor=\"middle\">{} ({} block{})</text>",
            x0 + side / 2,
            preset.name(),
            layer.blocks,
            if layer.blocks == 1 { "" } else { "s" }
        );
        for i in 0..layer.grid_rows {
            for j in 0..layer.grid_cols {
                let tile = layer.tiles[i * layer.grid_cols + j];
                let (x, y) = (x0 + j * CELL, y0 + i * CELL);
                let _ = writeln!(
                    svg,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" fill=\"{}\" \
                     stroke=\"#333\" stroke-width=\"1\"/>",
                    colour(tile.block, layer.blocks)
                );
                let label = if tile.mirrored {
                    format!("{}\u{2195}", tile.block)
                } else {
                    tile.block.to_string()
                };
                let _ = writeln!(
                    svg,
                    "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\">{label}</text>",
                    x + CELL / 2,
                    y + CELL / 2 + 5
                );
            }
        }
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\">\
         8 inputs (rows) x 8 hidden units (columns), 2 x 2 tiles; a number is the tile's gene \
         block, \u{2195} = read with rows reversed</text>",
        width / 2,
        height - MARGIN / 2
    );
    svg.push_str("</svg>\n");
    svg
}

#[test]
fn the_readmes_tying_picture_is_what_the_presets_build() {
    let drawn = picture();
    if std::env::var_os("BALDWIN_WRITE_DOCS").is_some() {
        std::fs::write(FILE, &drawn).unwrap();
    }
    let committed = std::fs::read_to_string(FILE).unwrap_or_default();
    assert!(
        committed == drawn,
        "{FILE} differs from the presets; rewrite it with \
         BALDWIN_WRITE_DOCS=1 cargo test --release --test tying_pictures"
    );
}

#[test]
fn the_presets_tie_as_the_readme_says() {
    let at = |l: &LayerTying, i: usize, j: usize| l.tiles[i * l.grid_cols + j];
    let none = first_layer(TyingPreset::None);
    assert_eq!(none.blocks, 16);
    let translation = first_layer(TyingPreset::Translation);
    // One block per diagonal i − j: 4 + 4 − 1.
    assert_eq!(translation.blocks, 7);
    for i in 1..4 {
        for j in 1..4 {
            assert_eq!(at(&translation, i, j), at(&translation, i - 1, j - 1));
        }
    }
    let mirror = first_layer(TyingPreset::Mirror);
    assert_eq!(mirror.blocks, 8);
    for i in 0..4 {
        for j in 0..4 {
            let (a, b) = (at(&mirror, i, j), at(&mirror, 3 - i, j));
            assert_eq!(a.block, b.block);
            assert_eq!(a.mirrored, i >= 2);
        }
    }
    let all = first_layer(TyingPreset::All);
    assert_eq!(all.blocks, 1);
}
