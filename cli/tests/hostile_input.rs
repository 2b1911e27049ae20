//! Broken, encrypted and hostile input: every refusal says what is wrong, where and what to do;
//! every repair is reported; every limit holds, with its flag; bombs end fast in bounded memory.

use std::path::Path;
use std::time::Duration;

use sheetseal_core::manifest::Manifest;

use crate::fixtures::*;
use crate::measure::{run_measured, Measured};
use crate::util::*;

/// Runs `impose` with `args` on `input` into `out`, fixed:1, measured.
fn impose(input: &str, out: &Path, args: &[&str]) -> Measured {
    let mut command = sheetseal();
    command.args(["impose", input, "--job", "HOST", "--split", "fixed:1", "--out"]).arg(out).args(args);
    run_measured(command, Duration::from_secs(120))
}

/// Asserts a clear refusal (exit 1, no output) and returns the message.
fn refused(run: &Measured, out: &Path) -> String {
    assert_eq!(run.status.code(), Some(1), "expected a refusal:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let left: Vec<_> =
        std::fs::read_dir(out).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "a refused job left {left:?}");
    run.stderr.clone()
}

fn succeeded(run: &Measured, out: &Path) -> Manifest {
    assert!(run.status.success(), "failed: {}", run.stderr);
    assert_qpdf_clean(&out.join("HOST.pdf"));
    read_manifest(out)
}

fn codes(manifest: &Manifest) -> Vec<&str> {
    manifest.warnings.iter().map(|w| w.code.as_str()).collect()
}

fn corpus_file(name: &str) -> String {
    public_corpus().join(name).to_string_lossy().into_owned()
}

/// The files the corpus expects to be refused, each with what its message must say.
const REFUSALS: &[(&str, &[&str])] = &[
    ("broken-fatal-empty-file.pdf", &["is empty (0 bytes)", "send it again"]),
    ("broken-fatal-fuzz-junk.pdf", &["is not a PDF", "'%PDF-' header", "ask the customer"]),
    ("broken-fatal-not-a-pdf.pdf", &["is not a PDF", "'%PDF-' header", "ask the customer"]),
    (
        "broken-fatal-truncated-issue507.pdf",
        &["cannot be read as a PDF", "after 56150 bytes", "cut off", "send it again"],
    ),
    ("encrypted-pw-aes128.pdf", &["password to open it", "--password"]),
    ("encrypted-pw-aes256-r6.pdf", &["password to open it", "--password"]),
    ("encrypted-pw-rc4-40.pdf", &["password to open it", "--password"]),
    ("encrypted-pw-rc4-r4.pdf", &["password to open it", "--password"]),
    ("hostile-page-tree-cycle.pdf", &["page tree loops back on itself at object 3 0 R", "export it again"]),
    ("hostile-pages-loop.pdf", &["page tree loops back on itself at object 2 0 R", "export it again"]),
];

/// Every `error` file of the corpus manifest, and every `repairable` one.
fn corpus_files(expected: &str) -> Vec<String> {
    let text = std::fs::read_to_string(public_corpus().join("MANIFEST.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.get(6) == Some(&expected)).then(|| f[0].to_string())
        })
        .collect()
}

#[test]
fn every_refused_corpus_file_says_what_is_wrong_and_what_to_do() {
    let errors = corpus_files("error");
    let listed: Vec<&str> = REFUSALS.iter().map(|(f, _)| *f).collect();
    assert_eq!(errors, listed, "every `error` file of the corpus needs its expected message here");
    let dir = tempfile::tempdir().unwrap();
    for (file, needles) in REFUSALS {
        let out = dir.path().join(file);
        let message = refused(&impose(&corpus_file(file), &out, &[]), &out);
        assert!(message.contains(file), "{file}: the message names the file: {message}");
        for needle in *needles {
            assert!(message.contains(needle), "{file}: expected '{needle}' in: {message}");
        }
    }
}

#[test]
fn every_corpus_file_ends_quickly_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut worst = (Duration::ZERO, 0u64);
    for file in ["ok", "repairable", "error"].iter().flat_map(|e| corpus_files(e)) {
        let out = dir.path().join(&file);
        let run = impose(&corpus_file(&file), &out, &[]);
        assert!(matches!(run.status.code(), Some(0 | 1)), "{file}: {:?}\n{}", run.status, run.stderr);
        assert!(run.elapsed < Duration::from_secs(30), "{file}: {:?}", run.elapsed);
        assert!(run.max_rss_kib < 512 * 1024, "{file}: peak RSS {} KiB", run.max_rss_kib);
        worst = (worst.0.max(run.elapsed), worst.1.max(run.max_rss_kib));
    }
    eprintln!("corpus: slowest {:?}, largest peak RSS {} MiB", worst.0, worst.1 / 1024);
}

