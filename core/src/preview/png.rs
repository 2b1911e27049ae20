//! PNG encoding and decoding of rasters (the `png` crate).

use std::io::Cursor;

use super::raster::Raster;
use super::PreviewError;

/// Encodes an RGB raster as an 8-bit RGB PNG. The bytes depend only on the pixels.
pub fn encode(raster: &Raster) -> Result<Vec<u8>, PreviewError> {
    let err = |e: ::png::EncodingError| PreviewError::Png(e.to_string());
    let mut out = Vec::with_capacity(raster.pixels.len() / 4);
    {
        let mut encoder = ::png::Encoder::new(&mut out, raster.width as u32, raster.height as u32);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        encoder.set_compression(::png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&raster.pixels).map_err(err)?;
        writer.finish().map_err(err)?;
    }
    Ok(out)
}

/// Decodes an 8-bit RGB PNG (as [`encode`] writes them).
pub fn decode(bytes: &[u8]) -> Result<Raster, PreviewError> {
    let err = |e: ::png::DecodingError| PreviewError::Png(e.to_string());
    let mut reader = ::png::Decoder::new(Cursor::new(bytes)).read_info().map_err(err)?;
    let size = reader.output_buffer_size().ok_or_else(|| PreviewError::Png("image too large".to_string()))?;
    let mut pixels = vec![0; size];
    let info = reader.next_frame(&mut pixels).map_err(err)?;
    if info.color_type != ::png::ColorType::Rgb || info.bit_depth != ::png::BitDepth::Eight {
        return Err(PreviewError::Png(format!(
            "expected 8-bit RGB, found {:?} {:?}",
            info.color_type, info.bit_depth
        )));
    }
    pixels.truncate(info.buffer_size());
    Ok(Raster { width: info.width as usize, height: info.height as usize, pixels })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raster_survives_a_round_trip() {
        let mut raster = Raster::new(7, 5, [10, 20, 30]);
        raster.set(3, 2, [200, 0, 100]);
        let bytes = encode(&raster).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
        assert_eq!(decode(&bytes).unwrap(), raster);
        assert_eq!(encode(&raster).unwrap(), bytes);
    }
}
