//! Faults: a job killed at any moment, a full disk, an output folder that cannot be written.
//! Output appears complete or not at all; a manifest that exists always describes output that
//! exists; temporary files do not outlive the run that made them (or the next run, after a
//! kill); the error says what failed and where.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::fixtures::{letters, Letters};
use crate::measure::run_measured;
use crate::util::*;

/// Every regular file of a folder with its SHA-256.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), sha256_hex(&e.path())))
        .collect()
}

/// What a folder holds after a run that may have been killed.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Found {
    /// No manifest: not a finished job, whatever else is there.
    Unfinished,
    /// A manifest whose every output exists with the bytes and hash it records.
    Finished,
}

/// The invariant: a manifest, if there is one, reads whole and every output it lists exists
/// with its recorded size and hash.
fn check_job_folder(dir: &Path) -> Found {
    let manifest_path = dir.join("manifest.json");
    if !manifest_path.exists() {
        return Found::Unfinished;
    }
    let manifest = sheetseal_core::manifest::Manifest::read(&manifest_path)
        .unwrap_or_else(|e| panic!("a manifest that does not read whole: {e}"));
    assert!(dir.join("sheets.csv").exists(), "manifest without sheets.csv");
    for output in &manifest.outputs {
        let path = dir.join(&output.path);
        assert!(path.exists(), "the manifest lists {} but it is not there", output.path);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), output.bytes, "{}: size", output.path);
        assert_eq!(sha256_hex(&path), output.sha256, "{}: the manifest describes other bytes", output.path);
    }
    Found::Finished
}

/// When a run is killed.
#[derive(Debug)]
enum KillAt {
    /// A fixed time after the start: reading and planning.
    After(Duration),
    /// Once the job's temporary files hold this many bytes: writing.
    PartialBytes(u64),
    /// Once a print file is in the folder and no manifest is: at the latest, between the
    /// print file's rename and the manifest.
    BeforeManifest,
}

impl KillAt {
    fn has_come(&self, started: Instant, out: &Path) -> bool {
        match self {
            KillAt::After(delay) => started.elapsed() >= *delay,
            KillAt::PartialBytes(bytes) => {
                folder_bytes(out, |name| name.starts_with(sheetseal_core::write::atomic::PARTIAL_PREFIX))
                    >= *bytes
            }
            KillAt::BeforeManifest => {
                !out.join("manifest.json").exists()
                    && std::fs::read_dir(out)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .any(|e| e.file_name().to_string_lossy().ends_with(".pdf"))
            }
        }
    }
}

