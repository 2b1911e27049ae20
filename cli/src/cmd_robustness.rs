//! `sheetseal robustness-report`: writes docs/robustness.md from evidence: every file of a
//! corpus run through `impose` in a child process (outcome, time, peak memory), the limits in
//! force, the fuzzing ledger and findings, and the kill-test log.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use sheetseal_core::limits::{size, Limits};

use crate::commands::print_quietly;
use crate::measure::run_measured;

#[derive(Args)]
pub struct RobustnessArgs {
    /// The corpus folder with its MANIFEST.tsv (file, ..., pages, category, expected, notes).
    #[arg(long)]
    corpus: PathBuf,
    /// Fuzzing runs, one per line: date, target, seconds, runs, result (scripts/fuzz.sh writes it).
    #[arg(long)]
    fuzz_ledger: Option<PathBuf>,
    /// Crashes found by fuzzing and how each was fixed: date, target, what, regression test.
    #[arg(long)]
    fuzz_findings: Option<PathBuf>,
    /// Kill-test results, one line per run of the test (the test appends with SHEETSEAL_KILL_LOG).
    #[arg(long)]
    kill_log: Option<PathBuf>,
    /// Where to write the report.
    #[arg(long, default_value = "docs/robustness.md")]
    out: PathBuf,
}

/// How long one corpus file may take before it counts as a hang.
const FILE_TIME_LIMIT: Duration = Duration::from_secs(120);

struct FileResult {
    file: String,
    category: String,
    expected: String,
    outcome: String,
    detail: String,
    seconds: f64,
    max_rss_mib: f64,
    as_expected: bool,
}

pub fn robustness_report(args: RobustnessArgs) -> Result<()> {
    let manifest = std::fs::read_to_string(args.corpus.join("MANIFEST.tsv"))
        .with_context(|| format!("cannot read {}/MANIFEST.tsv", args.corpus.display()))?;
    let scratch = tempfile::tempdir().context("cannot make a scratch folder")?;
    let exe = std::env::current_exe().context("cannot find the sheetseal binary")?;
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let column =
        |name: &str| header.iter().position(|h| *h == name).with_context(|| format!("no '{name}' column"));
    let (file_col, category_col, expected_col) = (column("file")?, column("category")?, column("expected")?);
    let mut results = Vec::new();
    for (index, line) in lines.filter(|l| !l.trim().is_empty()).enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let file = fields.get(file_col).copied().unwrap_or_default().to_string();
        let out = scratch.path().join(format!("job{index}"));
        let mut command = Command::new(&exe);
        command
            .arg("impose")
            .arg(args.corpus.join(&file))
            .args(["--job", "ROBUST", "--split", "fixed:1", "--out"])
            .arg(&out);
        let run = run_measured(command, FILE_TIME_LIMIT)
            .with_context(|| format!("{file}: a hang (no result within {FILE_TIME_LIMIT:?})"))?;
        let code = run.status.code();
        let expected = fields.get(expected_col).copied().unwrap_or_default().to_string();
        let (outcome, detail) = match code {
            Some(0) => {
                let codes = warning_codes(&out.join("manifest.json"));
                (
                    "printed".to_string(),
                    if codes.is_empty() { String::new() } else { format!("warnings: {codes}") },
                )
            }
            Some(1) => (
                "refused".to_string(),
                first_line(&run.stderr).replace(&args.corpus.join(&file).display().to_string(), "FILE"),
            ),
            Some(code) => (format!("internal error (exit {code})"), first_line(&run.stderr)),
            None => ("killed by a signal".to_string(), String::new()),
        };
        let as_expected = match expected.as_str() {
            "ok" | "repairable" => outcome == "printed",
            "error" => outcome == "refused",
            _ => false,
        };
        results.push(FileResult {
            file,
            category: fields.get(category_col).copied().unwrap_or_default().to_string(),
            expected,
            outcome,
            detail,
            seconds: run.elapsed.as_secs_f64(),
            max_rss_mib: run.max_rss_kib as f64 / 1024.0,
            as_expected,
        });
    }
    let report = render(&args, &results)?;
    std::fs::write(&args.out, report).with_context(|| format!("cannot write {}", args.out.display()))?;
    let unexpected = results.iter().filter(|r| !r.as_expected).count();
    print_quietly(&format!(
        "{}: {} files, {} not as expected\n",
        args.out.display(),
        results.len(),
        unexpected
    ));
    if unexpected > 0 {
        bail!("{unexpected} corpus file(s) did not behave as the corpus expects; see {}", args.out.display());
    }
    Ok(())
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim_start_matches("error: ").to_string()
}

