//! Print-like degradation of a rendered mark: lost modules, lower contrast, ink spread (blur),
//! a slightly skewed feed (rotation) and grainy noise. Every amount is physical (millimetres,
//! degrees, gray levels over a grain of fixed size), so a level means the same print at every
//! resolution. Deterministic for a given seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sheetseal_core::mark::raster::Gray;

/// How hard a level degrades, in physical units so that it means the same at every resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    pub name: &'static str,
    /// Gaussian blur (ink spread, focus), standard deviation in millimetres.
    pub blur_mm: f64,
    /// Gray levels of the printed black and of the paper.
    pub ink: f64,
    pub paper: f64,
    /// Rotation in degrees (the sign alternates between samples).
    pub rotation_deg: f64,
    /// Interior dark modules lost (printed white, as a void would leave them).
    pub lost_modules: usize,
    /// Gaussian noise (toner grain, paper texture, sensor), standard deviation in gray levels, with
    /// a grain of [`GRAIN_MM`].
    pub noise: f64,
}

/// The size of the noise's grain: white noise smoothed by a Gaussian of this standard deviation
/// (when that is at least half a pixel), then scaled back to the level's standard deviation.
pub const GRAIN_MM: f64 = 0.05;

/// The levels of the readability matrix, mildest first. `moderate` stands for a good production
/// print read in the inserter: ink spread of about a printer dot at 600 dpi (0.05 mm), print
/// contrast 0.83, a 2 degree skew, two voids or spots; `heavy` and `severe` for worn toner, soft
/// focus and skewed feeds beyond that.
#[rustfmt::skip]
pub const LEVELS: [Level; 5] = [
    //     name        blur  ink    paper  rotation lost noise
    level("none",     0.0,  0.0,  255.0, 0.0,     0,   0.0),
    level("light",    0.03, 25.0, 240.0, 1.0,     1,   4.0),
    level("moderate", 0.05, 40.0, 230.0, 2.0,     2,   8.0),
    level("heavy",    0.08, 55.0, 220.0, 4.0,     4,   12.0),
    level("severe",   0.12, 70.0, 210.0, 6.0,     6,   20.0),
];

const fn level(
    name: &'static str,
    blur_mm: f64,
    ink: f64,
    paper: f64,
    rotation_deg: f64,
    lost_modules: usize,
    noise: f64,
) -> Level {
    Level { name, blur_mm, ink, paper, rotation_deg, lost_modules, noise }
}

/// Where the symbol's modules are in the image: the top-left corner of the top-left module, in
/// pixels, the module's side in pixels, and the symbol's columns and rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModuleGrid {
    pub left: f64,
    pub top: f64,
    pub module: f64,
    pub columns: usize,
    pub rows: usize,
}

/// Degrades `image` (a rendered mark whose modules lie on `grid`) at `dpi`.
pub fn degrade(image: &Gray, grid: &ModuleGrid, level: &Level, dpi: f64, seed: u64) -> Gray {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pixels: Vec<f64> = image.pixels.iter().map(|&v| v as f64).collect();
    let (width, height) = (image.width, image.height);
    lose_modules(&mut pixels, width, height, grid, level.lost_modules, &mut rng);
    for value in pixels.iter_mut() {
        *value = level.ink + (level.paper - level.ink) * *value / 255.0;
    }
    let sigma = level.blur_mm / 25.4 * dpi;
    if sigma > 0.0 {
        pixels = gaussian_blur(&pixels, width, height, sigma);
    }
    if level.rotation_deg != 0.0 {
        let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
        pixels = rotate(&pixels, width, height, sign * level.rotation_deg, level.paper);
    }
    if level.noise > 0.0 {
        let mut grain: Vec<f64> = (0..pixels.len()).map(|_| standard_normal(&mut rng)).collect();
        let grain_sigma = GRAIN_MM / 25.4 * dpi;
        if grain_sigma >= 0.5 {
            grain = gaussian_blur(&grain, width, height, grain_sigma);
            let spread = (grain.iter().map(|g| g * g).sum::<f64>() / grain.len() as f64).sqrt().max(1e-9);
            grain.iter_mut().for_each(|g| *g /= spread);
        }
        for (value, g) in pixels.iter_mut().zip(grain) {
            *value += level.noise * g;
        }
    }
    Gray { width, height, pixels: pixels.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect() }
}

/// Loses `count` distinct interior dark modules (not the finder and clock border): each is
/// printed white, as a void in the toner or ink would leave it.
fn lose_modules(
    pixels: &mut [f64],
    width: usize,
    height: usize,
    grid: &ModuleGrid,
    count: usize,
    rng: &mut ChaCha8Rng,
) {
    if grid.columns < 3 || grid.rows < 3 {
        return;
    }
    let span = |column: usize, row: usize| {
        let (x0, y0) = (grid.left + column as f64 * grid.module, grid.top + row as f64 * grid.module);
        let xs = (x0.round().max(0.0) as usize)..((x0 + grid.module).round().max(0.0) as usize).min(width);
        let ys = (y0.round().max(0.0) as usize)..((y0 + grid.module).round().max(0.0) as usize).min(height);
        (xs, ys)
    };
    let is_dark = |column: usize, row: usize| {
        let (xs, ys) = span(column, row);
        let (x, y) = ((xs.start + xs.end) / 2, (ys.start + ys.end) / 2);
        x < width && y < height && pixels[y * width + x] < 128.0
    };
    let mut dark: Vec<(usize, usize)> = (1..grid.rows - 1)
        .flat_map(|row| (1..grid.columns - 1).map(move |column| (column, row)))
        .filter(|&(column, row)| is_dark(column, row))
        .collect();
    for _ in 0..count.min(dark.len()) {
        let (column, row) = dark.swap_remove(rng.random_range(0..dark.len()));
        let (xs, ys) = span(column, row);
        for y in ys {
            pixels[y * width + xs.start..y * width + xs.end].fill(255.0);
        }
    }
}

