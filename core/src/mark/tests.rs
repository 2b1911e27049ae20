use super::*;
use crate::plan::{FlipAxis, LayoutSpec, Plan};
use crate::split::Item;

fn items(sizes: &[usize]) -> Vec<Item> {
    let mut first = 0;
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let item = Item {
                id: format!("L{:07}", i + 1),
                input: 0,
                first_page: first,
                page_count: n,
                metadata: [("feeders".to_string(), if i % 2 == 0 { "1" } else { "" }.to_string())].into(),
            };
            first += n;
            item
        })
        .collect()
}

fn plan(sizes: &[usize]) -> Plan {
    Plan::build(&LayoutSpec::default(), FlipAxis::Vertical, &items(sizes))
}

#[test]
fn the_default_preset_gives_the_default_payloads() {
    let plan = plan(&[3, 1, 4]);
    let marks = prepare("DEMO", &plan, &PayloadConfig::default(), &MarkGeometry::default()).unwrap();
    assert_eq!(marks.payloads, payloads("DEMO", &plan).unwrap());
    for (payload, sheet) in marks.payloads.iter().zip(&plan.sheets) {
        let decoded = payload::SheetPayload::decode(payload).unwrap();
        assert_eq!(
            (decoded.item_seq, decoded.sheet, decoded.sheets),
            (plan.items[sheet.item].seq, sheet.number, sheet.count)
        );
    }
    assert!(marks.unique);
    assert_eq!(marks.size_counts(MarkKind::DataMatrix), [("16x16".to_string(), 5)].into());
}

#[test]
fn a_field_overflow_names_the_field_and_the_first_item() {
    let plan = plan(&[2, 2, 30, 40]);
    let config = PayloadConfig::template("{piece:6}{sheet:1}{sheets:1}").unwrap();
    let e = prepare("J", &plan, &config, &MarkGeometry::default()).unwrap_err().to_string();
    assert!(e.contains("{sheets:1}") && e.contains("item 'L0000003'") && e.contains("piece 3"), "{e}");
    assert!(e.contains("first item affected"), "{e}");
}

