//! `sheetseal bench`: the corpus benchmark harness.
//!
//! Generates (and caches) corpora of the requested sizes, runs `sheetseal impose` on each as a
//! child process (so its peak memory is measured alone, by `wait4`), and prints one table row a
//! run: pages/s, sheets/s, peak RSS, output size and the time of every stage. With `--peers` it
//! also times, on the same files and where they are installed, the plain rewrites of
//! `qpdf --stream-data=preserve` and `mutool clean`, and the same job scripted in Python with
//! PyMuPDF, with pikepdf, with pypdf, and with a stamp file laid over the pages by the qpdf
//! command line (`scripts/bench-peers.py`, embedded; installed by
//! `scripts/install-bench-peers.sh`). With `--one-file-per-letter` the job runs on a folder of
//! one PDF a letter, and the peers are the merges of that folder into one file by qpdf and
//! mutool. With `--rounds N` the contenders take turns, round after round, and each row is the
//! median; below the table each sheetseal row's rate is compared with the rows before it and
//! with each peer's: as the ratio of the medians and, for rows of the same rounds, round by round
//! (the median of the rounds' ratios, with its sign-test interval and the rounds won).

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
    /// Also time, where installed, qpdf and mutool rewriting the same files, and the same job
    /// scripted with PyMuPDF, pikepdf, pypdf, and a stamp file overlaid by qpdf (once each: they
    /// take minutes at 10,000 letters); scripts/install-bench-peers.sh installs them all.
    #[arg(long)]
    peers: bool,
    /// The Python that has PyMuPDF, pikepdf, pypdf and ppf-datamatrix for the scripted peers
    /// [default: target/bench-peers/venv/bin/python where scripts/install-bench-peers.sh made it,
    /// else python3].
    #[arg(long)]
    peer_python: Option<PathBuf>,
    /// Runs of each: every round runs the job and each plain rewrite once, in turn, and the table
    /// shows the median (a single run on a shared host can be off by a third); the scripted jobs
    /// run in the first round only.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Write the table as Markdown to this file as well.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Run the job on a folder of one PDF a letter (`--split files:DIR`), as a composition
    /// system that writes each letter to a file of its own delivers a job; each file holds its
    /// own font and logo. The peers are then the merges of the folder into one file with which
    /// a job would otherwise begin (`qpdf --empty --pages`, `mutool merge`; once each).
    #[arg(long)]
    one_file_per_letter: bool,
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

/// What is timed: the job at one thread setting, or a peer.
enum Contender {
    Sheetseal { threads: usize },
    Peer(Peer),
}

/// Another tool run on the same corpus.
struct Peer {
    tool: &'static str,
    argv: Vec<String>,
    /// The file it writes.
    output: PathBuf,
    /// What it does, for the table.
    does: &'static str,
    /// Run in the first round only: the scripted jobs take minutes at 10,000 letters, and so
    /// do the merges of a folder of 10,000 files.
    once: bool,
}

impl Contender {
    fn name(&self) -> String {
        match self {
            Contender::Sheetseal { threads: 0 } => "sheetseal".to_string(),
            Contender::Sheetseal { threads } => {
                format!("sheetseal ({threads} {})", if *threads == 1 { "core" } else { "cores" })
            }
            Contender::Peer(peer) => peer.tool.to_string(),
        }
    }
}

/// One timed run.
struct Sample {
    seconds: f64,
    /// User and system time of the process and its threads.
    cpu_seconds: f64,
    peak_rss_mb: f64,
    output_mb: f64,
    /// The job's own figures; `None` for a peer.
    stats: Option<RunStats>,
}

struct Row {
    tool: String,
    letters: usize,
    pages: usize,
    input_mb: f64,
    /// Each round's time, in round order: the row shows their median and range, and rows with as
    /// many rounds are compared round by round.
    round_seconds: Vec<f64>,
    /// Medians over the rounds.
    cpu_seconds: f64,
    sheets: Option<usize>,
    peak_rss_mb: f64,
    output_mb: f64,
    stages: String,
    /// Whether the row is sheetseal's (compared with the peers) or a peer's.
    is_peer: bool,
}

