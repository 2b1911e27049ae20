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
