//! Rendering a module grid into a caller's raster: 8-bit gray or 1-bit, any stride, modules
//! snapped to whole device pixels. Pure, so that it is tested without C.

use sheetseal_core::mark::symbol::Symbol;

/// The pixel formats a raster can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// One byte a pixel: 0 black, 255 white.
    Gray8,
    /// One bit a pixel, most significant bit first: 1 dark (ink), 0 white.
    Mono1,
}

/// Where and how big the mark is drawn, in device pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placement {
    pub x: usize,
    pub y: usize,
    /// Side of one module in whole device pixels (at least 1).
    pub module_px: usize,
    /// Quiet zone around the symbol, in modules.
    pub quiet_modules: usize,
}

/// The side of one module in whole device pixels: `module_mm` at `dpi`, rounded, at least 1.
pub(crate) fn module_pixels(module_mm: f64, dpi: f64) -> Result<usize, String> {
    if !(module_mm.is_finite() && dpi.is_finite() && module_mm > 0.0 && dpi > 0.0) {
        return Err(format!("module size {module_mm} mm at {dpi} dpi is not a positive size"));
    }
    let px = (module_mm * dpi / 25.4).round();
    if px > 10_000.0 {
        return Err(format!("module size {module_mm} mm at {dpi} dpi is {px} pixels: too large"));
    }
    Ok((px as usize).max(1))
}

/// Draws `symbol` with its quiet zone into `raster` (`width` x `height` pixels, `stride` bytes a
/// row). Fails without touching the raster when the mark does not fit.
pub(crate) fn render(
    symbol: &Symbol,
    raster: &mut [u8],
    format: Format,
    (width, height, stride): (usize, usize, usize),
    at: Placement,
) -> Result<(), String> {
    let row_bytes = match format {
        Format::Gray8 => width,
        Format::Mono1 => width.div_ceil(8),
    };
    if stride < row_bytes {
        return Err(format!("stride {stride} is less than a row of {width} pixels ({row_bytes} bytes)"));
    }
    let needed = stride.checked_mul(height).ok_or("raster size overflows")?;
    if raster.len() < needed {
        return Err(format!("raster buffer of {} bytes is smaller than {stride} x {height}", raster.len()));
    }
    let side = |modules: usize| (modules + 2 * at.quiet_modules).checked_mul(at.module_px);
    let (w, h) = match (side(symbol.columns), side(symbol.rows)) {
        (Some(w), Some(h)) => (w, h),
        _ => return Err("mark size overflows".to_string()),
    };
    if at.x.checked_add(w).is_none_or(|r| r > width) || at.y.checked_add(h).is_none_or(|b| b > height) {
        return Err(format!(
            "a mark of {w} x {h} pixels at ({}, {}) does not fit a {width} x {height} raster",
            at.x, at.y
        ));
    }
    for py in 0..h {
        let row = &mut raster[(at.y + py) * stride..][..row_bytes];
        let module_row = (py / at.module_px).checked_sub(at.quiet_modules).filter(|&r| r < symbol.rows);
        for px in 0..w {
            let module_col =
                (px / at.module_px).checked_sub(at.quiet_modules).filter(|&c| c < symbol.columns);
            let dark = matches!((module_col, module_row), (Some(c), Some(r)) if symbol.is_dark(c, r));
            let x = at.x + px;
            match format {
                Format::Gray8 => row[x] = if dark { 0 } else { 255 },
                Format::Mono1 => {
                    let bit = 0x80u8 >> (x % 8);
                    if dark {
                        row[x / 8] |= bit;
                    } else {
                        row[x / 8] &= !bit;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker() -> Symbol {
        Symbol { columns: 2, rows: 2, dark: vec![true, false, false, true] }
    }

    #[test]
    fn modules_snap_to_whole_pixels() {
        assert_eq!(module_pixels(0.5, 600.0).unwrap(), 12);
        assert_eq!(module_pixels(0.01, 72.0).unwrap(), 1);
        assert!(module_pixels(-1.0, 600.0).is_err());
    }

    #[test]
    fn gray_mark_with_quiet_zone_at_an_offset_and_stride() {
        let mut raster = vec![7u8; 10 * 10];
        let at = Placement { x: 1, y: 2, module_px: 2, quiet_modules: 1 };
        render(&checker(), &mut raster, Format::Gray8, (9, 10, 10), at).unwrap();
        // Quiet zone is white, the first module dark, the second white, outside untouched.
        assert_eq!(raster[2 * 10 + 1], 255);
        assert_eq!(raster[(2 + 2) * 10 + 1 + 2], 0);
        assert_eq!(raster[(2 + 3) * 10 + 1 + 3], 0);
        assert_eq!(raster[(2 + 2) * 10 + 1 + 4], 255);
        assert_eq!(raster[(2 + 4) * 10 + 1 + 4], 0);
        assert_eq!(raster[0], 7);
        assert_eq!(raster[2 * 10 + 9], 7); // the stride's padding
    }

    #[test]
    fn mono_sets_and_clears_bits_msb_first() {
        let mut raster = vec![0xffu8; 2];
        let at = Placement { x: 0, y: 0, module_px: 1, quiet_modules: 0 };
        render(
            &Symbol { columns: 2, rows: 1, dark: vec![true, false] },
            &mut raster,
            Format::Mono1,
            (16, 1, 2),
            at,
        )
        .unwrap();
        assert_eq!(raster, vec![0b1011_1111, 0xff]);
    }

    #[test]
    fn a_mark_that_does_not_fit_leaves_the_raster_alone() {
        let mut raster = vec![7u8; 16];
        let at = Placement { x: 2, y: 0, module_px: 2, quiet_modules: 0 };
        assert!(render(&checker(), &mut raster, Format::Gray8, (4, 4, 4), at).is_err());
        assert!(raster.iter().all(|&b| b == 7));
        assert!(render(&checker(), &mut raster, Format::Gray8, (4, 5, 4), Placement { x: 0, ..at }).is_err());
    }
}