#[test]
fn repaired_files_are_printed_and_the_repair_is_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let repairable = corpus_files("repairable");
    assert!(repairable.len() >= 5, "{repairable:?}");
    for file in repairable {
        let out = dir.path().join(&file);
        let manifest = succeeded(&impose(&corpus_file(&file), &out, &[]), &out);
        let codes = codes(&manifest);
        assert!(
            codes.iter().any(|c| matches!(*c, "input-repaired" | "input-objects-unreadable")),
            "{file}: no repair warning in {codes:?}"
        );
    }
    // A sound file gets none.
    let out = dir.path().join("sound");
    let manifest = succeeded(&impose(&corpus_file("normal-qpdf-11-pages.pdf"), &out, &[]), &out);
    assert!(!codes(&manifest).iter().any(|c| c.starts_with("input-")), "{:?}", codes(&manifest));
}

#[test]
fn owner_password_only_files_print_with_a_warning_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "encrypted-nopw-aes128-r4.pdf",
        "encrypted-nopw-aes256-r6.pdf",
        "encrypted-nopw-qpdf-v4-rc4.pdf",
        "encrypted-nopw-rc4-40-r2.pdf",
    ] {
        // With or without a (needless) password, they are owner-password-only files.
        for args in [&[][..], &["--password", "anything"][..]] {
            let out = dir.path().join(format!("{file}{}", args.len()));
            let manifest = succeeded(&impose(&corpus_file(file), &out, args), &out);
            let codes = codes(&manifest);
            assert!(codes.contains(&"input-owner-password-only"), "{file} {args:?}: {codes:?}");
            assert!(!codes.contains(&"input-decrypted"), "{file} {args:?}: {codes:?}");
        }
    }
}

#[test]
fn user_password_files_open_with_their_password_and_only_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("encrypted-pw-aes128.pdf", "testpw"),
        ("encrypted-pw-aes256-r6.pdf", "view"),
        ("encrypted-pw-aes256-r6.pdf", "master"), // the owner password opens it too
        ("encrypted-pw-rc4-40.pdf", "testpw"),
        ("encrypted-pw-rc4-r4.pdf", "asdfzxcv"),
    ];
    for (i, (file, password)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("ok{i}"));
        let manifest = succeeded(&impose(&corpus_file(file), &out, &["--password", password]), &out);
        let codes = codes(&manifest);
        assert!(
            codes.contains(&"input-decrypted") && !codes.contains(&"input-owner-password-only"),
            "{file}: {codes:?}"
        );
        let serialised = std::fs::read_to_string(out.join("manifest.json")).unwrap();
        assert!(!serialised.contains(password), "{file}: the password is never recorded");

        let out = dir.path().join(format!("wrong{i}"));
        let message = refused(&impose(&corpus_file(file), &out, &["--password", "not-it"]), &out);
        assert!(message.contains("opens neither as the user nor as the owner password"), "{file}: {message}");
        assert!(!message.contains("not-it"), "the password is never printed: {message}");
    }
    // The password file gives its first line.
    let password_file = write(dir.path(), "pw.txt", b"asdfzxcv\nignored\n");
    let out = dir.path().join("file");
    let run = impose(&corpus_file("encrypted-pw-rc4-r4.pdf"), &out, &["--password-file", &password_file]);
    succeeded(&run, &out);
}

