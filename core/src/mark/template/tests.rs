use std::collections::BTreeMap;

use super::*;
use crate::mark::payload::SheetPayload;

fn facts<'a>(metadata: &'a BTreeMap<String, String>) -> SheetFacts<'a> {
    SheetFacts { job: "DEMO", piece: 42, item_id: "L0000042", sheet: 1, sheets: 3, seq: 117, metadata }
}

fn render(spec: &str, facts: &SheetFacts) -> Result<String, FieldError> {
    Template::parse(spec).unwrap_or_else(|e| panic!("{e}")).render(facts, None)
}

fn parse_error(spec: &str) -> String {
    Template::parse(spec).expect_err(spec).to_string()
}

#[test]
fn the_default_template_reproduces_the_default_payload_exactly() {
    let template = Template::parse("{job}-{piece:6}{sheet:2}{sheets:2}{check(mod36)}").unwrap();
    let metadata = BTreeMap::new();
    for (job, piece, sheet, sheets) in [("DEMO", 42, 1, 3), ("J-2026-11", 999_999, 99, 99), ("A", 1, 1, 1)] {
        let facts = SheetFacts { job, piece, item_id: "x", sheet, sheets, seq: 1, metadata: &metadata };
        let expected = SheetPayload { job: job.into(), item_seq: piece, sheet, sheets }.encode().unwrap();
        assert_eq!(template.render(&facts, None).unwrap(), expected);
    }
}

#[test]
fn a_relay_style_code_is_exactly_18_characters_with_a_zero_padded_match_code() {
    let template = Template::parse("{item:14,charset=upper}{sheet:2}{sheets:2}").unwrap();
    assert_eq!(template.fixed_length(), Some(18));
    let metadata = BTreeMap::new();
    let mut f = facts(&metadata);
    f.item_id = "123456";
    let first = template.render(&f, None).unwrap();
    assert_eq!(first, "000000001234560103");
    f.sheet = 3;
    let last = template.render(&f, None).unwrap();
    assert_eq!(&first[..14], &last[..14], "the match code is the same on every sheet of the set");
}

#[test]
fn instruction_fields() {
    let mut metadata = BTreeMap::new();
    metadata.insert("feeders".to_string(), "1;3".to_string());
    metadata.insert("divert".to_string(), "yes".to_string());
    let mut f = facts(&metadata);
    let spec = "{sheet:2}{sheets:2}{eoc}{boc}{wrap(8)}{feeders(feeders):2,hex}{divert(divert)}";
    assert_eq!(render(spec, &f).unwrap(), "0103015051");
    f.sheet = 3;
    f.seq = 119;
    assert_eq!(render(spec, &f).unwrap(), "0303107051");
    assert_eq!(render("{wrap(8):bin}", &f).unwrap(), "111");
    assert_eq!(render("{feeders(feeders):8,bin}", &f).unwrap(), "00000101");
    assert_eq!(render("{seq:b36}{piece:4,hex}", &f).unwrap(), "3B002A");
}

#[test]
fn overflowing_fields_name_the_field_and_the_limit() {
    let metadata = BTreeMap::new();
    let mut f = facts(&metadata);
    f.piece = 1_000_000;
    let e = render("{piece:6}", &f).unwrap_err();
    assert_eq!(e.field, "{piece:6}");
    assert!(e.message.contains("1000000") && e.message.contains("at most 999999"), "{e}");
    let e = render("{item:4}", &f).unwrap_err();
    assert!(e.to_string().contains("{item:4}") && e.message.contains("8 characters"), "{e}");
}

#[test]
fn characters_outside_the_charset_are_refused() {
    let metadata = BTreeMap::new();
    let mut f = facts(&metadata);
    f.item_id = "ab-12";
    let e = render("{item:charset=upper}", &f).unwrap_err();
    assert!(e.message.contains("character 1 ('a')") && e.message.contains("'upper'"), "{e}");
    assert!(render("{item:charset=alnum,upper}", &f).unwrap_err().message.contains("'-'"));
    assert_eq!(render("{item:upper}", &f).unwrap(), "AB-12");
    f.item_id = "Zoë";
    let e = render("{item}", &f).unwrap_err();
    assert!(e.message.contains("'ë'") && e.message.contains("'text'"), "{e}");
}

#[test]
fn index_columns_missing_or_malformed() {
    let mut metadata = BTreeMap::new();
    let e = render("{feeders(feeders):2,hex}", &facts(&metadata)).unwrap_err();
    assert!(e.message.contains("no column 'feeders'") && e.message.contains("optional"), "{e}");
    assert_eq!(
        render("{feeders(feeders):2,hex,optional}{divert(d):optional}", &facts(&metadata)).unwrap(),
        "000"
    );
    metadata.insert("feeders".to_string(), "2;x".to_string());
    metadata.insert("d".to_string(), "maybe".to_string());
    assert!(render("{feeders(feeders)}", &facts(&metadata)).unwrap_err().message.contains("'x'"));
    assert!(render("{divert(d)}", &facts(&metadata)).unwrap_err().message.contains("'maybe'"));
    metadata.insert("feeders".to_string(), "9".to_string());
    let e = render("{feeders(feeders):2,hex}", &facts(&metadata)).unwrap_err();
    assert!(e.message.contains("256"), "feeder 9 is bit 8: {e}");
    metadata.insert("zip".to_string(), "12345".to_string());
    assert_eq!(render("{col(zip):7,pad=_,left}", &facts(&metadata)).unwrap(), "12345__");
    metadata.insert("a:b".to_string(), "X".to_string());
    assert_eq!(render("{col(a:b):2}", &facts(&metadata)).unwrap(), "0X", "a column name may hold ':'");
}

