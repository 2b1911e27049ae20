//! `sheetseal bench`: the corpus benchmark harness.
//!
//! Generates (and caches) corpora of the requested sizes, runs `sheetseal impose` on each as a
//! child process (so its peak memory is measured alone, by `wait4`), and prints one table row a
//! run: pages/s, sheets/s, peak RSS, output size and the time of every stage. With `--peers` it
//! also times, on the same files, the plain rewrites a mail house could script instead
//! (`qpdf --stream-data=preserve`, `mutool clean`), where those programs are installed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::{Deserialize, Serialize};
use sheetseal_core::job::JobOutcome;

#[derive(Args)]
pub struct BenchArgs {
    /// Corpus sizes in letters, comma-separated.
    #[arg(long, default_value = "1000,10000", value_delimiter = ',')]
    letters: Vec<usize>,
    /// Folder for the cached corpora and the job outputs.
    #[arg(long, default_value = "target/bench-corpus")]
    cache: PathBuf,
    /// Extra options for `impose` (e.g. "--layout nup:2x1 --sheet SRA3"), split on spaces.
    #[arg(long, default_value = "")]
    impose_args: String,
    /// Cores for the job: N pins it to the first N cores it may run on and sets
    /// RAYON_NUM_THREADS=N, so that its writer and hashing threads share them too; several
    /// values give a scaling table; 0 leaves it unpinned.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    threads: Vec<usize>,
    /// Also time qpdf and mutool rewriting the same files, where installed.
    #[arg(long)]
    peers: bool,
    /// Write the table as Markdown to this file as well.
    #[arg(long)]
    markdown: Option<PathBuf>,
}

/// Stage timings of one `impose` run.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunStats {
    pub seconds: f64,
    pub pages: usize,
    pub sheets: usize,
    pub output_bytes: u64,
    pub ingest: f64,
    pub split: f64,
    pub plan: f64,
    /// Payloads and symbols.
    pub marks: f64,
    /// Pages, sides, marks and the clear-zone scan of each press sheet, written.
    pub write: f64,
    /// Rendering the mark areas the clear-zone scan could not prove clear.
    #[serde(default)]
    pub clear_zone: f64,
    pub manifest: f64,
}

impl RunStats {
    pub fn of(outcome: &JobOutcome, elapsed: Duration) -> RunStats {
        let t = &outcome.times;
        RunStats {
            seconds: elapsed.as_secs_f64(),
            pages: outcome.manifest.counts.input_pages,
            sheets: outcome.manifest.counts.sheets,
            output_bytes: outcome.manifest.outputs.iter().map(|o| o.bytes).sum(),
            ingest: t.ingest.as_secs_f64(),
            split: t.split.as_secs_f64(),
            plan: t.plan.as_secs_f64(),
            marks: t.marks.as_secs_f64(),
            clear_zone: t.clear_zone.as_secs_f64(),
            write: t.write.as_secs_f64(),
            manifest: t.manifest.as_secs_f64(),
        }
    }
}

struct Row {
    tool: String,
    letters: usize,
    pages: usize,
    input_mb: f64,
    seconds: f64,
    sheets: Option<usize>,
    peak_rss_mb: f64,
    output_mb: f64,
    stages: String,
}

pub fn run(args: BenchArgs) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the sheetseal binary")?;
    std::fs::create_dir_all(&args.cache)
        .with_context(|| format!("cannot create {}", args.cache.display()))?;
    let mut rows = Vec::new();
    for &letters in &args.letters {
        let corpus = ensure_corpus(&exe, &args.cache, letters)?;
        let input = corpus.join("letters.pdf");
        let input_mb = std::fs::metadata(&input)?.len() as f64 / 1e6;
        for &threads in &args.threads {
            let out = args.cache.join(format!("job-{letters}"));
            let stats_file = args.cache.join(format!("stats-{letters}.json"));
            let mut command = Command::new(&exe);
            command.arg("impose").arg(&input).arg("--out").arg(&out).args(["--job", "BENCH", "--split"]);
            command.arg(format!("index:{}", corpus.join("letters.csv").display()));
            command.args(args.impose_args.split_whitespace()).arg("--stats").arg(&stats_file);
            if threads > 0 {
                command.env("RAYON_NUM_THREADS", threads.to_string());
                pin_to_cores(&mut command, threads)?;
            }
            let (elapsed, rss) = measure(command)?;
            let stats: RunStats = serde_json::from_slice(&std::fs::read(&stats_file)?)?;
            rows.push(Row {
                tool: if threads > 0 {
                    format!("sheetseal ({threads} {})", if threads == 1 { "core" } else { "cores" })
                } else {
                    "sheetseal".to_string()
                },
                letters,
                pages: stats.pages,
                input_mb,
                seconds: elapsed.as_secs_f64(),
                sheets: Some(stats.sheets),
                peak_rss_mb: rss,
                output_mb: stats.output_bytes as f64 / 1e6,
                stages: format!(
                    "ingest {:.3}, split {:.3}, plan {:.3}, marks {:.3}, write and scan {:.3}, renders {:.3}, manifest {:.3}",
                    stats.ingest,
                    stats.split,
                    stats.plan,
                    stats.marks,
                    stats.write,
                    stats.clear_zone,
                    stats.manifest
                ),
            });
            print_row(rows.last().expect("just pushed"));
        }
        if args.peers {
            let pages = rows.last().map_or(0, |r| r.pages);
            for (tool, argv) in peer_commands(&input, &args.cache) {
                let Some(program) = which(&argv[0]) else {
                    eprintln!("bench: {tool} is not installed; skipped");
                    continue;
                };
                let mut command = Command::new(program);
                command.args(&argv[1..]);
                let (elapsed, rss) = measure(command)?;
                let output = PathBuf::from(argv.last().expect("output path"));
                rows.push(Row {
                    tool: tool.to_string(),
                    letters,
                    pages,
                    input_mb,
                    seconds: elapsed.as_secs_f64(),
                    sheets: None,
                    peak_rss_mb: rss,
                    output_mb: std::fs::metadata(&output).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
                    stages: "plain rewrite, no imposition, no marks".to_string(),
                });
                print_row(rows.last().expect("just pushed"));
            }
        }
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, markdown(&rows)).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn ensure_corpus(exe: &Path, cache: &Path, letters: usize) -> Result<PathBuf> {
    let dir = cache.join(format!("letters-{letters}"));
    if dir.join("letters.pdf").is_file() && dir.join("letters.csv").is_file() {
        return Ok(dir);
    }
    let status = Command::new(exe)
        .args(["corpus", "--letters", &letters.to_string(), "--seed", "1", "--out"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("generating the {letters}-letter corpus failed");
    }
    Ok(dir)
}

fn peer_commands(input: &Path, cache: &Path) -> Vec<(&'static str, Vec<String>)> {
    let input = input.display().to_string();
    let out = |name: &str| cache.join(name).display().to_string();
    vec![
        (
            "qpdf --stream-data=preserve",
            vec!["qpdf".into(), "--stream-data=preserve".into(), input.clone(), out("peer-qpdf.pdf")],
        ),
        ("mutool clean", vec!["mutool".into(), "clean".into(), input, out("peer-mutool.pdf")]),
    ]
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(program)).find(|p| p.is_file()))
}