#[test]
fn a_decompression_bomb_is_refused_within_seconds_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 4 GiB of zeros in a 4 MB page content stream.
    let bomb = zeros_bomb(4096);
    assert!(bomb.len() < 5 << 20, "{}", bomb.len());
    let pdf = raw_pdf(&pages_pdf(1, HELVETICA, |_| stream("/Filter /FlateDecode", &bomb)), 1);
    let input = write(dir.path(), "bomb.pdf", &pdf);
    let out = dir.path().join("out");
    let run = impose(&input, &out, &[]);
    let message = refused(&run, &out);
    assert!(
        message.contains("page 1: object 100 0 R decompresses to more than 64 MiB")
            && message.contains("bomb"),
        "{message}"
    );
    eprintln!("content-stream bomb: refused in {:?}, peak RSS {} MiB", run.elapsed, run.max_rss_kib / 1024);
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
    assert!(run.max_rss_kib < 400 * 1024, "peak RSS {} KiB", run.max_rss_kib);

    // The same bomb as an object stream, which the reader inflates while opening the file.
    let objects = vec![
        (1, b"<</Type /Catalog/Pages 2 0 R>>".to_vec()),
        (2, b"<</Type /Pages/Kids [3 0 R]/Count 1>>".to_vec()),
        (3, b"<</Type /Page/Parent 2 0 R/MediaBox [0 0 595 842]>>".to_vec()),
        (4, stream("/Type /ObjStm/N 1/First 4/Filter /FlateDecode", &bomb)),
    ];
    let input = write(dir.path(), "objstm-bomb.pdf", &raw_pdf(&objects, 1));
    let out = dir.path().join("out2");
    let run = impose(&input, &out, &[]);
    let message = refused(&run, &out);
    assert!(message.contains("decompresses to more than 64 MiB"), "{message}");
    eprintln!("object-stream bomb: refused in {:?}, peak RSS {} MiB", run.elapsed, run.max_rss_kib / 1024);
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
    assert!(run.max_rss_kib < 400 * 1024, "peak RSS {} KiB", run.max_rss_kib);

    // The same bomb as an embedded font program, which sheetseal copies without using it: it
    // would reach the printer's RIP.
    let font = "<</Font <</F1 <</Type /Font/Subtype /TrueType/BaseFont /Bomb/FontDescriptor 300 0 R>>>>>>";
    let mut objects = pages_pdf(1, font, |_| text_content("Dear customer"));
    objects.push((300, b"<</Type /FontDescriptor/FontName /Bomb/Flags 32/FontFile2 301 0 R>>".to_vec()));
    objects.push((301, stream("/Filter /FlateDecode", &bomb)));
    let input = write(dir.path(), "font-bomb.pdf", &raw_pdf(&objects, 1));
    let out = dir.path().join("out3");
    let run = impose(&input, &out, &[]);
    let message = refused(&run, &out);
    assert!(message.contains("page 1: object 301 0 R decompresses to more than 64 MiB"), "{message}");
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
    assert!(run.max_rss_kib < 400 * 1024, "peak RSS {} KiB", run.max_rss_kib);
    // pdfium inflates fonts without a limit of its own: the page is checked before a text
    // split hands it over, as before the clear-zone check renders it.
    let mut command = sheetseal();
    command.args(["impose", &input, "--job", "HOST", "--split", "text:Dear", "--out"]).arg(&out);
    let run = run_measured(command, Duration::from_secs(120));
    let message = refused(&run, &out);
    assert!(message.contains("page 1") && message.contains("decompresses to more than 64 MiB"), "{message}");
    assert!(run.max_rss_kib < 400 * 1024, "peak RSS {} KiB", run.max_rss_kib);
}

#[test]
fn the_job_budget_stops_many_streams_that_each_stay_below_the_stream_limit() {
    let dir = tempfile::tempdir().unwrap();
    // 63 MiB each: below the 64 MiB stream limit, but too close for the filter bound to vouch
    // for, so each is inflated once to check it.
    let chunk = zeros_bomb(63);
    let pdf = raw_pdf(&pages_pdf(4, HELVETICA, |_| stream("/Filter /FlateDecode", &chunk)), 1);
    let input = write(dir.path(), "many.pdf", &pdf);
    let out = dir.path().join("out");
    let message = refused(&impose(&input, &out, &["--max-job-decompressed", "128MiB"]), &out);
    assert!(message.contains("more than 128 MiB in total"), "{message}");
    // With the default budget the job goes through.
    let manifest = succeeded(&impose(&input, &out, &[]), &out);
    assert_eq!(manifest.counts.input_pages, 4);
}