#[test]
fn check_fields_cover_everything_before_them() {
    let metadata = BTreeMap::new();
    let f = facts(&metadata);
    let with_check = render("{piece:6}{sheet:2}{check(mod10)}", &f).unwrap();
    assert_eq!(with_check, format!("00004201{}", luhn_digit("00004201")));
    assert_eq!(render("{piece:6}{check(crc16)}", &f).unwrap().len(), 10);
    assert_eq!(render("1{eoc}{wrap(8):3,bin}{check(parity)}", &f).unwrap(), "101011");
}

#[test]
fn hmac_needs_a_key_and_binds_the_payload() {
    let metadata = BTreeMap::new();
    let f = facts(&metadata);
    let template = Template::parse("{piece:6}{sheet:2}{sheets:2}").unwrap().with_hmac(6).unwrap();
    assert_eq!(template.spec(), "{piece:6}{sheet:2}{sheets:2}{hmac:6}");
    let e = template.render(&f, None).unwrap_err();
    assert!(e.message.contains("--mark-key"), "{e}");
    let key = MarkKey::from_bytes(&[9; 32]).unwrap();
    let payload = template.render(&f, Some(&key)).unwrap();
    assert_eq!(payload.len(), 16);
    assert_eq!(&payload[10..], key.tag("DEMO", "0000420103", 6));
    assert!(parse_error("{hmac}{hmac}").contains("at most one"));
    assert!(parse_error("{hmac:3}").contains("4 to 12"));
}

#[test]
fn literals_and_escaped_braces() {
    let metadata = BTreeMap::new();
    assert_eq!(render("A{{B}}-{sheet}", &facts(&metadata)).unwrap(), "A{B}-1");
}

#[test]
fn malformed_templates_say_what_and_where() {
    for (spec, needle) in [
        ("", "empty"),
        ("{piece", "never closed"),
        ("x}", "'}' without '{'"),
        ("{pice:6}", "unknown field 'pice'"),
        ("{wrap}", "wrap needs a modulus"),
        ("{wrap(1)}", "from 2"),
        ("{check(md5)}", "unknown check 'md5'"),
        ("{check(mod36):2}", "no options"),
        ("{piece:0}", "width is 1 to"),
        ("{piece:charset=upper}", "radix"),
        ("{item:hex}", "radix applies to numbers"),
        ("{item:pad=ab}", "one printable"),
        ("{piece:optional}", "index-column"),
        ("{sheet:frobnicate}", "unknown option"),
        ("{job(x)}", "takes no argument"),
        ("{wrap(8)x}", "unexpected 'x'"),
        ("{col(a:3}", "'(' without ')'"),
        ("Zoë{sheet}", "printable ASCII"),
    ] {
        let message = parse_error(spec);
        assert!(message.contains(needle), "{spec:?}: {message}");
    }
    assert!(parse_error("ab{pice}").contains("character 3"));
    assert!(parse_error(&"x".repeat(MAX_SPEC_LEN + 1)).contains("at most"));
}

#[test]
fn templates_serialise_as_their_spec_and_know_their_shape() {
    let template = Template::parse("{job}-{piece:6}{sheet:2}{sheets:2}{check(mod36)}").unwrap();
    let json = serde_json::to_string(&template).unwrap();
    assert_eq!(json, "\"{job}-{piece:6}{sheet:2}{sheets:2}{check(mod36)}\"");
    assert_eq!(serde_json::from_str::<Template>(&json).unwrap(), template);
    assert!(serde_json::from_str::<Template>("\"{nope}\"").is_err());
    assert!(template.identifies_sheets());
    assert_eq!(template.fixed_length(), None, "the job id has no fixed width");
    assert!(!Template::parse("{sheet:2}{sheets:2}{eoc}").unwrap().identifies_sheets());
    assert!(!Template::parse("{item}").unwrap().identifies_sheets(), "the same on every sheet of a set");
    let reads_columns = Template::parse("{feeders(f):optional}{col(zip)}").unwrap();
    assert_eq!(reads_columns.columns().collect::<Vec<_>>(), [("f", true), ("zip", false)]);
}

#[test]
fn feeder_lists() {
    assert_eq!(feeder_mask(""), Ok(0));
    assert_eq!(feeder_mask("-"), Ok(0));
    assert_eq!(feeder_mask("1"), Ok(1));
    assert_eq!(feeder_mask("1; 3 +4"), Ok(0b1101));
    assert_eq!(feeder_mask("64"), Ok(1 << 63));
    assert!(feeder_mask("65").is_err());
    assert!(feeder_mask("0;1").is_err());
}