pub fn run(args: BenchArgs) -> Result<()> {
    if args.rounds == 0 {
        bail!("--rounds must be at least 1");
    }
    let exe = std::env::current_exe().context("cannot find the sheetseal binary")?;
    std::fs::create_dir_all(&args.cache)
        .with_context(|| format!("cannot create {}", args.cache.display()))?;
    let mut rows = Vec::new();
    let mut comparisons = Vec::new();
    for &letters in &args.letters {
        let (corpus, input_mb) = if args.one_file_per_letter {
            let folder = ensure_letter_files(&args.cache, letters)?;
            let bytes = letter_files(&folder)?
                .iter()
                .map(|f| std::fs::metadata(f).map(|m| m.len()))
                .sum::<std::io::Result<u64>>()?;
            let input_mb = bytes as f64 / 1e6;
            (folder, input_mb)
        } else {
            let corpus = ensure_corpus(&exe, &args.cache, letters)?;
            let input_mb = std::fs::metadata(corpus.join("letters.pdf"))?.len() as f64 / 1e6;
            (corpus, input_mb)
        };
        let mut contenders: Vec<Contender> =
            args.threads.iter().map(|&threads| Contender::Sheetseal { threads }).collect();
        if args.peers && args.one_file_per_letter {
            let peers = merge_peers(&corpus, &args.cache)?;
            contenders.extend(peers.into_iter().map(Contender::Peer));
        } else if args.peers {
            let python = peer_python(args.peer_python.as_deref());
            let scripted = letters <= SCRIPTED_PEERS_MAX_LETTERS;
            if !scripted {
                eprintln!(
                    "bench: {letters} letters: the scripted peers are skipped above {SCRIPTED_PEERS_MAX_LETTERS} letters (at their rates at 10,000 letters, 100,000 would take them over 40 minutes each, and their rates fall as a job grows)"
                );
            }
            let peers = available_peers(&corpus, &args.cache, &python, scripted)?;
            contenders.extend(peers.into_iter().map(Contender::Peer));
        }
        // Round after round, each contender in turn: a busy spell of the host then falls on all
        // of them rather than on one.
        let mut samples: Vec<Vec<Sample>> = contenders.iter().map(|_| Vec::new()).collect();
        for round in 0..args.rounds {
            for (contender, runs) in contenders.iter().zip(&mut samples) {
                let sample = match contender {
                    Contender::Sheetseal { threads } => {
                        run_sheetseal(&exe, &args, &corpus, letters, *threads)?
                    }
                    Contender::Peer(peer) if peer.once && round > 0 => continue,
                    Contender::Peer(peer) => {
                        if peer.once {
                            eprintln!("bench: {letters} letters: running the {} once (it takes minutes at 10,000 letters)", peer.tool);
                        }
                        run_peer(peer)?
                    }
                };
                runs.push(sample);
            }
            if args.rounds > 1 {
                eprintln!("bench: {letters} letters, round {} of {} done", round + 1, args.rounds);
            }
        }
        let pages =
            samples.iter().flatten().find_map(|s| s.stats.as_ref().map(|stats| stats.pages)).unwrap_or(0);
        let first_row = rows.len();
        for (contender, runs) in contenders.iter().zip(&samples) {
            rows.push(row_of(contender, runs, letters, pages, input_mb));
            print_row(rows.last().expect("just pushed"));
        }
        comparisons.extend(compare(&rows[first_row..]));
    }
    for line in &comparisons {
        crate::commands::print_quietly(&format!("{line}\n"));
    }
    if let Some(path) = &args.markdown {
        let text = markdown(&rows, &comparisons);
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn run_sheetseal(
    exe: &Path,
    args: &BenchArgs,
    corpus: &Path,
    letters: usize,
    threads: usize,
) -> Result<Sample> {
    let out = args.cache.join(format!("job-{letters}"));
    let stats_file = args.cache.join(format!("stats-{letters}.json"));
    let mut command = Command::new(exe);
    command.arg("impose").arg("--out").arg(&out).args(["--job", "BENCH", "--split"]);
    if args.one_file_per_letter {
        command.arg(format!("files:{}", corpus.display()));
    } else {
        command.arg(format!("index:{}", corpus.join("letters.csv").display()));
        command.arg(corpus.join("letters.pdf"));
    }
    command.args(args.impose_args.split_whitespace()).arg("--stats").arg(&stats_file);
    if threads > 0 {
        command.env("RAYON_NUM_THREADS", threads.to_string());
        pin_to_cores(&mut command, threads)?;
    }
    let (seconds, cpu_seconds, peak_rss_mb) = measure(command, &out)?;
    let stats: RunStats = serde_json::from_slice(&std::fs::read(&stats_file)?)?;
    Ok(Sample {
        seconds,
        cpu_seconds,
        peak_rss_mb,
        output_mb: stats.output_bytes as f64 / 1e6,
        stats: Some(stats),
    })
}

fn run_peer(peer: &Peer) -> Result<Sample> {
    let mut command = Command::new(&peer.argv[0]);
    command.args(&peer.argv[1..]);
    let (seconds, cpu_seconds, peak_rss_mb) = measure(command, &peer.output)?;
    let output_mb = std::fs::metadata(&peer.output).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    Ok(Sample { seconds, cpu_seconds, peak_rss_mb, output_mb, stats: None })
}

/// A contender's row: medians of its rounds, and the highest peak memory of any.
fn row_of(contender: &Contender, runs: &[Sample], letters: usize, pages: usize, input_mb: f64) -> Row {
    let of = |value: &dyn Fn(&Sample) -> f64| median(runs.iter().map(value).collect());
    let stats: Vec<&RunStats> = runs.iter().filter_map(|s| s.stats.as_ref()).collect();
    let stage = |value: fn(&RunStats) -> f64| median(stats.iter().map(|s| value(s)).collect());
    Row {
        tool: contender.name(),
        letters,
        pages,
        input_mb,
        round_seconds: runs.iter().map(|s| s.seconds).collect(),
        cpu_seconds: of(&|s| s.cpu_seconds),
        sheets: stats.first().map(|s| s.sheets),
        peak_rss_mb: runs.iter().map(|s| s.peak_rss_mb).fold(0.0, f64::max),
        output_mb: of(&|s| s.output_mb),
        stages: if let Contender::Peer(peer) = contender {
            peer.does.to_string()
        } else {
            format!(
                "ingest {:.3}, split {:.3}, plan {:.3}, marks {:.3}, write and scan {:.3}, renders {:.3}, manifest {:.3}",
                stage(|s| s.ingest),
                stage(|s| s.split),
                stage(|s| s.plan),
                stage(|s| s.marks),
                stage(|s| s.write),
                stage(|s| s.clear_zone),
                stage(|s| s.manifest)
            )
        },
        is_peer: matches!(contender, Contender::Peer(_)),
    }
}

/// The middle value (the mean of the two middle ones for an even count); 0 for none.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// How each sheetseal row's rate compares with the sheetseal rows before it (the scaling from
/// one thread setting to the next) and with each peer's, on the same corpus and in the same run:
/// above 1, that row does its work faster than the other run does its own.
fn compare(rows: &[Row]) -> Vec<String> {
    let (peers, ours): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.is_peer);
    let mut lines = Vec::new();
    for (i, row) in ours.iter().enumerate() {
        for other in ours[..i].iter().chain(&peers) {
            let of = match (row.runs(), other.runs()) {
                (1, 1) => "one run each".to_string(),
                (a, b) if a == b => format!("medians of {a} alternating rounds"),
                (a, 1) => format!("the median of {a} runs against one run"),
                (a, b) => format!("medians of {a} and {b} runs"),
            };
            let by_round = match (row.runs(), other.runs()) {
                (a, b) if a == b && a > 1 => {
                    let ratios: Vec<f64> =
                        other.round_seconds.iter().zip(&row.round_seconds).map(|(o, r)| o / r).collect();
                    format!("; round by round {}", RoundByRound::of(&ratios))
                }
                _ => String::new(),
            };
            lines.push(format!(
                "{} letters: {} runs at {:.2} times the rate of {} ({:.3} s against {:.3} s, {of}{by_round})",
                row.letters,
                row.tool,
                other.seconds() / row.seconds(),
                other.tool,
                row.seconds(),
                other.seconds()
            ));
        }
    }
    lines
}

/// Two contenders compared round by round: the ratio of their rates in each round (they ran
/// one after the other, so a slow or fast spell of the host falls on both), summed up by the
/// median ratio, the interval that holds the true median with at least 95% confidence whatever
/// the distribution of the ratios (the sign test's: the k-th ratio from either end), and how
/// many rounds the row won.
struct RoundByRound {
    median: f64,
    /// The interval's ends and its confidence level, from 6 rounds on.
    interval: Option<(f64, f64, f64)>,
    faster: usize,
    rounds: usize,
}

impl RoundByRound {
    fn of(ratios: &[f64]) -> RoundByRound {
        let mut sorted = ratios.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let interval = sign_test_rank(n).map(|(k, confidence)| (sorted[k - 1], sorted[n - k], confidence));
        RoundByRound {
            median: median(sorted),
            interval,
            faster: ratios.iter().filter(|&&r| r > 1.0).count(),
            rounds: n,
        }
    }
}

impl std::fmt::Display for RoundByRound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2}", self.median)?;
        if let Some((low, high, confidence)) = self.interval {
            // Rounded down: the level is at least what is printed.
            write!(f, ", {}% interval {low:.2}-{high:.2}", (confidence * 100.0).floor())?;
        }
        write!(f, ", faster in {} of {}", self.faster, self.rounds)
    }
}