fn warning_codes(manifest: &Path) -> String {
    let Ok(manifest) = sheetseal_core::manifest::Manifest::read(manifest) else {
        return "(manifest unreadable)".to_string();
    };
    let mut codes: Vec<&str> = manifest.warnings.iter().map(|w| w.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    codes.join(", ")
}

fn render(args: &RobustnessArgs, results: &[FileResult]) -> Result<String> {
    let mut md = String::new();
    let _ = writeln!(md, "# Robustness report\n");
    let _ = writeln!(
        md,
        "Generated by `scripts/robustness-report.sh` (`sheetseal robustness-report`); do not edit by hand. \
         It gathers the evidence that sheetseal survives broken, encrypted and hostile input: every corpus file \
         run through `impose` in a child process, the limits in force, fuzzing, and the kill test. \
         Times and memory are those of the machine that generated it (sheetseal {}).\n",
        env!("CARGO_PKG_VERSION")
    );

    let expected = results.iter().filter(|r| r.as_expected).count();
    let slowest = results.iter().map(|r| r.seconds).fold(0.0, f64::max);
    let largest = results.iter().map(|r| r.max_rss_mib).fold(0.0, f64::max);
    let _ = writeln!(md, "## Corpus: {} files, {expected} as expected\n", results.len());
    let _ = writeln!(
        md,
        "`{}` (MANIFEST.tsv says `ok`, `repairable` or `error`). Printed = a print file and manifest were \
         written (qpdf-checked by the tests); refused = exit status 1 with a message; anything else would be a \
         crash. Slowest file {slowest:.2} s, largest peak memory {largest:.0} MiB.\n",
        args.corpus.display()
    );
    let _ = writeln!(
        md,
        "| file | category | expected | outcome | time (s) | peak RSS (MiB) | warnings or message |"
    );
    let _ = writeln!(md, "|---|---|---|---|---:|---:|---|");
    for r in results {
        let mark = if r.as_expected { "" } else { " **(unexpected)**" };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {}{mark} | {:.2} | {:.0} | {} |",
            r.file,
            r.category,
            r.expected,
            r.outcome,
            r.seconds,
            r.max_rss_mib,
            r.detail.replace('|', "\\|")
        );
    }

    let limits = Limits::default();
    let _ = writeln!(md, "\n## Limits in force (defaults; `sheetseal impose --help`)\n");
    let _ = writeln!(md, "| limit | default | option |\n|---|---|---|");
    let rows = [
        ("decompressed bytes per stream", size(limits.max_stream_bytes), "--max-stream-size"),
        (
            "decompressed bytes per job (what sheetseal inflates)",
            size(limits.max_job_decompressed_bytes),
            "--max-job-decompressed",
        ),
        ("objects per input file", limits.max_objects.to_string(), "--max-objects"),
        ("page-tree depth", limits.max_page_tree_depth.to_string(), "--max-page-tree-depth"),
        ("forms drawn inside forms", limits.max_form_nesting.to_string(), "--max-form-nesting"),
        ("chain of references from a page", limits.max_reference_depth.to_string(), "--max-reference-depth"),
        ("image pixels, warning", limits.warn_image_pixels.to_string(), "--warn-image-pixels"),
        (
            "image pixels, refusal",
            limits.max_image_pixels.map_or("none".to_string(), |p| p.to_string()),
            "--max-image-pixels",
        ),
    ];
    for (what, value, flag) in rows {
        let _ = writeln!(md, "| {what} | {value} | `{flag}` |");
    }
    let _ = writeln!(
        md,
        "\nAlways on: page-tree cycles refused; forms that draw themselves cut where viewers stop; active content \
         (JavaScript, launch, URI and other actions, embedded files, triggers) never copied; images never decoded."
    );

    let _ = writeln!(md, "\n## Fuzzing\n");
    match &args.fuzz_ledger {
        Some(path) => {
            let ledger = read_tsv(path)?;
            let mut targets: Vec<&str> = ledger.iter().filter_map(|r| r.get(1).map(String::as_str)).collect();
            targets.sort_unstable();
            targets.dedup();
            let _ = writeln!(md, "From `{}` (`scripts/fuzz.sh` with `FUZZ_LEDGER`).\n", path.display());
            let _ = writeln!(md, "| target | sessions | total time | executions | sessions that crashed |\n|---|---:|---:|---:|---:|");
            for target in targets {
                let rows: Vec<&Vec<String>> =
                    ledger.iter().filter(|r| r.get(1).map(String::as_str) == Some(target)).collect();
                let seconds: u64 = rows.iter().filter_map(|r| r.get(2)?.parse::<u64>().ok()).sum();
                let runs: u64 = rows.iter().filter_map(|r| r.get(3)?.parse::<u64>().ok()).sum();
                let crashes = rows.iter().filter(|r| r.get(4).map(String::as_str) == Some("crash")).count();
                let _ = writeln!(
                    md,
                    "| {target} | {} | {:.2} h ({seconds} s) | {runs} | {crashes} |",
                    rows.len(),
                    seconds as f64 / 3600.0
                );
            }
        }
        None => {
            let _ = writeln!(md, "No fuzzing ledger given.");
        }
    }
    let _ = writeln!(md, "\n### Crashes found and fixed\n");
    match &args.fuzz_findings {
        Some(path) => {
            let findings = read_tsv(path)?;
            if findings.is_empty() {
                let _ = writeln!(md, "None so far.");
            } else {
                let _ = writeln!(md, "| found | target | what | fixed, guarded by |\n|---|---|---|---|");
                for f in findings {
                    let cell = |i: usize| f.get(i).cloned().unwrap_or_default();
                    let _ = writeln!(md, "| {} | {} | {} | {} |", cell(0), cell(1), cell(2), cell(3));
                }
            }
        }
        None => {
            let _ = writeln!(md, "No findings file given.");
        }
    }
    let _ = writeln!(
        md,
        "\nEvery parser of what customers or machines send has a target (fuzz/README.md): the PDF \
         reading path alone (the reader, every page's clear-zone scan and the copy of its form) and \
         through a whole job, the index, the default payload decoder, the payload template parser \
         and renderer, and the inserter log. CI runs each for 20 s on its committed seeds."
    );

    let _ = writeln!(md, "\n## Kill test\n");
    match &args.kill_log {
        Some(path) => {
            let log = read_tsv(path)?;
            let _ = writeln!(
                md,
                "`faults::a_job_killed_at_random_moments_never_leaves_output_that_looks_finished` starts a job on \
                 2,000 generated letters and kills it with SIGKILL, 20 times a run, at moments chosen by its progress (a delay in \
                 reading and planning, a random fraction of the print file written, or before the manifest), alternating \
                 two jobs that write files of the same names; after each kill a manifest, if present, must describe \
                 exactly the files beside it; a final rerun must succeed with the finished bytes and no temporary \
                 files. From `{}`:\n",
                path.display()
            );
            let _ = writeln!(md, "| run | seed | kills | job runs | violations |\n|---|---|---:|---:|---:|");
            let field = |row: &Vec<String>, key: &str| {
                row.iter().find_map(|f| f.strip_prefix(&format!("{key}="))).unwrap_or("?").to_string()
            };
            let mut total_kills = 0u64;
            for (i, row) in log.iter().enumerate() {
                total_kills += field(row, "killed").parse::<u64>().unwrap_or(0);
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} |",
                    i + 1,
                    field(row, "seed"),
                    field(row, "killed"),
                    field(row, "runs"),
                    field(row, "violations")
                );
            }
            let _ = writeln!(
                md,
                "\n{} test runs, {total_kills} processes killed mid-job, no violation.",
                log.len()
            );
        }
        None => {
            let _ = writeln!(md, "No kill-test log given.");
        }
    }
    Ok(md)
}

/// A tab-separated file without header; `#` lines are comments.
fn read_tsv(path: &Path) -> Result<Vec<Vec<String>>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect())
}
