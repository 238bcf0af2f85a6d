//! PNG copies of charts, rasterised from their SVG with `resvg` (pure Rust: no system
//! libraries). Text is set in whatever fonts `fontdb` finds in the usual system folders,
//! read directly (no fontconfig); on a machine without any font file the lines and
//! bands are still drawn and only the text is missing, which [`svg_to_png`] reports.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use thiserror::Error;

/// Why a PNG could not be written.
#[derive(Debug, Error)]
pub enum PngError {
    /// Reading the SVG or writing the PNG failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// The SVG could not be parsed or rendered.
    #[error("cannot rasterise {}: {message}", path.display())]
    Render {
        /// The SVG.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Sans-serif families tried in order for the charts' text; failing all, any installed
/// font.
const SANS_SERIF: [&str; 6] = [
    "DejaVu Sans",
    "Liberation Sans",
    "Noto Sans",
    "Arial",
    "Helvetica",
    "FreeSans",
];

/// The fonts found on this machine, loaded once.
fn fonts() -> Arc<resvg::usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut database = resvg::usvg::fontdb::Database::new();
            database.load_system_fonts();
            // The charts ask for the generic `sans-serif`, which fontdb maps to Arial
            // unless told otherwise: point it at a sans-serif family that is installed.
            let installed = |family: &str| {
                database
                    .faces()
                    .any(|face| face.families.iter().any(|(name, _)| name == family))
            };
            let sans = SANS_SERIF
                .iter()
                .find(|family| installed(family))
                .map(|family| family.to_string())
                .or_else(|| {
                    database
                        .faces()
                        .next()
                        .and_then(|face| face.families.first().map(|(name, _)| name.clone()))
                });
            if let Some(family) = sans {
                database.set_sans_serif_family(family);
            }
            Arc::new(database)
        })
        .clone()
}

/// What [`svg_to_png`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raster {
    /// Width in pixels (the SVG's width).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Whether a font was found for the text; `false` means the PNG has no text.
    pub text: bool,
}

/// Rasterise the SVG file `svg` at its own size onto a white background and write it
/// atomically to `png`.
pub fn svg_to_png(svg: &Path, png: &Path) -> Result<Raster, PngError> {
    let render = |message: String| PngError::Render {
        path: svg.to_path_buf(),
        message,
    };
    let data = std::fs::read(svg).map_err(|source| PngError::Io {
        path: svg.to_path_buf(),
        source,
    })?;
    let fonts = fonts();
    let text = !fonts.is_empty();
    let options = resvg::usvg::Options {
        fontdb: fonts,
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_data(&data, &options).map_err(|e| render(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
            render(format!(
                "size {}x{} cannot be drawn",
                size.width(),
                size.height()
            ))
        })?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let bytes = pixmap.encode_png().map_err(|e| render(e.to_string()))?;
    crate::atomic::write(png, &bytes).map_err(|source| PngError::Io {
        path: png.to_path_buf(),
        source,
    })?;
    Ok(Raster {
        width: size.width(),
        height: size.height(),
        text,
    })
}
