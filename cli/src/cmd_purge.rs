//! `sheetseal purge`: the retention policy for job folders, and the audit trail of deletions
//! (also used by `impose --delete-input-on-success`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::Args;
use sheetseal_core::retention::{self, PurgePolicy, Removal};

use crate::commands::print_quietly;

#[derive(Args)]
pub struct PurgeArgs {
    /// Remove job folders whose newest file is older than this many days.
    #[arg(long, value_name = "DAYS")]
    older_than: f64,
    /// The folder that holds one folder per job (inputs, outputs, previews, manifests).
    root: PathBuf,
    /// List what would be removed, and remove nothing.
    #[arg(long)]
    dry_run: bool,
    /// Also append every audit line to this file.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
}

pub fn purge(args: PurgeArgs) -> Result<()> {
    if !(args.older_than.is_finite() && args.older_than >= 0.0) {
        anyhow::bail!("--older-than {}: give a number of days, 0 or more", args.older_than);
    }
    let policy = PurgePolicy {
        older_than: Duration::from_secs_f64(args.older_than * 86_400.0),
        now: SystemTime::now(),
        dry_run: args.dry_run,
    };
    let mut audit = Audit::open(args.audit_log.as_deref())?;
    let mut failure = None;
    let report = retention::purge(&args.root, &policy, &mut |removal| {
        if let Err(e) = audit.record(removal) {
            failure.get_or_insert(e);
        }
    })
    .with_context(|| format!("purge of {} stopped", args.root.display()))?;
    if let Some(e) = failure {
        return Err(e);
    }
    print_quietly(&format!(
        "purge {}: {} job folder(s) {}, {} file(s), {} bytes; {} kept (newer than {} days)\n",
        args.root.display(),
        report.folders.len(),
        if args.dry_run { "would be removed" } else { "removed" },
        report.files,
        report.bytes,
        report.kept,
        args.older_than
    ));
    Ok(())
}

/// Overwrites and deletes a finished job's inputs, with an audit line each.
pub fn delete_inputs(paths: &[PathBuf]) -> Result<()> {
    let mut audit = Audit::open(None)?;
    for path in paths {
        let removal = retention::shred_file(path).with_context(|| {
            format!("the job is complete, but its input {} could not be deleted", path.display())
        })?;
        audit.record(&removal)?;
    }
    Ok(())
}

/// Where audit lines go: standard output, and a log file if one is given.
struct Audit {
    log: Option<(PathBuf, std::fs::File)>,
}

impl Audit {
    fn open(log: Option<&Path>) -> Result<Audit> {
        let log = match log {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot open the audit log {}", path.display()))?;
                Some((path.to_path_buf(), file))
            }
            None => None,
        };
        Ok(Audit { log })
    }

    fn record(&mut self, removal: &Removal) -> Result<()> {
        let line = audit_line(SystemTime::now(), removal);
        print_quietly(&line);
        if let Some((path, file)) = &mut self.log {
            file.write_all(line.as_bytes())
                .and_then(|_| file.sync_data())
                .with_context(|| format!("cannot write the audit log {}", path.display()))?;
        }
        Ok(())
    }
}

/// `2026-11-23T16:05:09Z deleted /jobs/J1/in.pdf 4096 bytes: overwritten and deleted`
fn audit_line(at: SystemTime, removal: &Removal) -> String {
    format!("{} deleted {} {} bytes: {}\n", utc(at), removal.path.display(), removal.bytes, removal.how)
}

/// A time as ISO 8601 UTC, to the second.
fn utc(at: SystemTime) -> String {
    let seconds = at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + (month <= 2) as i64;
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sheetseal_core::retention::How;

    #[test]
    fn audit_lines_carry_the_utc_time_the_file_and_what_was_done() {
        let at = UNIX_EPOCH + Duration::from_secs(1_795_449_909); // 2026-11-23T16:05:09Z
        let removal = Removal { path: "/jobs/J1/in.pdf".into(), bytes: 4096, how: How::Overwritten };
        assert_eq!(
            audit_line(at, &removal),
            "2026-11-23T16:05:09Z deleted /jobs/J1/in.pdf 4096 bytes: overwritten and deleted\n"
        );
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(utc(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
    }
}