/// Total size of the regular files of a folder whose names pass `keep`.
fn folder_bytes(dir: &Path, keep: impl Fn(&str) -> bool) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| keep(&e.file_name().to_string_lossy()))
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// A small deterministic generator (xorshift64*), so that a failing kill schedule can be rerun.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn a_job_killed_at_random_moments_never_leaves_output_that_looks_finished() {
    let dir = tempfile::tempdir().unwrap();
    let Letters { pdf, split, .. } = letters(dir.path(), 2000, 11);
    let out = dir.path().join("job");
    // Two jobs with the same output names and different bytes: a manifest of one next to the PDF
    // of the other would show as a hash mismatch.
    let job = |layout: &str| {
        let mut command = sheetseal();
        command.args([
            "impose",
            pdf.to_str().unwrap(),
            "--job",
            "KILL",
            "--split",
            &split,
            "--layout",
            layout,
        ]);
        command.arg("--out").arg(&out);
        command
    };
    let layouts = ["duplex", "simplex"];
    let mut finished = BTreeMap::new();
    let mut output_bytes = BTreeMap::new();
    for layout in layouts {
        let run = run_with_limit(job(layout), Duration::from_secs(300));
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        assert_eq!(check_job_folder(&out), Found::Finished);
        finished.insert(layout, snapshot(&out));
        output_bytes.insert(layout, folder_bytes(&out, |name| name.ends_with(".pdf")));
    }

    // Kill moments are chosen by the job's progress, not by the clock, so that the schedule
    // covers every phase however loaded the machine is: before any output, while the print
    // file is being written (at a random fraction of its final size), and between the print
    // file's rename and the manifest.
    let seed = std::env::var("SHEETSEAL_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_123);
    let mut rng = Rng(seed);
    let runs = 20;
    let mut outcomes = BTreeMap::new();
    for run in 0..runs {
        let layout = layouts[(rng.next() % 2) as usize];
        let moment = match rng.next() % 4 {
            0 => KillAt::After(Duration::from_millis(rng.next() % 300)),
            3 => KillAt::BeforeManifest,
            _ => KillAt::PartialBytes(rng.next() % output_bytes[layout]),
        };
        let mut child = job(layout)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let killed = loop {
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            if moment.has_come(started, &out) {
                break true;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let _ = child.kill(); // SIGKILL: no destructor, no cleanup runs
        child.wait().unwrap();
        let found = check_job_folder(&out);
        if found == Found::Finished {
            // This job, or the one before it if the kill came before this run touched anything.
            let visible: BTreeMap<_, _> =
                snapshot(&out).into_iter().filter(|(n, _)| !n.starts_with('.')).collect();
            assert!(
                finished.values().any(|f| *f == visible),
                "run {run} (seed {seed}): the folder holds a manifest but not exactly one finished job"
            );
        }
        *outcomes.entry((killed, found)).or_insert(0) += 1;
        eprintln!("run {run}: {layout}, {moment:?}: {}", if killed { "killed" } else { "had finished" });
    }
    eprintln!("kill test (seed {seed}): {outcomes:?}");
    let killed = outcomes.iter().filter(|((k, _), _)| *k).map(|(_, n)| n).sum::<usize>();
    assert!(killed >= runs / 2, "most runs must be killed mid-job: {outcomes:?}");

    // A rerun succeeds, cleans up what the killed runs left and gives the finished bytes.
    let run = run_with_limit(job("duplex"), Duration::from_secs(300));
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(
        snapshot(&out),
        finished["duplex"],
        "the rerun gives the same bytes, and no temporary files remain"
    );
    if let Some(log) = std::env::var_os("SHEETSEAL_KILL_LOG") {
        let line = format!(
            "kill-test\tseed={seed}\tletters=2000\truns={runs}\tkilled={killed}\tviolations=0\toutcomes={outcomes:?}\n"
        );
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
    }
}

use std::io::Write as _;

/// Runs a shell script in a private user and mount namespace (root inside, no effect outside),
/// where it can mount a small tmpfs or a read-only bind; `$1` is the sheetseal binary.
fn in_mount_namespace(script: &str, args: &[&Path]) -> (String, String) {
    let mut command = Command::new("unshare");
    command.args(["--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"]);
    command.arg(env!("CARGO_BIN_EXE_sheetseal")).args(args);
    let run = run_measured(command, Duration::from_secs(120));
    assert!(
        !run.stderr.contains("unshare failed") && !run.stderr.contains("Operation not permitted"),
        "this test needs user namespaces (unshare -rm) to mount a small filesystem: {}",
        run.stderr
    );
    (run.stdout, run.stderr)
}

#[test]
fn a_full_disk_is_a_clear_error_and_leaves_no_partial_files() {
    let dir = tempfile::tempdir().unwrap();
    let Letters { pdf, split, .. } = letters(dir.path(), 200, 5);
    let mount = dir.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    // A 512 KiB filesystem for a job whose print file is several MB.
    let script = r#"
        mount -t tmpfs -o size=512k tmpfs "$2" || { echo "mount failed" >&2; exit 99; }
        "$1" impose "$3" --job FULL --split "$4" --out "$2/job"
        echo "exit=$?"
        echo "left:"; ls -A "$2/job"
        df -k "$2" | tail -1
    "#;
    let (stdout, stderr) = in_mount_namespace(script, &[&mount, &pdf, Path::new(&split)]);
    assert!(!stderr.contains("mount failed"), "{stderr}");
    assert!(stdout.contains("exit=1"), "expected exit 1:\n{stdout}\n{stderr}");
    assert!(stderr.contains("No space left on device") && stderr.contains("FULL.pdf"), "{stderr}");
    let left = stdout.split("left:").nth(1).unwrap_or_default();
    let listing: Vec<&str> =
        left.lines().take_while(|l| !l.starts_with("tmpfs")).filter(|l| !l.trim().is_empty()).collect();
    assert!(listing.is_empty(), "a failed job left {listing:?}");
    // The space is free again: every block of the partial file was released.
    let used_kib: u64 =
        left.lines().last().and_then(|l| l.split_whitespace().nth(2)).and_then(|n| n.parse().ok()).unwrap();
    assert!(used_kib < 64, "{used_kib} KiB still used after the failed job:\n{stdout}");
}

#[test]
fn a_disk_that_fills_up_during_the_manifest_leaves_nothing_either() {
    let dir = tempfile::tempdir().unwrap();
    let Letters { pdf, split, .. } = letters(dir.path(), 200, 5);
    // The same job on a roomy disk: how much its print file and CSV take.
    let reference = dir.path().join("reference");
    run_ok(&[
        "impose",
        pdf.to_str().unwrap(),
        "--job",
        "FULL",
        "--split",
        &split,
        "--out",
        reference.to_str().unwrap(),
    ]);
    let size = |name: &str| std::fs::metadata(reference.join(name)).unwrap().len();
    let pages = |bytes: u64| bytes.div_ceil(4096) * 4;
    let json_kib = pages(size("manifest.json"));
    // Room for the print file and the CSV, and a few pages of the manifest only.
    let room_kib = pages(size("FULL.pdf")) + pages(size("sheets.csv")) + 16;
    assert!(json_kib > 64, "the manifest ({json_kib} KiB) must not fit in what is left");
    let mount = dir.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    let script = format!(
        r#"
        mount -t tmpfs -o size={room_kib}k tmpfs "$2" || {{ echo "mount failed" >&2; exit 99; }}
        "$1" impose "$3" --job FULL --split "$4" --out "$2/job"
        echo "exit=$?"
        echo "left:"; ls -A "$2/job"
    "#
    );
    let (stdout, stderr) = in_mount_namespace(&script, &[&mount, &pdf, Path::new(&split)]);
    assert!(!stderr.contains("mount failed"), "{stderr}");
    assert!(stdout.contains("exit=1"), "expected exit 1:\n{stdout}\n{stderr}");
    // The print file was written; the manifest's files were not.
    assert!(stderr.contains("No space left on device") && stderr.contains("manifest.json"), "{stderr}");
    let left = stdout.split("left:").nth(1).unwrap_or_default();
    let listing: Vec<&str> = left.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(listing.is_empty(), "a job whose manifest failed left {listing:?}");
}

#[test]
fn an_output_folder_that_cannot_be_written_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let Letters { pdf, split, .. } = letters(dir.path(), 5, 5);
    let pdf = pdf.to_string_lossy().into_owned();

    // A file where the output folder should be.
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let mut command = sheetseal();
    command.args(["impose", &pdf, "--job", "RO", "--split", &split, "--out"]).arg(file.join("job"));
    let run = run_measured(command, Duration::from_secs(60));
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot write")
            && run.stderr.contains("not-a-folder/job")
            && run.stderr.contains("Not a directory"),
        "{}",
        run.stderr
    );

    // A read-only folder (tests run as root, who ignores permission bits: a read-only mount).
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let script = r#"
        mount --bind "$2" "$2" && mount -o remount,bind,ro "$2" || { echo "mount failed" >&2; exit 99; }
        "$1" impose "$3" --job RO --split "$4" --out "$2"
        echo "exit=$?"
    "#;
    let (stdout, stderr) = in_mount_namespace(script, &[&folder, Path::new(&pdf), Path::new(&split)]);
    assert!(!stderr.contains("mount failed"), "{stderr}");
    assert!(stdout.contains("exit=1"), "{stdout}\n{stderr}");
    assert!(stderr.contains("cannot write") && stderr.contains("Read-only file system"), "{stderr}");
    assert!(stderr.contains(folder.to_str().unwrap()), "the error names the folder: {stderr}");
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
}
