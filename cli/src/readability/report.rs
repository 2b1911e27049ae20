//! The readability report: findings and read-rate tables, as Markdown.

use std::fmt::Write;

use sheetseal_core::mark::{presets, MarkGeometry};

use super::{Sample, Setup, LEVELS};

/// The level the headline finding is measured at.
const MODERATE: usize = 2;

/// Read counts of one cell.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    total: usize,
    rxing: usize,
    zxing: usize,
    dmtx: usize,
    dmtx_total: usize,
}

impl Counts {
    /// Whether both required decoders (rxing and zxing-cpp) read every sheet of the cell.
    fn all_read(&self) -> bool {
        self.total > 0 && self.rxing == self.total && self.zxing == self.total
    }
}

/// What the matrix shows.
pub struct Findings {
    /// `[preset][module][dpi][level]`.
    cells: Vec<Vec<Vec<Vec<Counts>>>>,
    /// Decodes that returned a payload other than the sheet's.
    pub misreads: Vec<String>,
}

impl Findings {
    pub fn new(setup: &Setup, samples: &[Sample]) -> Findings {
        let mut cells =
            vec![
                vec![vec![vec![Counts::default(); LEVELS.len()]; setup.dpi.len()]; setup.modules.len()];
                setup.presets.len()
            ];
        let mut misreads = Vec::new();
        for s in samples {
            let cell = &mut cells[s.preset][s.module][s.dpi][s.level];
            cell.total += 1;
            let mut judge = |decoder: &str, read: &Option<String>| -> usize {
                match read {
                    Some(text) if *text == s.expected => 1,
                    Some(text) => {
                        misreads.push(format!(
                            "{decoder} read {text:?} instead of {:?} ({}, {} degradation)",
                            s.expected, s.file, LEVELS[s.level].name
                        ));
                        0
                    }
                    None => 0,
                }
            };
            cell.rxing += judge("rxing", &s.rxing);
            cell.zxing += judge("zxing-cpp", &s.zxing);
            if let Some(read) = &s.dmtx {
                cell.dmtx_total += 1;
                cell.dmtx += judge("dmtxread", read);
            }
        }
        Findings { cells, misreads }
    }

    /// The smallest module size from which every larger size in the matrix reads 100% with rxing
    /// and zxing-cpp, for the presets `presets` selects, at resolution `dpi` (index) and degradation
    /// `level`.
    fn minimum_module(
        &self,
        setup: &Setup,
        presets: &dyn Fn(usize) -> bool,
        dpi: usize,
        level: usize,
    ) -> Option<f64> {
        let mut order: Vec<usize> = (0..setup.modules.len()).collect();
        order.sort_by(|a, b| setup.modules[*a].total_cmp(&setup.modules[*b]));
        let reads = |m: usize| {
            self.cells
                .iter()
                .enumerate()
                .filter(|(p, _)| presets(*p))
                .all(|(_, preset)| preset[m][dpi][level].all_read())
        };
        let mut minimum = None;
        for &m in order.iter().rev() {
            if !reads(m) {
                break;
            }
            minimum = Some(setup.modules[m]);
        }
        minimum
    }

    pub fn summary_lines(&self, setup: &Setup) -> Vec<String> {
        let mut lines = Vec::new();
        let default = MarkGeometry::default().module_mm;
        let every = |_: usize| true;
        let region = |minimum: Option<f64>| match minimum {
            Some(m) => format!("every module size from {m} mm up reads 100%"),
            None => "no module size in the matrix reads 100% (with every larger size)".to_string(),
        };
        for (di, dpi) in setup.dpi.iter().enumerate() {
            let minimum = self.minimum_module(setup, &every, di, MODERATE);
            lines.push(format!(
                "At {dpi} dpi under moderate degradation, {} with rxing and zxing-cpp for every preset.",
                region(minimum)
            ));
            if *dpi != 300 {
                continue;
            }
            if setup.dmtxread {
                let cells: Vec<&Counts> =
                    self.cells.iter().flat_map(|p| p.iter().map(|m| &m[di][MODERATE])).collect();
                let (read, total) = cells.iter().fold((0, 0), |(r, t), c| (r + c.dmtx, t + c.dmtx_total));
                let short = cells.iter().filter(|c| c.dmtx < c.dmtx_total).count();
                lines.push(format!(
                    "libdmtx (dmtxread, the third decoder) at 300 dpi under moderate degradation read {read} of {total} marks; {short} of {} cells fell short of 100%.",
                    cells.len()
                ));
            }
            for (pi, (name, _, _)) in setup.presets.iter().enumerate() {
                let minimum = self.minimum_module(setup, &|p| p == pi, di, MODERATE);
                lines.push(format!(
                    "At 300 dpi under moderate degradation, preset {name}: {}.",
                    region(minimum)
                ));
                if name == presets::DEFAULT_PRESET {
                    lines.push(match minimum {
                        Some(m) if m <= default => format!(
                            "The default geometry (preset {name}, {default} mm modules) is inside the 100% region at 300 dpi under moderate degradation, {:.0}% above its lower edge ({m} mm).",
                            (default / m - 1.0) * 100.0
                        ),
                        _ => format!(
                            "The default geometry (preset {name}, {default} mm modules) is NOT inside the 100% region at 300 dpi under moderate degradation."
                        ),
                    });
                }
            }
        }
        let required = self.misreads.iter().filter(|m| !m.starts_with("dmtxread")).count();
        lines.push(format!(
            "Misreads (a decoder returned another sheet's or a wrong payload): {required} by rxing and zxing-cpp, {} by dmtxread.",
            self.misreads.len() - required
        ));
        lines
    }
}

