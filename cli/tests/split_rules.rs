//! Every split rule end to end, through `impose` and `split-check`: on generated letters, whose
//! true split the generator's index records, and on real files of the public corpus.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sheetseal_core::manifest::Manifest;

use crate::util::*;

/// Generates letters into `dir` with extra `sheetseal corpus` flags; returns the PDF.
fn letters(dir: &Path, count: usize, seed: u64, flags: &[&str]) -> PathBuf {
    let (count, seed) = (count.to_string(), seed.to_string());
    let mut args = vec!["corpus", "--letters", &count, "--seed", &seed, "--out", dir.to_str().unwrap()];
    args.extend(flags);
    run_ok(&args);
    dir.join("letters.pdf")
}

/// The generator's index: (item id, first page, page count) of every letter.
fn truth(dir: &Path) -> Vec<(String, usize, usize)> {
    let text = std::fs::read_to_string(dir.join("letters.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[0].to_string(), f[1].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect()
}

/// Generated letters in a temporary folder (`in/letters.pdf`) and their true split.
fn sample(
    count: usize,
    seed: u64,
    flags: &[&str],
) -> (tempfile::TempDir, PathBuf, Vec<(String, usize, usize)>) {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("in");
    let pdf = letters(&sample, count, seed, flags);
    let expected = truth(&sample);
    (dir, pdf, expected)
}

fn impose(inputs: &[&Path], out: &Path, job: &str, extra: &[&str]) -> Manifest {
    let mut args: Vec<&str> = vec!["impose"];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--out", out.to_str().unwrap(), "--job", job]);
    args.extend(extra);
    run_ok(&args);
    let manifest = read_manifest(out);
    assert_qpdf_clean(&out.join(format!("{job}.pdf")));
    manifest
}

/// What the manifest says the items are, as (id, first page, page count).
fn items(manifest: &Manifest) -> Vec<(String, usize, usize)> {
    manifest.items.iter().map(|i| (i.id.clone(), i.first_page, i.pages)).collect()
}

/// The items' page ranges as (first page, page count): what the manifest says and the truth.
fn ranges(manifest: &Manifest) -> Vec<(usize, usize)> {
    manifest.items.iter().map(|i| (i.first_page, i.pages)).collect()
}

fn true_ranges(truth: &[(String, usize, usize)]) -> Vec<(usize, usize)> {
    truth.iter().map(|e| (e.1, e.2)).collect()
}

fn fails(args: &[&str]) -> String {
    let mut command = sheetseal();
    command.args(args);
    let output = run_with_limit(command, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "expected exit 1 for {args:?}: {stderr}");
    assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn outline_text_dpart_and_index_rules_find_the_generated_letters() {
    let (dir, pdf, expected) = sample(14, 21, &["--outline", "--dparts"]);
    let index = format!("index:{}", dir.path().join("in/letters.csv").display());
    for (n, split) in
        ["outline", r"text:Ref: (L\d{7})", "dpart:id=Recipient.ID", &index].into_iter().enumerate()
    {
        let out = dir.path().join(format!("job{n}"));
        let manifest = impose(&[&pdf], &out, "R", &["--split", split]);
        assert_eq!(items(&manifest), expected, "{split}");
        assert_every_page_accounted_for(&manifest);
        assert_eq!(manifest.config["split"]["rule"], split.split(':').next().unwrap(), "{split}");
    }
    // A rule that starts items on "Page 1 of" in the footer region gives sequence numbers.
    let out = dir.path().join("footer");
    let manifest =
        impose(&[&pdf], &out, "R", &["--split", "text:Page 1 of", "--split-region", "60,280,90,10"]);
    assert_eq!(ranges(&manifest), true_ranges(&expected));
    assert_eq!(manifest.items[0].id, "000001");
}

#[test]
fn a_text_split_read_by_worker_processes_finds_the_same_letters_in_encrypted_input_too() {
    let (dir, pdf, expected) = sample(40, 17, &[]);
    let encrypted = dir.path().join("encrypted.pdf");
    let mut command = tool("qpdf");
    command.args(["--encrypt", "user-pw", "owner-pw", "256", "--"]).arg(&pdf).arg(&encrypted);
    tool_ok(command);
    for (input, workers) in [(&pdf, "1"), (&pdf, "3"), (&encrypted, "3")] {
        let out = dir.path().join(format!("w{workers}-{}", input.file_stem().unwrap().to_str().unwrap()));
        let mut command = sheetseal();
        command.env("SHEETSEAL_TEXT_WORKERS", workers).arg("impose").arg(input).arg("--out").arg(&out);
        command.args(["--job", "T", "--split", r"text:Ref: (L\d{7})", "--password", "user-pw"]);
        let output = run_with_limit(command, Duration::from_secs(300));
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let manifest = read_manifest(&out);
        assert_eq!(items(&manifest), expected, "{workers} worker(s), {}", input.display());
        assert_every_page_accounted_for(&manifest);
    }
    // A worker says what is wrong with its request, as any command does.
    let mut command = sheetseal();
    command.arg("text-worker").stdin(std::process::Stdio::null());
    let output = run_with_limit(command, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not a text worker request"), "{stderr}");

    // A worker never reads another file than the job did (an upload replaced meanwhile).
    let request = serde_json::json!({
        "path": pdf, "pages": expected.iter().map(|e| e.2).sum::<usize>(), "first": 0, "end": 1,
        "identity": {"device": 0, "inode": 0, "size": 1, "modified": null},
        "rule": {"pattern": "Ref", "region": null, "when": "start"}, "password": null,
        "limits": sheetseal_core::limits::Limits::default(),
    });
    let mut child = sheetseal()
        .arg("text-worker")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), &request).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("replaced or written to") && output.stdout.is_empty(), "{stderr}");
}

#[test]
fn blank_separators_are_dropped_and_accounted_for_in_the_manifest() {
    let (dir, pdf, expected) = sample(9, 5, &["--separators"]);
    let out = dir.path().join("job");
    let manifest = impose(&[&pdf], &out, "B", &["--split", "blank"]);
    assert_eq!(ranges(&manifest), true_ranges(&expected));
    let separators: Vec<usize> = expected[..expected.len() - 1].iter().map(|e| e.1 + e.2).collect();
    assert_eq!(manifest.dropped.iter().map(|d| d.page).collect::<Vec<_>>(), separators);
    assert_eq!(manifest.counts.dropped_pages, separators.len());
    assert_every_page_accounted_for(&manifest);
    // The separators are not printed: no output page shows an empty input page.
    let texts = page_texts(&out.join("B.pdf"));
    for sheet in &manifest.sheets {
        assert!(!texts[sheet.front_page - 1].is_empty(), "sheet {} front is blank", sheet.seq);
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let reasons: Vec<&str> =
        json["dropped"].as_array().unwrap().iter().map(|d| d["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, vec!["blank-separator"; separators.len()], "{json}");
}

#[test]
fn index_columns_and_document_part_metadata_reach_the_manifest() {
    let (dir, pdf, expected) = sample(6, 2, &["--dparts"]);
    let mut index = String::from("item_id,first_page,page_count,name,feeder\n");
    for (n, (id, first, count)) in expected.iter().enumerate() {
        index.push_str(&format!("{id},{first},{count},\"Name {n}, Town\",{}\n", n % 3));
    }
    let index_path = dir.path().join("index.csv");
    std::fs::write(&index_path, index).unwrap();
    let manifest = impose(
        &[&pdf],
        &dir.path().join("j1"),
        "M",
        &["--split", &format!("index:{}", index_path.display())],
    );
    for (n, item) in manifest.items.iter().enumerate() {
        assert_eq!(item.metadata.get("name"), Some(&format!("Name {n}, Town")));
        assert_eq!(item.metadata.get("feeder"), Some(&(n % 3).to_string()));
        assert_eq!(item.metadata.len(), 2);
    }
    let manifest = impose(&[&pdf], &dir.path().join("j2"), "M", &["--split", "dpart"]);
    for (item, (id, _, count)) in manifest.items.iter().zip(&expected) {
        assert_eq!(item.metadata.get("Recipient.ID"), Some(id));
        assert_eq!(item.metadata.get("PageCount"), Some(&count.to_string()));
    }
    let manifest = impose(
        &[&pdf],
        &dir.path().join("j3"),
        "M",
        &["--split", r"text:Ref: (L\d+).*\s+Customer no\. (?P<customer>[\d-]+)"],
    );
    assert!(manifest.items.iter().all(|i| i.metadata["customer"].len() == 12));
}

#[test]
fn a_folder_of_single_letter_files_and_several_inputs_are_split_by_one_rule() {
    let (dir, pdf, expected) = sample(4, 3, &[]);
    let folder = dir.path().join("letters");
    std::fs::create_dir(&folder).unwrap();
    for (n, (id, first, count)) in expected.iter().enumerate().rev() {
        let range = format!("{first}-{}", first + count - 1);
        let target = folder.join(format!("{:02}-{id}.pdf", n + 1));
        let mut command = tool("qpdf");
        command.args(["--empty", "--pages"]).arg(&pdf).arg(&range).arg("--").arg(&target);
        tool_ok(command);
    }
    std::fs::write(folder.join("notes.txt"), "not a PDF").unwrap();
    let out = dir.path().join("files");
    let rule = format!("files:{}", folder.display());
    let options = ["--split", &rule, "--out", out.to_str().unwrap(), "--job", "F"];
    run_ok(&[&["impose"], &options[..]].concat());
    let manifest = read_manifest(&out);
    let ids: Vec<&str> = manifest.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["01-L0000001", "02-L0000002", "03-L0000003", "04-L0000004"]);
    assert_eq!(manifest.inputs.len(), 4);
    for (n, item) in manifest.items.iter().enumerate() {
        assert_eq!((item.input, item.first_page, item.pages), (n, 1, expected[n].2));
    }
    assert_every_page_accounted_for(&manifest);
    let message = fails(&[&["impose", pdf.to_str().unwrap()], &options[..]].concat());
    assert!(message.contains("give no input files as well"), "{message}");

    // Two inputs, each split by the same text rule.
    let other = letters(&dir.path().join("other"), 3, 4, &[]);
    let manifest = impose(&[&pdf, &other], &dir.path().join("two"), "T", &["--split", r"text:Ref: (L\d+)"]);
    let found: Vec<(usize, &str)> = manifest.items.iter().map(|i| (i.input, i.id.as_str())).collect();
    assert_eq!(
        found,
        [
            (0, "L0000001"),
            (0, "L0000002"),
            (0, "L0000003"),
            (0, "L0000004"),
            (1, "L0000001"),
            (1, "L0000002"),
            (1, "L0000003")
        ]
    );
    assert_every_page_accounted_for(&manifest);
}

/// The data of every image and font program `pdf` holds, as the file holds it.
fn images_and_font_programs(pdf: &Path) -> Vec<Vec<u8>> {
    let doc = lopdf::Document::load(pdf).unwrap();
    let programs: std::collections::BTreeSet<lopdf::ObjectId> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .flat_map(|d| {
            [&b"FontFile"[..], b"FontFile2", b"FontFile3"].map(|k| d.get(k).and_then(|r| r.as_reference()))
        })
        .filter_map(Result::ok)
        .collect();
    doc.objects
        .iter()
        .filter_map(|(id, o)| Some((id, o.as_stream().ok()?)))
        .filter(|(id, s)| {
            programs.contains(id) || matches!(s.dict.get(b"Subtype").and_then(|t| t.as_name()), Ok(b"Image"))
        })
        .map(|(_, s)| s.content.clone())
        .collect()
}

/// Per page of `pdf`, the size of each image it shows, as poppler's `pdfimages -list` reads it.
fn image_sizes_by_page(pdf: &Path) -> std::collections::BTreeMap<usize, Vec<(u32, u32)>> {
    let mut command = tool("pdfimages");
    command.arg("-list").arg(pdf);
    let listing = String::from_utf8(tool_ok(command).stdout).unwrap();
    let mut pages = std::collections::BTreeMap::<usize, Vec<(u32, u32)>>::new();
    for line in listing.lines().skip(2) {
        let f: Vec<&str> = line.split_whitespace().collect();
        pages.entry(f[0].parse().unwrap()).or_default().push((f[3].parse().unwrap(), f[4].parse().unwrap()));
    }
    pages
}

#[test]
fn fonts_and_images_every_file_of_a_folder_carries_are_printed_once() {
    // One file a letter, each generated on its own: each carries its own copy of the font and
    // the logo, as a composition system writing a file a letter makes them.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("letters");
    std::fs::create_dir(&folder).unwrap();
    let files: Vec<PathBuf> = (1..=5u64)
        .map(|n| {
            let file = folder.join(format!("{n:02}.pdf"));
            std::fs::rename(letters(&dir.path().join(format!("gen{n}")), 1, n, &[]), &file).unwrap();
            file
        })
        .collect();
    let out = dir.path().join("job");
    let rule = format!("files:{}", folder.display());
    run_ok(&["impose", "--split", &rule, "--out", out.to_str().unwrap(), "--job", "SHARED"]);
    let manifest = read_manifest(&out);
    assert_every_page_accounted_for(&manifest);
    let printed = out.join(&manifest.outputs[0].path);
    assert_qpdf_clean(&printed);

    let carried: Vec<Vec<u8>> = files.iter().flat_map(|f| images_and_font_programs(f)).collect();
    let distinct: std::collections::BTreeSet<&Vec<u8>> = carried.iter().collect();
    assert!(distinct.len() < carried.len(), "the files carry the same font and logo: the test needs them");
    let held = images_and_font_programs(&printed);
    assert_eq!(held.len(), distinct.len(), "each image and font program once");
    assert_eq!(held.iter().collect::<std::collections::BTreeSet<_>>(), distinct);

    // Every page still shows its text, through the one font, and its images.
    assert_pages_in_their_cells(&manifest, &out, &files);
    let printed_images = image_sizes_by_page(&printed);
    let input_images: Vec<_> = files.iter().map(|f| image_sizes_by_page(f)).collect();
    for leaf in &manifest.sheets {
        for page in &leaf.pages {
            let Some(source) = page.source else { continue };
            let number = match page.side {
                sheetseal_core::plan::Side::Front => leaf.front_page,
                sheetseal_core::plan::Side::Back => leaf.back_page.expect("duplex"),
            };
            assert_eq!(
                printed_images.get(&number),
                input_images[source.input].get(&source.page),
                "output page {number} shows the images of input {} page {}",
                source.input,
                source.page
            );
        }
    }
}

#[test]
fn items_over_the_sheet_limit_fail_with_their_pages_or_are_diverted() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = letters(&dir.path().join("in"), 5, 1, &[]);
    let pages = page_count(&pdf);
    let whole = format!("fixed:{pages}");
    let out = dir.path().join("job");
    let message = fails(&[
        "impose",
        pdf.to_str().unwrap(),
        "--split",
        &whole,
        "--max-sheets-per-item",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--job",
        "O",
    ]);
    assert!(message.contains(&format!("item 1 '000001' (input 1, pages 1 to {pages})")), "{message}");
    assert!(message.contains("--on-oversize divert"), "{message}");
    assert!(!out.join("O.pdf").exists());
    let manifest = impose(
        &[&pdf],
        &out,
        "O",
        &["--split", &whole, "--max-sheets-per-item", "2", "--on-oversize", "divert"],
    );
    assert!(manifest.items[0].diverted);
    assert_eq!(manifest.counts.diverted_items, 1);
    assert_eq!(manifest.counts.sheets, pages.div_ceil(2));
}

#[test]
fn split_check_reports_what_a_rule_finds_and_where_it_fails() {
    let (dir, pdf, expected) = sample(12, 7, &["--separators"]);
    let pdf = pdf.to_str().unwrap();
    let output = run_ok(&["split-check", pdf, "--split", "blank", "--items"]);
    let text = String::from_utf8_lossy(&output.stdout);
    let pages: usize = expected.iter().map(|e| e.2).sum();
    assert!(text.contains(&format!("12 items with {pages} pages; 11 page(s) dropped")), "{text}");
    assert!(text.contains("pages per item:") && text.contains("sheets per item:"), "{text}");
    for (n, (_, first, count)) in expected.iter().enumerate() {
        let line = format!(
            "{:>7}  {:<24}  {:>3}  {first}-{} ({count})",
            n + 1,
            format!("{:06}", n + 1),
            1,
            first + count - 1
        );
        assert!(text.contains(&line), "{line:?} in\n{text}");
    }
    let histogram_total: usize = text
        .lines()
        .skip_while(|l| !l.starts_with("pages per item"))
        .skip(1)
        .take_while(|l| l.contains('|'))
        .map(|l| l.split('|').nth(1).unwrap().split_whitespace().next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(histogram_total, 12);
    assert!(std::fs::read_dir(dir.path().join("in")).unwrap().count() == 2, "split-check writes nothing");

    // A reader that stops early (a pager quit, `| head`): no panic, no "internal error", and the
    // status a program stopped by SIGPIPE has, so that a script cannot take it for a finished
    // report.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = sheetseal();
    command.args(["split-check", pdf, "--split", "blank", "--items"]);
    command.stdout(writer).stderr(std::process::Stdio::piped());
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");

    let m = fails(&["split-check", pdf, "--split", "text:no such words"]);
    assert!(m.contains("matches no page"), "{m}");
    let second = format!("text:Ref: {}", expected[1].0);
    let m = fails(&["split-check", pdf, "--split", &second]);
    assert!(
        m.contains(&format!(
            "page 1 does not start an item (the first item starts on page {})",
            expected[1].1
        )),
        "{m}"
    );
    let m = fails(&["split-check", pdf, "--split", "outline"]);
    assert!(m.contains("no outline"), "{m}");
    let m = fails(&["split-check", pdf, "--split", "fixed:1", "--split-when", "end"]);
    assert!(m.contains("apply to --split text:REGEX"), "{m}");
    // A pattern that does not compile is a usage error, refused by argument parsing (exit 2).
    let mut command = sheetseal();
    command.args(["split-check", pdf, "--split", "text:(unclosed"]);
    let output = run_with_limit(command, Duration::from_secs(60));
    let m = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && m.contains("invalid text pattern '(unclosed'"), "{m}");
}

#[test]
fn real_files_are_split_or_refused_clearly_by_every_rule() {
    let corpus = public_corpus();
    let nested = corpus.join("inherited-nested-outline.pdf");
    let output = run_ok(&["split-check", nested.to_str().unwrap(), "--split", "outline", "--items"]);
    let text = String::from_utf8_lossy(&output.stdout);
    for line in
        ["1  1. Introduction", "2  2. Main Content", "3  3. Conclusion", "1-3 (3)", "4-6 (3)", "7-9 (3)"]
    {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    // The blank page of a PDF/A sample is blank; a text rule finds the text of a real paper.
    let m = fails(&[
        "split-check",
        corpus.join("linearized-blank-pdfa.pdf").to_str().unwrap(),
        "--split",
        "blank",
    ]);
    assert!(m.contains("all 1 pages are blank"), "{m}");
    let paper = corpus.join("normal-tracemonkey.pdf");
    let output =
        run_ok(&["split-check", paper.to_str().unwrap(), "--split", "text:Trace-based Just-in-Time"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 items with 14 pages"));

    let listing = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let usable: Vec<&str> = listing
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() > 6 && f[6] != "error").then_some(f[0])
        })
        .collect();
    assert!(usable.len() > 40);
    for file in usable {
        let path = corpus.join(file);
        for rule in ["outline", "blank", "text:.", "dpart"] {
            let mut command = sheetseal();
            command.args(["split-check", path.to_str().unwrap(), "--split", rule, "--on-oversize", "divert"]);
            let output = run_with_limit(command, Duration::from_secs(60));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("panicked"), "{file} {rule}: {stderr}");
            match output.status.code() {
                Some(0) => {}
                Some(1) => {
                    assert!(stderr.starts_with("error: ") && stderr.contains(file), "{file} {rule}: {stderr}")
                }
                other => panic!("{file} {rule}: exit {other:?}\n{stderr}"),
            }
        }
    }
}

/// The text rule on 10,000 generated letters finds exactly the letters the generator wrote.
/// Slow in a debug build: `cargo test --release -p sheetseal-cli -- --ignored ten_thousand`.
#[test]
#[ignore]
fn ten_thousand_letters_are_found_exactly_by_the_text_rule() {
    let (_dir, pdf, expected) = sample(10_000, 1, &[]);
    let pages: usize = expected.iter().map(|e| e.2).sum();
    let started = Instant::now();
    let mut command = sheetseal();
    command.args(["split-check", pdf.to_str().unwrap(), "--split", r"text:Ref: (L\d{7})", "--items"]);
    // `output` reads the 10,000 item lines while the command runs (a pipe holds only 64 KB).
    // About 1.5 ms a page on one core: 30,000 pages take most of a minute.
    let output = command.output().expect("run split-check");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seconds = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&output.stdout);
    let found: Vec<(String, usize, usize)> = text
        .lines()
        .skip_while(|l| !l.starts_with("items"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (first, _) = f[3].split_once('-').unwrap();
            (f[1].to_string(), first.parse().unwrap(), f[4].trim_matches(['(', ')']).parse().unwrap())
        })
        .collect();
    assert_eq!(found, expected);
    eprintln!("text rule: {pages} pages in {seconds:.1} s, {:.0} pages/s", pages as f64 / seconds);
}
