//! The letterhead logo: a small RGB raster drawn procedurally (only `+ - * / sqrt`, so it is
//! bit-identical on every platform), embedded once as an Image XObject shared by all pages.

/// Width of the logo raster in pixels.
pub(crate) const WIDTH: u32 = 240;
/// Height of the logo raster in pixels.
pub(crate) const HEIGHT: u32 = 90;

/// Samples per pixel along each axis, for anti-aliased edges.
const SUPERSAMPLE: u32 = 4;

type Rgb = [f32; 3];

const WHITE: Rgb = [255.0, 255.0, 255.0];
const NAVY: Rgb = [11.0, 60.0, 93.0];
const TEAL: Rgb = [26.0, 147.0, 140.0];
const SUN: Rgb = [242.0, 177.0, 52.0];

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

fn inside_rounded_rect(x: f32, y: f32, x0: f32, y0: f32, x1: f32, y1: f32, r: f32) -> bool {
    if x < x0 || x > x1 || y < y0 || y > y1 {
        return false;
    }
    let cx = x.clamp(x0 + r, x1 - r);
    let cy = y.clamp(y0 + r, y1 - r);
    let (dx, dy) = (x - cx, y - cy);
    dx * dx + dy * dy <= r * r
}

/// The colour of the logo at a point (pixel units, origin top left).
fn sample(x: f32, y: f32) -> Rgb {
    // Round emblem: a navy-to-teal gradient disc with a rising sun and three white waves.
    let (cx, cy, r) = (45.0, 45.0, 39.0);
    let (dx, dy) = (x - cx, y - cy);
    if dx * dx + dy * dy <= r * r {
        let (sx, sy) = (x - 58.0, y - 36.0);
        if sx * sx + sy * sy <= 12.0 * 12.0 && y < 44.0 {
            return SUN;
        }
        for k in 0..3 {
            let base = 48.0 + 9.0 * k as f32;
            let u = (x - cx) / r;
            // A gentle wave: a quartic wobble around the base line.
            let wave = base + 3.0 * (u * u * 4.0 - 1.0) * (1.0 - u * u);
            if (y - wave).abs() < 2.2 {
                return WHITE;
            }
        }
        return mix(NAVY, TEAL, ((y - (cy - r)) / (2.0 * r)).clamp(0.0, 1.0));
    }
    // Word mark: two rounded bars standing in for the company name and strapline.
    if inside_rounded_rect(x, y, 96.0, 24.0, 230.0, 46.0, 6.0) {
        return mix(NAVY, TEAL, ((x - 96.0) / 134.0) * 0.35);
    }
    if inside_rounded_rect(x, y, 96.0, 54.0, 196.0, 63.0, 4.0) {
        return TEAL;
    }
    if inside_rounded_rect(x, y, 96.0, 69.0, 160.0, 74.0, 2.5) {
        return [150.0, 160.0, 170.0];
    }
    WHITE
}

/// The raw, uncompressed pixels (8-bit RGB, row-major, top row first).
pub(crate) fn pixels() -> Vec<u8> {
    let mut out = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    let n = (SUPERSAMPLE * SUPERSAMPLE) as f32;
    for py in 0..HEIGHT {
        for px in 0..WIDTH {
            let mut acc = [0.0f32; 3];
            for sy in 0..SUPERSAMPLE {
                for sx in 0..SUPERSAMPLE {
                    let x = px as f32 + (sx as f32 + 0.5) / SUPERSAMPLE as f32;
                    let y = py as f32 + (sy as f32 + 0.5) / SUPERSAMPLE as f32;
                    let c = sample(x, y);
                    for i in 0..3 {
                        acc[i] += c[i];
                    }
                }
            }
            for v in acc {
                out.push((v / n).round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logo_has_size_and_colour() {
        let p = pixels();
        assert_eq!(p.len(), (WIDTH * HEIGHT * 3) as usize);
        assert_eq!(&p[..3], &[255, 255, 255], "corner is white");
        let non_white = p.chunks(3).filter(|c| c != &[255, 255, 255]).count();
        assert!(non_white > 3000, "{non_white}");
        assert_eq!(p, pixels());
    }
}