pub fn markdown(setup: &Setup, samples: &[Sample], findings: &Findings) -> String {
    let mut out = String::new();
    let decoders = if setup.dmtxread { "rxing / zxing-cpp / dmtxread" } else { "rxing / zxing-cpp" };
    let _ = writeln!(out, "# Mark readability\n");
    let _ = writeln!(
        out,
        "Generated by `sheetseal marks readability` (seed {}, {} sheets a cell, {} decodes): do not edit, run it again.\n",
        setup.seed,
        setup.samples,
        samples.len() * if setup.dmtxread { 3 } else { 2 }
    );
    let _ = writeln!(
        out,
        "Every cell is real output of the imposition job: a generated mail merge (`sheetseal corpus`), imposed \
         duplex with the preset's payload template and the module size of the row, everything else at its default \
         (square symbols, ASCII+C40 encodation, 2.5 mm quiet zone). The mark of each of the first sheets is rendered by \
         pdfium from the output PDF at the resolution given, anti-aliased, with {} mm of page around the quiet zone; \
         then degraded as the level says; then decoded by decoders sheetseal did not write: rxing (the Rust port of \
         ZXing){}. A read counts only if the decoder returns exactly the sheet's payload; any other text is a misread. \
         The 100% region is judged by rxing and zxing-cpp, the two required decoders; libdmtx, when run, is reported \
         beside them.\n",
        super::MARGIN_MM,
        if setup.dmtxread { ", zxing-cpp and libdmtx's dmtxread (300 dpi images only)" } else { " and zxing-cpp" }
    );
    let _ = writeln!(out, "## Findings\n");
    for line in findings.summary_lines(setup) {
        let _ = writeln!(out, "- {line}");
    }
    for misread in findings.misreads.iter().take(20) {
        let _ = writeln!(out, "  - {misread}");
    }
    let _ = writeln!(out, "\n## Degradation levels\n");
    let _ = writeln!(
        out,
        "Applied in this order: lost modules, contrast, blur, rotation, noise. Amounts are physical, so a level \
         stands for the same print at every resolution; the noise has a grain of {} mm.\n",
        super::degrade::GRAIN_MM
    );
    let _ =
        writeln!(out, "| level | lost modules | ink / paper gray | blur sigma | rotation | noise sigma |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for level in LEVELS {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} / {:.0} | {} mm | {}° | {} gray levels |",
            level.name,
            level.lost_modules,
            level.ink,
            level.paper,
            level.blur_mm,
            level.rotation_deg,
            level.noise
        );
    }
    let _ = writeln!(
        out,
        "\nLost modules are interior dark modules printed white, as a void in the toner or ink leaves them (the finder and clock border is left whole).\n"
    );
    let _ = writeln!(out, "## Presets\n");
    let _ = writeln!(out, "| preset | example payload | symbol sizes in the sample |");
    let _ = writeln!(out, "|---|---|---|");
    for (name, example, sizes) in &setup.presets {
        let _ = writeln!(out, "| {name} | `{example}` | {sizes} |");
    }
    for (di, dpi) in setup.dpi.iter().enumerate() {
        let _ = writeln!(out, "\n## Read rates at {dpi} dpi\n");
        let _ = writeln!(out, "Percent of sheets read, {decoders}.\n");
        let header: Vec<&str> = LEVELS.iter().map(|l| l.name).collect();
        let _ = writeln!(out, "| preset | module | {} |", header.join(" | "));
        let _ = writeln!(out, "|---|---|{}", "---|".repeat(LEVELS.len()));
        for (pi, (name, _, _)) in setup.presets.iter().enumerate() {
            for (mi, module) in setup.modules.iter().enumerate() {
                let cells: Vec<String> = (0..LEVELS.len())
                    .map(|li| {
                        let c = findings.cells[pi][mi][di][li];
                        let pct = |n: usize, of: usize| {
                            if of == 0 {
                                "-".to_string()
                            } else {
                                format!("{:.0}", 100.0 * n as f64 / of as f64)
                            }
                        };
                        let mut cell = format!("{} / {}", pct(c.rxing, c.total), pct(c.zxing, c.total));
                        if setup.dmtxread {
                            cell.push_str(&format!(" / {}", pct(c.dmtx, c.dmtx_total)));
                        }
                        cell
                    })
                    .collect();
                let _ = writeln!(out, "| {name} | {module} mm | {} |", cells.join(" | "));
            }
        }
    }
    out
}
