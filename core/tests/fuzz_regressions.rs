//! Inputs found by fuzzing (fuzz/, scripts/fuzz.sh) that once broke an invariant, kept as tests
//! named for what they guard. docs/robustness/fuzz-findings.tsv records each finding.

use sheetseal_core::mark::payload::{check_character, PayloadError, SheetPayload};

/// payload_decode, 2026-11-23: "sheet 0 of 84" decoded although no sheet has number 0, so a
/// misread or forged mark could pass for a real one. Decoding accepts only what encoding makes.
#[test]
fn decoded_payloads_are_only_ones_the_encoder_makes() {
    // The fuzzer's input, as found (its check character is right).
    assert_eq!(SheetPayload::decode("DEO-00MO-0002080084R"), Err(PayloadError::Malformed));
    for (body, what) in
        [("A-0000000101", "item 0"), ("A-0000010302", "sheet 3 of 2"), ("A-0000010000", "sheet 0 of 0")]
    {
        // Each with its valid check character, so that only the fields are wrong.
        let text = format!("{body}{}", check_character(body));
        assert_eq!(SheetPayload::decode(&text), Err(PayloadError::Malformed), "{what}: {text}");
    }
    // What the encoder makes still decodes to itself.
    let payload = SheetPayload { job: "DEO-00MO".into(), item_seq: 208, sheet: 84, sheets: 84 };
    let text = payload.encode().unwrap();
    assert_eq!(SheetPayload::decode(&text), Ok(payload));
}

/// pdf_job, 2026-12-06: a damaged file (its cross-reference table points nowhere) whose form
/// 6 0 R our reader cannot read but pdfium, rebuilding the file its own way, reads as drawing
/// form 5 0 R, which draws 6 0 R: pdfium spent 20 s and 4.4 GB rendering the page for the
/// clear-zone check, and a variant whose page draws a name only pdfium's reading resolves did
/// the same. A damaged file is not given to pdfium; nor is a page whose forms, followed as
/// pdfium resolves their names, nest past the limit (loops included) or cannot be read.
#[test]
fn pages_pdfium_could_loop_on_are_kept_from_the_renderer() {
    use sheetseal_core::job::{self, JobConfig};
    use sheetseal_core::split::SplitRule;

    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "damaged",
            include_bytes!("../../fuzz/seeds/pdf_job/damaged-form-loop.pdf").to_vec(),
            "damaged and rebuilt",
        ),
        (
            "damaged-2",
            include_bytes!("../../fuzz/seeds/pdf_job/damaged-form-loop-2.pdf").to_vec(),
            "damaged and rebuilt",
        ),
        // Form 6 0 R has no /XObject resources and draws /Fm1, which pdfium finds in the
        // page's resources: form 5 0 R again.
        ("looping", form_loop("/Resources << >>"), "draws forms nested deeper than"),
        // Form 6 0 R cannot be read, in a file that needs no repair.
        (
            "unreadable",
            form_loop("/Resources << /XObj< /Fm2 6 0 R"),
            "object 6 0 R is drawn on the page but cannot be read",
        ),
    ];
    for (name, bytes, expected) in cases {
        let input = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&input, bytes).unwrap();
        let config =
            JobConfig::new("FUZZ", vec![input], SplitRule::Fixed { pages: 1 }, &dir.path().join(name));
        let outcome = job::run(&config).unwrap();
        let unchecked: Vec<&str> = outcome
            .manifest
            .warnings
            .iter()
            .filter(|w| w.code == "clear-zone-unchecked")
            .map(|w| w.message.as_str())
            .collect();
        assert!(unchecked.iter().any(|m| m.contains(expected)), "{name}: {unchecked:?}");
    }
}

/// The same damaged files under the rules that read pages with pdfium: pdfium's text of a file it
/// rebuilt its own way took 20 s and 4.4 GB, and would be about pages other than those printed.
/// Both are refused at once, with what to do; a well-formed file is still read.
#[test]
fn damaged_files_are_not_split_by_what_pdfium_reads() {
    use sheetseal_core::job::{self, JobConfig};
    use sheetseal_core::split::{SplitRule, TextRule};

    let dir = tempfile::tempdir().unwrap();
    let damaged = [
        include_bytes!("../../fuzz/seeds/pdf_job/damaged-form-loop.pdf").as_slice(),
        include_bytes!("../../fuzz/seeds/pdf_job/damaged-form-loop-2.pdf").as_slice(),
    ];
    let text = SplitRule::Text(TextRule::new("Page").unwrap());
    for (n, bytes) in damaged.into_iter().enumerate() {
        let input = dir.path().join(format!("damaged-{n}.pdf"));
        std::fs::write(&input, bytes).unwrap();
        let config = JobConfig::new("FUZZ", vec![input], text.clone(), &dir.path().join(format!("out-{n}")));
        let message = job::run(&config).unwrap_err().to_string();
        assert!(message.contains("damaged and rebuilt"), "{message}");
        assert!(message.contains("fixed:N or index:FILE"), "{message}");
    }
    let well_formed = dir.path().join("well-formed.pdf");
    std::fs::write(&well_formed, form_loop("/Resources << /XObject << /Fm2 7 0 R >> >>")).unwrap();
    let config = JobConfig::new("FUZZ", vec![well_formed], text, &dir.path().join("out-well-formed"));
    let message = job::run(&config).unwrap_err().to_string();
    assert!(message.contains("matches no page"), "read by pdfium, found nothing: {message}");
}

/// One page drawing form 5 0 R (/Fm1), which draws /Fm2 (6 0 R), which draws /Fm1; `form6`
/// goes into form 6 0 R's dictionary.
fn form_loop(form6: &str) -> Vec<u8> {
    let stream = |dict: &str, content: &str| {
        format!("<< {dict} /Length {} >>\nstream\n{content}\nendstream", content.len())
    };
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /Fm1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        stream("", "q /Fm1 Do Q"),
        stream("/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /XObject << /Fm2 6 0 R >> >>", "q 0 0 40 40 re f /Fm2 Do Q"),
        stream(&format!("/Type /XObject /Subtype /Form /BBox [0 0 200 200] {form6}"), "q 20 20 40 40 re f /Fm1 Do Q"),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", n + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    let trailer =
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1);
    pdf.extend_from_slice(trailer.as_bytes());
    pdf
}
