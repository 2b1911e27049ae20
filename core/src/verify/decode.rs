//! Reads a Data Matrix from a grayscale raster with rxing, a decoder sheetseal did not write.

use rxing::common::HybridBinarizer;
use rxing::datamatrix::DataMatrixReader;
use rxing::{BinaryBitmap, DecodeHints, ImmutableReader, Luma8Source};

/// A grayscale raster, one byte a pixel, rows top to bottom.
#[derive(Debug, Clone)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// The text of the Data Matrix in `image`, or `None` when none can be read. Tries the fast
/// detector first, then rxing's exhaustive one.
pub fn decode_datamatrix(image: &Gray) -> Option<String> {
    [false, true].into_iter().find_map(|try_harder| {
        let source = Luma8Source::new_with_slice(&image.pixels, image.width, image.height).ok()?;
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        let hints = DecodeHints { TryHarder: Some(try_harder), ..DecodeHints::default() };
        DataMatrixReader
            .immutable_decode_with_hints(&mut bitmap, &hints)
            .ok()
            .map(|r| r.getText().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mark::symbol;

    /// Paints a symbol made by our encoder, `px` pixels a module, with a quiet zone of `quiet`
    /// modules.
    fn raster(text: &str, px: usize, quiet: usize) -> Gray {
        let symbol = symbol::encode(text, &symbol::SymbolOptions::default()).unwrap();
        let (cols, rows) = (symbol.columns + 2 * quiet, symbol.rows + 2 * quiet);
        let (width, height) = (cols * px, rows * px);
        let mut pixels = vec![255u8; width * height];
        for y in 0..height {
            for x in 0..width {
                let (mx, my) = ((x / px).wrapping_sub(quiet), (y / px).wrapping_sub(quiet));
                if mx < symbol.columns && my < symbol.rows && symbol.is_dark(mx, my) {
                    pixels[y * width + x] = 0;
                }
            }
        }
        Gray { width: width as u32, height: height as u32, pixels }
    }

    #[test]
    fn reads_what_the_encoder_wrote_and_nothing_from_a_blank_raster() {
        for text in ["DEMO-0000420103Q", "A", "JOB-2026-11-9999990101Z"] {
            assert_eq!(decode_datamatrix(&raster(text, 4, 4)).as_deref(), Some(text));
        }
        let blank = Gray { width: 60, height: 60, pixels: vec![255; 3600] };
        assert_eq!(decode_datamatrix(&blank), None);
    }
}