/// For `n` paired rounds, the largest `k` such that the k-th smallest and k-th largest of `n`
/// values bound their median with at least 95% confidence, and that confidence:
/// 1 - 2 P(X < k) for X ~ Binomial(n, 1/2). `None` below 6 rounds, where no such `k` exists.
fn sign_test_rank(n: usize) -> Option<(usize, f64)> {
    // P(X = i), summed from i = 0, in logarithms: 2^-n underflows past about 1,000 rounds.
    let mut log_term = -(n as f64) * std::f64::consts::LN_2;
    let mut below = 0.0;
    let mut found = None;
    for i in 0..n / 2 {
        below += log_term.exp();
        if below > 0.025 {
            break;
        }
        found = Some((i + 1, 1.0 - 2.0 * below));
        log_term += ((n - i) as f64 / (i + 1) as f64).ln();
    }
    found
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

/// A folder of `letters` PDFs of one letter each (letter `n`, 1-based, generated with seed
/// `n`), made once: it appears complete or not at all.
fn ensure_letter_files(cache: &Path, letters: usize) -> Result<PathBuf> {
    let dir = cache.join(format!("letter-files-{letters}"));
    if dir.is_dir() {
        return Ok(dir);
    }
    let partial = cache.join(format!(".partial-letter-files-{letters}"));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    for n in 1..=letters {
        let spec = sheetseal_corpus::CorpusSpec { letters: 1, seed: n as u64, ..Default::default() };
        let path = partial.join(format!("{n:07}.pdf"));
        let file =
            std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        sheetseal_corpus::write_pdf(&spec, file)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    std::fs::rename(&partial, &dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// A folder's PDF files, as `--split files:DIR` takes them.
fn letter_files(folder: &Path) -> Result<Vec<PathBuf>> {
    Ok(sheetseal_core::split::files::list(folder)?)
}

/// The scripted peers' job (scripts/bench-peers.py), written beside the corpora when used.
const PEER_SCRIPT: &str = include_str!("../../scripts/bench-peers.py");

/// The largest corpus the scripted peers are run on.
const SCRIPTED_PEERS_MAX_LETTERS: usize = 10_000;

/// What a plain rewrite does, for the table.
const PLAIN_REWRITE: &str = "plain rewrite, no imposition, no marks";

/// What the scripted peers do, for the table.
const SCRIPTED_JOB: &str =
    "duplex 1-up, a Data Matrix mark a sheet, scripted in Python (no clear-zone check, no manifest); one run";

/// What the merges of a folder do, for the table.
const MERGE: &str = "the folder merged into one file, no imposition, no marks; one run";

/// The merges of a folder of one file a letter into one file, with which a job would otherwise
/// begin, where qpdf and mutool are installed: the files in the order `--split files:DIR` takes
/// them.
fn merge_peers(folder: &Path, cache: &Path) -> Result<Vec<Peer>> {
    let files: Vec<String> = letter_files(folder)?.iter().map(|f| f.display().to_string()).collect();
    let strings = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let (qpdf_out, mutool_out) = (cache.join("peer-qpdf-merge.pdf"), cache.join("peer-mutool-merge.pdf"));
    let merges = [
        (
            "qpdf --empty --pages (merge)",
            [
                strings(&["qpdf", "--empty", "--pages"]),
                files.clone(),
                strings(&["--", &qpdf_out.display().to_string()]),
            ]
            .concat(),
            qpdf_out,
        ),
        (
            "mutool merge",
            [strings(&["mutool", "merge", "-o", &mutool_out.display().to_string()]), files].concat(),
            mutool_out,
        ),
    ];
    let mut peers = Vec::new();
    for (tool, argv, output) in merges {
        match which(&argv[0]) {
            Some(_) => peers.push(Peer { tool, argv, output, does: MERGE, once: true }),
            None => eprintln!("bench: {} is not installed; {tool} skipped", argv[0]),
        }
    }
    Ok(peers)
}

/// The peers installed here: qpdf's and mutool's plain rewrites, and, when `scripted`, the job
/// scripted with each library `python` has (the qpdf overlay also needs qpdf)
/// (scripts/install-bench-peers.sh installs them all).
fn available_peers(corpus: &Path, cache: &Path, python: &Path, scripted: bool) -> Result<Vec<Peer>> {
    let input = corpus.join("letters.pdf").display().to_string();
    let index = corpus.join("letters.csv").display().to_string();
    let mut peers = Vec::new();
    let plain = [
        ("qpdf --stream-data=preserve", ["qpdf", "--stream-data=preserve"], "peer-qpdf.pdf"),
        ("mutool clean", ["mutool", "clean"], "peer-mutool.pdf"),
    ];
    for (tool, program, name) in plain {
        let output = cache.join(name);
        let argv = vec![program[0].into(), program[1].into(), input.clone(), output.display().to_string()];
        match which(&argv[0]) {
            Some(_) => peers.push(Peer { tool, argv, output, does: PLAIN_REWRITE, once: false }),
            None => eprintln!("bench: {tool} is not installed; skipped"),
        }
    }
    if !scripted {
        return Ok(peers);
    }
    let script = cache.join("bench-peers.py");
    std::fs::write(&script, PEER_SCRIPT).with_context(|| format!("cannot write {}", script.display()))?;
    let scripted_jobs = [
        ("PyMuPDF job", "pymupdf", "pymupdf", None),
        ("pikepdf job", "pikepdf", "pikepdf", None),
        ("pypdf job", "pypdf", "pypdf", None),
        ("qpdf --overlay job", "qpdf-overlay", "pikepdf", Some("qpdf")),
    ];
    for (tool, job, module, program) in scripted_jobs {
        if let Some(program) = program.filter(|p| which(p).is_none()) {
            eprintln!("bench: {program} is not installed; {tool} skipped");
            continue;
        }
        let importable = Command::new(python)
            .args(["-c", &format!("import {module}, ppf.datamatrix")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !importable {
            eprintln!(
                "bench: {python} cannot import {module} and ppf.datamatrix; {tool} skipped (scripts/install-bench-peers.sh installs them)",
                python = python.display()
            );
            continue;
        }
        let output = cache.join(format!("peer-{job}.pdf"));
        let argv = vec![
            python.display().to_string(),
            script.display().to_string(),
            job.to_string(),
            input.clone(),
            index.clone(),
            output.display().to_string(),
        ];
        peers.push(Peer { tool, argv, output, does: SCRIPTED_JOB, once: true });
    }
    Ok(peers)
}

/// The Python for the scripted peers: the one given, else the environment
/// scripts/install-bench-peers.sh makes, else `python3`.
fn peer_python(given: Option<&Path>) -> PathBuf {
    let installed = Path::new("target/bench-peers/venv/bin/python");
    match given {
        Some(path) => path.to_path_buf(),
        None if installed.is_file() => installed.to_path_buf(),
        None => PathBuf::from("python3"),
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(program)).find(|p| p.is_file()))
}

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

/// Runs a command to completion, from a fresh start ([`start_afresh`] with its `output`); returns
/// its wall time, its CPU time (user and system, in seconds) and its peak resident memory in MB.
fn measure(mut command: Command, output: &Path) -> Result<(f64, f64, f64)> {
    command.stdout(std::process::Stdio::null());
    start_afresh(output)?;
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
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    Ok((elapsed.as_secs_f64(), cpu, usage.ru_maxrss as f64 / 1024.0))
}

/// Makes every run start alike: its `output` (file or folder) not there yet, and nothing that an
/// earlier run of any tool wrote still to be written back. Otherwise a tool that replaces its
/// last output in place pays for it or not depending on whether the kernel wrote it back (on a
/// filesystem mounted with `discard`, freeing written blocks costs `mutool clean` about 60 ms at
/// 10,000 letters), and a tool that flushes to disk pays for what others left.
fn start_afresh(output: &Path) -> Result<()> {
    let removed = match std::fs::symlink_metadata(output) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(output),
        Ok(_) => std::fs::remove_file(output),
        Err(_) => Ok(()),
    };
    removed.with_context(|| format!("cannot remove the last run's {}", output.display()))?;
    // SAFETY: a plain system call without arguments.
    unsafe { libc::sync() };
    Ok(())
}

impl Row {
    /// The median of the rounds' times.
    fn seconds(&self) -> f64 {
        median(self.round_seconds.clone())
    }

    /// How many rounds the row's medians are of.
    fn runs(&self) -> usize {
        self.round_seconds.len()
    }

    /// The row's values as text, in the table's column order.
    fn cells(&self) -> [String; 12] {
        let seconds = self.seconds();
        let fastest = self.round_seconds.iter().copied().fold(f64::INFINITY, f64::min);
        let slowest = self.round_seconds.iter().copied().fold(0.0, f64::max);
        [
            self.tool.clone(),
            self.letters.to_string(),
            self.pages.to_string(),
            format!("{:.1}", self.input_mb),
            format!("{seconds:.3}"),
            format!("{fastest:.3}-{slowest:.3}"),
            format!("{:.3}", self.cpu_seconds),
            format!("{:.0}", self.pages as f64 / seconds),
            self.sheets.map_or("-".to_string(), |s| format!("{:.0}", s as f64 / seconds)),
            format!("{:.1}", self.peak_rss_mb),
            format!("{:.1}", self.output_mb),
            self.stages.clone(),
        ]
    }
}

const COLUMNS: [&str; 12] = [
    "tool",
    "letters",
    "pages",
    "input MB",
    "seconds",
    "min-max",
    "CPU s",
    "pages/s",
    "sheets/s",
    "peak RSS MB",
    "output MB",
    "stages (s)",
];

fn print_row(row: &Row) {
    let [tool, letters, pages, input, seconds, range, cpu, pages_s, sheets_s, rss, output, stages] =
        row.cells();
    crate::commands::print_quietly(&format!(
        "{tool:<32} {letters:>7} letters {pages:>8} pages {input:>7} MB in {seconds:>7} s ({range})  CPU {cpu:>7} s  {pages_s:>9} pages/s  {sheets_s:>9} sheets/s  peak RSS {rss:>7} MB  out {output:>7} MB  [{stages}]\n"
    ));
}

fn markdown(rows: &[Row], comparisons: &[String]) -> String {
    let mut text = format!("| {} |\n|{}\n", COLUMNS.join(" | "), "---|".repeat(COLUMNS.len()));
    for row in rows {
        let _ = writeln!(text, "| {} |", row.cells().join(" | "));
    }
    if !comparisons.is_empty() {
        text.push('\n');
        for line in comparisons {
            let _ = writeln!(text, "- {line}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(tool: &str, seconds: f64, is_peer: bool, runs: usize) -> Row {
        Row {
            tool: tool.to_string(),
            letters: 10,
            pages: 30,
            input_mb: 1.0,
            round_seconds: vec![seconds; runs],
            cpu_seconds: seconds,
            sheets: None,
            peak_rss_mb: 1.0,
            output_mb: 1.0,
            stages: String::new(),
            is_peer,
        }
    }

    #[test]
    fn the_median_is_the_middle_round_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(median(vec![0.9, 0.1, 0.5]), 0.5);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 9.0]), 3.0);
        assert_eq!(median(vec![0.7]), 0.7);
        assert_eq!(median(Vec::new()), 0.0);
    }

    #[test]
    fn each_job_row_is_compared_with_the_ones_before_it_and_each_peer_as_a_ratio_of_rates() {
        let rows = [
            row("sheetseal (1 core)", 0.7, false, 15),
            row("sheetseal (2 cores)", 0.5, false, 15),
            row("mutool clean", 0.4, true, 15),
            row("qpdf", 1.0, true, 15),
            row("PyMuPDF job", 50.0, true, 1),
        ];
        let lines = compare(&rows);
        assert_eq!(lines.len(), 7, "{lines:#?}");
        assert!(lines[0].contains("(1 core) runs at 0.57 times the rate of mutool clean"), "{}", lines[0]);
        assert!(
            lines[3].contains("(2 cores) runs at 1.40 times the rate of sheetseal (1 core)"),
            "{}",
            lines[3]
        );
        assert!(lines[4].contains("(2 cores) runs at 0.80 times the rate of mutool clean"), "{}", lines[4]);
        assert!(lines[5].contains("(2 cores) runs at 2.00 times the rate of qpdf"), "{}", lines[5]);
        assert!(lines[4].contains("medians of 15 alternating rounds; round by round"), "{}", lines[4]);
        assert!(lines[6].contains("runs at 100.00 times the rate of PyMuPDF job"), "{}", lines[6]);
        assert!(lines[6].ends_with("the median of 15 runs against one run)"), "{}", lines[6]);
        assert!(compare(&rows[..1]).is_empty());
        assert!(
            lines[4].contains("; round by round 0.80, 96% interval 0.80-0.80, faster in 0 of 15)"),
            "{}",
            lines[4]
        );
    }

    #[test]
    fn rounds_are_compared_pairwise_with_the_sign_test_interval_of_the_median_ratio() {
        // Both drift the same way over the run, and the ratio of each round is one of 0.95,
        // 0.96, ... 1.09, in a scrambled order.
        let ours: Vec<f64> = (0..15).map(|r| 0.5 + 0.02 * r as f64).collect();
        let theirs: Vec<f64> =
            ours.iter().enumerate().map(|(r, s)| s * (0.95 + 0.01 * ((r * 7) % 15) as f64)).collect();
        let job = Row { round_seconds: ours, ..row("sheetseal", 0.0, false, 0) };
        let peer = Row { round_seconds: theirs, ..row("mutool clean", 0.0, true, 0) };
        let lines = compare(&[job, peer]);
        // The 4th smallest and 4th largest of 15 bound the median with
        // 1 - 2 (1 + 15 + 105 + 455) / 2^15 = 96.5% confidence; 1.01 to 1.09 are wins.
        assert!(
            lines[0].ends_with("; round by round 1.02, 96% interval 0.98-1.06, faster in 9 of 15)"),
            "{}",
            lines[0]
        );
    }

    #[test]
    fn the_sign_test_needs_six_rounds_and_widens_its_rank_as_rounds_grow() {
        assert_eq!(sign_test_rank(5), None);
        let (k, confidence) = sign_test_rank(6).unwrap();
        assert_eq!(k, 1);
        assert!((confidence - (1.0 - 2.0 / 64.0)).abs() < 1e-12);
        assert_eq!(sign_test_rank(15).map(|(k, _)| k), Some(4));
        assert_eq!(sign_test_rank(21).map(|(k, _)| k), Some(6));
        // 2,000 rounds: no underflow, and about n/2 - 1.96 sqrt(n)/2 from either end.
        let (k, confidence) = sign_test_rank(2000).unwrap();
        assert!((950..=957).contains(&k), "{k}");
        assert!(confidence >= 0.95);
    }
}