#[test]
fn payloads_rendered_in_parallel_still_name_the_first_item_affected() {
    // Thousands of sheets: rendered and encoded on every thread, errors still in sheet order.
    let plan = plan(&[2; 3000]);
    let config = PayloadConfig::template("{piece:3}{sheet:1}").unwrap();
    let e = prepare("J", &plan, &config, &MarkGeometry::default()).unwrap_err().to_string();
    assert!(e.contains("item 'L0001000'") && e.contains("piece 1000"), "{e}");
    // A repeated payload is reported before a symbol that does not fit, as when run in turn.
    let config = PayloadConfig::template("{piece:4}{sheet:1}XXXXXXXXXXXXXXXXXXXX").unwrap();
    let geometry = MarkGeometry {
        symbol: symbol::SymbolOptions {
            shape: symbol::SymbolShape::Fixed(datamatrix::SymbolSize::Square10),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut repeated = items(&[1; 3000]);
    repeated[2500].id = repeated[2499].id.clone();
    let plan = Plan::build(&LayoutSpec::default(), FlipAxis::Vertical, &repeated);
    let config_by_item = PayloadConfig::template("{item}{sheet:1}").unwrap();
    let e = prepare("J", &plan, &config_by_item, &geometry).unwrap_err();
    assert!(matches!(e, MarkError::Duplicate { first: 2500, second: 2501, .. }), "{e}");
    let e = prepare("J", &plan, &config, &geometry).unwrap_err().to_string();
    assert!(e.contains("sheet 1 (item 'L0000001'"), "{e}");
}

#[test]
fn payloads_that_name_sheets_must_be_unique_others_may_repeat() {
    let mut items = items(&[2, 2]);
    items[0].id = "a1".into();
    items[1].id = "A1".into();
    let plan = Plan::build(&LayoutSpec::default(), FlipAxis::Vertical, &items);
    let config = PayloadConfig::template("{item:upper}{sheet:2}").unwrap();
    let e = prepare("J", &plan, &config, &MarkGeometry::default()).unwrap_err();
    assert!(matches!(e, MarkError::Duplicate { first: 1, second: 2, .. }), "{e}");
    let config = PayloadConfig::template("{sheet:2}{sheets:2}{eoc}").unwrap();
    let marks = prepare("J", &plan, &config, &MarkGeometry::default()).unwrap();
    assert!(!marks.unique);
    assert_eq!(marks.payloads, ["01011", "01011"]);
}

#[test]
fn a_payload_that_does_not_fit_the_symbol_names_the_first_item() {
    let plan = plan(&[2, 2]);
    let geometry = MarkGeometry {
        symbol: symbol::SymbolOptions {
            shape: symbol::SymbolShape::Fixed(datamatrix::SymbolSize::Square10),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = prepare("J", &plan, &PayloadConfig::default(), &geometry).unwrap_err().to_string();
    assert!(e.contains("sheet 1 (item 'L0000001'") && e.contains("10x10"), "{e}");
}

#[test]
fn an_hmac_field_needs_a_key_and_a_key_appends_one() {
    let plan = plan(&[1]);
    let config = PayloadConfig::template("{piece:6}{sheet:2}{hmac}").unwrap();
    assert!(matches!(prepare("J", &plan, &config, &MarkGeometry::default()), Err(MarkError::KeyMissing)));
    let key = MarkKey::from_bytes(&[3; 32]).unwrap();
    let keyed = PayloadConfig::default().with_key(key.clone()).unwrap();
    assert!(keyed.template.spec().ends_with("{check(mod36)}{hmac:6}"));
    let marks = prepare("J", &plan, &keyed, &MarkGeometry::default()).unwrap();
    let plain = payloads("J", &plan).unwrap();
    assert_eq!(marks.payloads[0].len(), plain[0].len() + 6);
    assert_eq!(marks.payloads[0][plain[0].len()..], key.tag("J", &plain[0], 6));
    let json = serde_json::to_value(&keyed).unwrap();
    assert_eq!(json["key_fingerprint"], key.fingerprint(), "only the fingerprint is recorded");
}

#[test]
fn omr_payloads_must_be_bars() {
    let plan = plan(&[3, 1]);
    let geometry = MarkGeometry { kind: MarkKind::Omr, ..Default::default() };
    let omr = PayloadConfig::preset("omr").unwrap();
    let marks = prepare("J", &plan, &omr, &geometry).unwrap();
    assert_eq!(marks.sizes, vec![(9, 1); 3]);
    assert!(!marks.unique, "an OMR ladder does not name its sheet");
    let e = prepare("J", &plan, &PayloadConfig::default(), &geometry).unwrap_err();
    assert!(matches!(e, MarkError::Omr { sheet: 1, .. }), "{e}");
}

#[test]
fn painted_zones_are_the_zones_the_clear_check_looks_at() {
    let leaf = Rect { x0: 0.0, y0: 0.0, x1: 595.0, y1: 842.0 };
    for geometry in [
        MarkGeometry::default(),
        MarkGeometry { window: Some([120.0, 50.0]), text_pt: Some(6.0), ..Default::default() },
        MarkGeometry { kind: MarkKind::Omr, anchor: Anchor::TopRight, ..Default::default() },
    ] {
        let payload = if geometry.kind == MarkKind::Omr { "101011111" } else { "DEMO-0000420103Q" };
        let painted = paint(payload, 1, &geometry, &leaf).unwrap();
        let expected = zones(&geometry, &leaf, painted.size, payload.len());
        assert_eq!(std::iter::once(painted.zone).chain(painted.window).collect::<Vec<_>>(), expected);
        assert_eq!(painted.uses_font, geometry.text_pt.is_some());
        let ops = String::from_utf8(painted.ops).unwrap();
        assert_eq!(ops.matches(" cm\n").count(), expected.len(), "{ops}");
        assert!(!ops.contains("1 g"), "only whiteout paints white");
    }
    let whiteout = MarkGeometry { on_collision: CollisionPolicy::Whiteout, ..Default::default() };
    let ops = paint("X1", 1, &whiteout, &leaf).unwrap().ops;
    assert!(String::from_utf8(ops).unwrap().contains("1 g"));
}