/// Separable Gaussian blur; edges repeat the border pixel.
pub fn gaussian_blur(pixels: &[f64], width: usize, height: usize, sigma: f64) -> Vec<f64> {
    let radius = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f64> =
        (-radius..=radius).map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp()).collect();
    let total: f64 = kernel.iter().sum();
    let kernel: Vec<f64> = kernel.iter().map(|k| k / total).collect();
    let pass = |source: &[f64], horizontal: bool| -> Vec<f64> {
        let mut out = vec![0.0; source.len()];
        for y in 0..height {
            for x in 0..width {
                let mut sum = 0.0;
                for (k, weight) in kernel.iter().enumerate() {
                    let offset = k as isize - radius;
                    let (sx, sy) = if horizontal {
                        ((x as isize + offset).clamp(0, width as isize - 1) as usize, y)
                    } else {
                        (x, (y as isize + offset).clamp(0, height as isize - 1) as usize)
                    };
                    sum += weight * source[sy * width + sx];
                }
                out[y * width + x] = sum;
            }
        }
        out
    };
    pass(&pass(pixels, true), false)
}

/// Rotates about the image centre by `degrees` (bilinear), filling uncovered pixels with `fill`.
pub fn rotate(pixels: &[f64], width: usize, height: usize, degrees: f64, fill: f64) -> Vec<f64> {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = ((width as f64 - 1.0) / 2.0, (height as f64 - 1.0) / 2.0);
    let sample = |x: f64, y: f64| -> f64 {
        let (max_x, max_y) = (width as f64 - 1.0, height as f64 - 1.0);
        if x < -1e-9 || y < -1e-9 || x > max_x + 1e-9 || y > max_y + 1e-9 {
            return fill;
        }
        let (x, y) = (x.clamp(0.0, max_x), y.clamp(0.0, max_y));
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
        let (fx, fy) = (x - x0 as f64, y - y0 as f64);
        let at = |x: usize, y: usize| pixels[y * width + x];
        let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
        let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
        top * (1.0 - fy) + bottom * fy
    };
    let mut out = Vec::with_capacity(pixels.len());
    for y in 0..height {
        for x in 0..width {
            // Inverse mapping: where in the source does this output pixel come from.
            let (dx, dy) = (x as f64 - cx, y as f64 - cy);
            out.push(sample(cx + cos * dx + sin * dy, cy - sin * dx + cos * dy));
        }
    }
    out
}

/// A standard normal sample (Box-Muller).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker(size: usize, cell: usize) -> Gray {
        let pixels = (0..size * size)
            .map(|i| if ((i % size) / cell + (i / size) / cell) % 2 == 0 { 0 } else { 255 })
            .collect();
        Gray { width: size, height: size, pixels }
    }

    fn grid() -> ModuleGrid {
        ModuleGrid { left: 0.0, top: 0.0, module: 4.0, columns: 10, rows: 10 }
    }

    #[test]
    fn no_degradation_is_the_identity() {
        let image = checker(40, 4);
        assert_eq!(degrade(&image, &grid(), &LEVELS[0], 300.0, 1), image);
    }

    #[test]
    fn blur_keeps_the_mean_and_softens_edges() {
        let image = checker(40, 4);
        let pixels: Vec<f64> = image.pixels.iter().map(|&v| v as f64).collect();
        let blurred = gaussian_blur(&pixels, 40, 40, 1.5);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean(&blurred) - mean(&pixels)).abs() < 1.0);
        assert!(blurred.iter().any(|&v| v > 20.0 && v < 235.0));
    }

    #[test]
    fn rotation_by_zero_is_the_identity_and_quarter_turns_move_corners() {
        let pixels: Vec<f64> = (0..12).map(|v| v as f64).collect(); // 4 wide, 3 high
        assert_eq!(rotate(&pixels, 4, 3, 0.0, 255.0), pixels);
        let square: Vec<f64> = (0..9).map(|v| v as f64).collect();
        let turned = rotate(&square, 3, 3, 90.0, 255.0);
        let rounded: Vec<f64> = turned.iter().map(|v| v.round()).collect();
        // Clockwise on screen (y down): the top row comes from the left column, bottom first.
        assert_eq!(rounded[..3], [6.0, 3.0, 0.0]);
    }

    #[test]
    fn degradation_is_deterministic_and_seed_dependent() {
        let image = checker(40, 4);
        let level = &LEVELS[4];
        let a = degrade(&image, &grid(), level, 300.0, 7);
        assert_eq!(a, degrade(&image, &grid(), level, 300.0, 7));
        assert_ne!(a, degrade(&image, &grid(), level, 300.0, 8));
        assert_ne!(a, image);
    }

    #[test]
    fn lost_modules_are_interior_dark_modules_printed_white() {
        let image = checker(40, 4);
        let mut pixels: Vec<f64> = image.pixels.iter().map(|&v| v as f64).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        lose_modules(&mut pixels, 40, 40, &grid(), 5, &mut rng);
        let changed: Vec<usize> = (0..1600).filter(|&i| pixels[i] != image.pixels[i] as f64).collect();
        assert_eq!(changed.len(), 5 * 16, "five 4x4 modules");
        assert!(changed.iter().all(|&i| image.pixels[i] == 0 && pixels[i] == 255.0), "dark turned white");
        assert!(changed.iter().all(|&i| (4..36).contains(&(i % 40)) && (4..36).contains(&(i / 40))));
    }
}
