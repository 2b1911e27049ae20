//! The public API: determinism, the index, spec validation and error reporting.

use sheetseal_corpus::{
    generate, letter_records, write_pdf, CorpusError, CorpusSpec, LetterRecord, MAX_LETTERS,
};
use std::fs;

fn spec(letters: usize, seed: u64) -> CorpusSpec {
    CorpusSpec { letters, seed, ..CorpusSpec::default() }
}

#[test]
fn default_spec() {
    let d = CorpusSpec::default();
    assert_eq!((d.letters, d.seed, d.outline), (300, 1, false));
}

#[test]
fn same_spec_gives_identical_files() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let s = CorpusSpec { outline: true, ..spec(25, 7) };
    let sa = generate(&s, a.path()).unwrap();
    let sb = generate(&s, b.path()).unwrap();
    assert_eq!(fs::read(&sa.pdf_path).unwrap(), fs::read(&sb.pdf_path).unwrap());
    assert_eq!(fs::read(&sa.index_path).unwrap(), fs::read(&sb.index_path).unwrap());
    assert_eq!((sa.letters, sa.pages, sa.pdf_bytes), (sb.letters, sb.pages, sb.pdf_bytes));
    assert_eq!(sa.pdf_bytes, fs::metadata(&sa.pdf_path).unwrap().len());

    // Regenerating in place gives the same bytes again and leaves no temporary files.
    let again = generate(&s, a.path()).unwrap();
    assert_eq!(fs::read(&again.pdf_path).unwrap(), fs::read(&sb.pdf_path).unwrap());
    let names: Vec<String> = fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn different_seeds_give_different_files() {
    let mut one = Vec::new();
    let mut two = Vec::new();
    write_pdf(&spec(10, 1), &mut one).unwrap();
    write_pdf(&spec(10, 2), &mut two).unwrap();
    assert_ne!(one, two);
}

#[test]
fn a_letter_does_not_depend_on_the_corpus_size() {
    // Letter 3 of a 5-letter corpus has the same page count as letter 3 of a 50-letter one.
    let small = letter_records(&spec(5, 9)).unwrap();
    let big = letter_records(&spec(50, 9)).unwrap();
    assert_eq!(small[..], big[..5]);
}

fn check_index(records: &[LetterRecord]) -> usize {
    let mut next = 1;
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.item_id, format!("L{:07}", i + 1));
        assert_eq!(r.first_page, next, "{r:?}");
        assert!((1..=6).contains(&r.page_count), "{r:?}");
        next += r.page_count;
    }
    next - 1
}

#[test]
fn index_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&spec(40, 3), dir.path()).unwrap();
    let csv = fs::read_to_string(&summary.index_path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("item_id,first_page,page_count"));
    let records: Vec<LetterRecord> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 3, "{l}");
            LetterRecord {
                item_id: f[0].to_string(),
                first_page: f[1].parse().unwrap(),
                page_count: f[2].parse().unwrap(),
            }
        })
        .collect();
    assert_eq!(records.len(), 40);
    assert_eq!(check_index(&records), summary.pages);
    assert!(csv.ends_with('\n'));

    let mut pdf = Vec::new();
    assert_eq!(write_pdf(&spec(40, 3), &mut pdf).unwrap(), records);
    assert_eq!(letter_records(&spec(40, 3)).unwrap(), records);
}

#[test]
fn page_counts_are_skewed_like_real_mail() {
    let records = letter_records(&spec(10_000, 1)).unwrap();
    let pages = check_index(&records);
    assert!((28_500..=31_500).contains(&pages), "{pages} pages");
    let mut histogram = [0usize; 7];
    for r in &records {
        histogram[r.page_count] += 1;
    }
    assert!(histogram[1] > histogram[5] && histogram[5] > histogram[6], "{histogram:?}");
}

#[test]
fn invalid_specs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for letters in [0, MAX_LETTERS + 1] {
        let err = generate(&spec(letters, 1), dir.path()).unwrap_err();
        assert!(matches!(err, CorpusError::InvalidSpec(_)), "{err}");
        let err = write_pdf(&spec(letters, 1), Vec::new()).unwrap_err();
        assert!(matches!(err, CorpusError::InvalidSpec(_)), "{err}");
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn io_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    fs::write(&file, b"x").unwrap();
    let err = generate(&spec(1, 1), &file.join("out")).unwrap_err();
    match &err {
        CorpusError::Io { path, .. } => assert!(path.starts_with(&file), "{path:?}"),
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

#[test]
fn writer_errors_are_reported() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = write_pdf(&spec(50, 1), Broken).unwrap_err();
    assert!(matches!(err, CorpusError::Write(_)), "{err}");
}