#[test]
fn structural_limits_hold_and_each_has_a_flag() {
    let dir = tempfile::tempdir().unwrap();

    // A page tree 80 levels deep.
    let mut objects = vec![(1, b"<</Type /Catalog/Pages 2 0 R>>".to_vec())];
    for level in 0..80u32 {
        objects.push((2 + level, format!("<</Type /Pages/Kids [{} 0 R]/Count 1>>", 3 + level).into_bytes()));
    }
    objects.push((82, b"<</Type /Page/MediaBox [0 0 595 842]/Contents 83 0 R/Resources <<>>>>".to_vec()));
    objects.push((83, stream("", b"0 0 10 10 re f")));
    let deep_tree = write(dir.path(), "deep-tree.pdf", &raw_pdf(&objects, 1));
    assert_limit(
        dir.path(),
        &deep_tree,
        &[],
        "page tree is nested deeper than 64 levels (--max-page-tree-depth)",
        &["--max-page-tree-depth", "100"],
    );

    // Objects per file.
    let eleven = corpus_file("normal-qpdf-11-pages.pdf");
    assert_limit(
        dir.path(),
        &eleven,
        &["--max-objects", "10"],
        "more than the limit of 10 (--max-objects)",
        &[],
    );

    // Forms drawn inside forms, 40 deep.
    let mut objects = pages_pdf(1, "<</XObject <</F 200 0 R>>>>", |_| stream("", b"/F Do"));
    for level in 0..40u32 {
        let (content, resources) = match level {
            39 => ("0 0 10 10 re f".to_string(), "<<>>".to_string()),
            _ => ("/F Do".to_string(), format!("<</XObject <</F {} 0 R>>>>", 201 + level)),
        };
        let dict = format!("/Type /XObject/Subtype /Form/BBox [0 0 100 100]/Resources {resources}");
        objects.push((200 + level, stream(&dict, content.as_bytes())));
    }
    let deep_forms = write(dir.path(), "deep-forms.pdf", &raw_pdf(&objects, 1));
    assert_limit(
        dir.path(),
        &deep_forms,
        &[],
        "page 1: object 200 0 R draws forms nested deeper than 32 levels",
        &["--max-form-nesting", "64"],
    );

    // A chain of 300 references behind a page's resources.
    let mut objects = pages_pdf(1, "<</ExtGState <</G 300 0 R>>>>", |_| stream("", b"0 0 10 10 re f"));
    for link in 0..300u32 {
        let next = if link < 299 { format!("/Next {} 0 R", 301 + link) } else { String::new() };
        objects.push((300 + link, format!("<</Type /ExtGState{next}>>").into_bytes()));
    }
    let chain = write(dir.path(), "chain.pdf", &raw_pdf(&objects, 1));
    assert_limit(
        dir.path(),
        &chain,
        &[],
        "chain of more than 256 references from a page (--max-reference-depth)",
        &["--max-reference-depth", "400"],
    );

    // An image that declares 40,000 x 40,000 pixels (never decoded).
    let mut objects =
        pages_pdf(1, "<</XObject <</Im 400 0 R>>>>", |_| stream("", b"q 100 0 0 100 0 0 cm /Im Do Q"));
    objects.push((400, stream("/Type /XObject/Subtype /Image/Width 40000/Height 40000/ColorSpace /DeviceGray/BitsPerComponent 8/Filter /FlateDecode", &zeros_bomb(1))));
    let huge = write(dir.path(), "huge-image.pdf", &raw_pdf(&objects, 1));
    let limit = ["--max-image-pixels", "100000000"];
    let needle = "image 400 0 R is 40000 x 40000 pixels, more than the limit of 100000000";
    let manifest = assert_limit(dir.path(), &huge, &limit, needle, &[]);
    let warning = manifest.warnings.iter().find(|w| w.code == "image-large").expect("image-large");
    assert!(warning.message.contains("400 0 R is 40000 x 40000 pixels"), "{}", warning.message);
}

/// Runs `input` with `refusing` options, which must give a refusal that says `needle`, then with
/// `accepting` options, which must give a print file; returns the accepted job's manifest.
fn assert_limit(dir: &Path, input: &str, refusing: &[&str], needle: &str, accepting: &[&str]) -> Manifest {
    let stem = Path::new(input).file_stem().unwrap().to_string_lossy().into_owned();
    let out = dir.join(format!("{stem}-refused"));
    let message = refused(&impose(input, &out, refusing), &out);
    assert!(message.contains(needle), "{stem}: expected '{needle}' in: {message}");
    let out = dir.join(format!("{stem}-accepted"));
    succeeded(&impose(input, &out, accepting), &out)
}

#[test]
fn a_form_that_draws_itself_is_cut_where_viewers_stop() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = impose(&corpus_file("hostile-xobject-cycle.pdf"), &out, &[]);
    let manifest = succeeded(&run, &out);
    let warning = manifest.warnings.iter().find(|w| w.code == "form-loop-cut").expect("form-loop-cut");
    assert!(warning.message.contains("form 6 0 R draws form 5 0 R (/Fm1)"), "{}", warning.message);
    // The red square of the first form is still printed: render the page's corner.
    let gray =
        render_region(&out.join("HOST.pdf"), 1, 72, manifest.sheets[0].size[1], [5.0, 5.0, 30.0, 30.0]);
    let dark = gray.pixels.iter().filter(|&&p| p < 200).count();
    assert!(
        dark * 2 > gray.pixels.len(),
        "the form's square is missing: {dark} dark of {}",
        gray.pixels.len()
    );
}