/// Runs a command to completion; returns its wall time and peak resident memory in MB.
/// Makes `command` run on the first `cores` of the cores this process may run on (all of them
/// when there are fewer).
fn pin_to_cores(command: &mut Command, cores: usize) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: an all-zero cpu_set_t is the empty set; sched_getaffinity fills it for this process.
    let mut allowed: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    if unsafe { libc::sched_getaffinity(0, size, &mut allowed) } != 0 {
        return Err(std::io::Error::last_os_error()).context("cannot read this process's cores");
    }
    // SAFETY: as above; CPU_ISSET and CPU_SET only read and set bits of sets on the stack.
    let mut chosen: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let mut taken = 0;
    for cpu in 0..libc::CPU_SETSIZE as usize {
        if taken < cores && unsafe { libc::CPU_ISSET(cpu, &allowed) } {
            unsafe { libc::CPU_SET(cpu, &mut chosen) };
            taken += 1;
        }
    }
    // SAFETY: between fork and exec the child only makes one system call, with a set copied
    // into the closure.
    unsafe {
        command.pre_exec(move || {
            if libc::sched_setaffinity(0, size, &chosen) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(())
}

fn measure(mut command: Command) -> Result<(Duration, f64)> {
    command.stdout(std::process::Stdio::null());
    let started = Instant::now();
    let child = command.spawn().with_context(|| format!("cannot start {command:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be overwritten by wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, with valid pointers to locals; the Child handle is not
    // waited on afterwards.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    if waited != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{command:?} failed");
    }
    Ok((elapsed, usage.ru_maxrss as f64 / 1024.0))
}

impl Row {
    /// The row's values as text, in the table's column order.
    fn cells(&self) -> [String; 10] {
        [
            self.tool.clone(),
            self.letters.to_string(),
            self.pages.to_string(),
            format!("{:.1}", self.input_mb),
            format!("{:.3}", self.seconds),
            format!("{:.0}", self.pages as f64 / self.seconds),
            self.sheets.map_or("-".to_string(), |s| format!("{:.0}", s as f64 / self.seconds)),
            format!("{:.1}", self.peak_rss_mb),
            format!("{:.1}", self.output_mb),
            self.stages.clone(),
        ]
    }
}

const COLUMNS: [&str; 10] = [
    "tool",
    "letters",
    "pages",
    "input MB",
    "seconds",
    "pages/s",
    "sheets/s",
    "peak RSS MB",
    "output MB",
    "stages (s)",
];

fn print_row(row: &Row) {
    let [tool, letters, pages, input, seconds, pages_s, sheets_s, rss, output, stages] = row.cells();
    crate::commands::print_quietly(&format!(
        "{tool:<32} {letters:>7} letters {pages:>8} pages {input:>7} MB in {seconds:>7} s  {pages_s:>9} pages/s  {sheets_s:>9} sheets/s  peak RSS {rss:>7} MB  out {output:>7} MB  [{stages}]\n"
    ));
}

fn markdown(rows: &[Row]) -> String {
    let mut text = format!("| {} |\n|{}\n", COLUMNS.join(" | "), "---|".repeat(COLUMNS.len()));
    for row in rows {
        let _ = writeln!(text, "| {} |", row.cells().join(" | "));
    }
    text
}
