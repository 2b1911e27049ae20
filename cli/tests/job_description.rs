//! `sheetseal run DESCRIPTION.json`: a job from the JSON job description the C API takes and a
//! manifest records as its `config`. The same job gives the same bytes however it is described.

use crate::util::*;

#[test]
fn a_manifest_config_runs_again_as_the_same_job_and_a_bad_description_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("in");
    run_ok(&["corpus", "--letters", "12", "--seed", "4", "--out", sample.to_str().unwrap()]);
    let pdf = sample.join("letters.pdf");
    let index = format!("index:{}", sample.join("letters.csv").display());
    let first = dir.path().join("first");
    run_ok(&[
        "impose",
        pdf.to_str().unwrap(),
        "--out",
        first.to_str().unwrap(),
        "--job",
        "DESC",
        "--split",
        &index,
        "--layout",
        "nup:2x1",
        "--sheet",
        "450x320mm",
        "--mark-preset",
        "relay18",
        "--max-sheets-per-item",
        "4",
    ]);
    let manifest = read_manifest(&first);

    // The recorded config, as a description with its output folder.
    let mut description = manifest.config.clone();
    let second = dir.path().join("second");
    description["out_dir"] = second.to_str().unwrap().into();
    let path = dir.path().join("job.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&description).unwrap()).unwrap();
    run_ok(&["run", path.to_str().unwrap()]);
    let again = read_manifest(&second);
    assert_eq!(again.outputs, manifest.outputs, "the same print file, byte for byte");
    assert_eq!(again.sheets, manifest.sheets);
    assert_eq!(again.config, manifest.config);

    // A short description takes the defaults; --out overrides its folder.
    let short = serde_json::json!({
        "job": "SHORT", "inputs": [pdf], "split": {"rule": "fixed", "pages": 1},
        "payload": {"preset": "file"}, "layout": {"duplex": false},
    });
    std::fs::write(&path, short.to_string()).unwrap();
    let third = dir.path().join("third");
    run_ok(&["run", path.to_str().unwrap(), "--out", third.to_str().unwrap()]);
    let short_manifest = read_manifest(&third);
    assert_eq!(short_manifest.config["payload"]["preset"], "file");
    assert_eq!(short_manifest.config["layout"]["duplex"], false);
    assert_eq!(short_manifest.counts.output_pages, short_manifest.counts.input_pages, "simplex, no blanks");

    // Mistakes are refused before anything is written, naming what is wrong.
    for (description, complaint) in [
        (
            serde_json::json!({"job": "X", "inputs": [pdf], "split": {"rule": "fixed", "pages": 1}, "layuot": {}}),
            "layuot",
        ),
        (serde_json::json!({"job": "X", "inputs": [pdf], "split": {"rule": "fixed", "pages": 1}}), "out_dir"),
        (
            serde_json::json!({"job": "X", "inputs": [pdf], "split": {"rule": "fixed", "pages": 1},
            "payload": {"preset": "nosuch"}, "out_dir": dir.path().join("x")}),
            "nosuch",
        ),
    ] {
        std::fs::write(&path, description.to_string()).unwrap();
        let mut command = sheetseal();
        command.args(["run", path.to_str().unwrap()]);
        let run = run_with_limit(command, std::time::Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(complaint), "{complaint}: {stderr}");
        assert!(!dir.path().join("x").exists());
    }
}
