use lopdf::{dictionary, Document, Object, Stream};

use super::*;

/// A document whose resources hold fonts F1 (Helvetica), T3 (Type 3), V (vertical CID font),
/// Wide (a 3-em glyph), an image Im, a form Fm (BBox 0 0 10 10, Matrix scale 2) and graphics
/// states G (line width 40) and GF (sets a font).
fn document() -> (Document, Dictionary) {
    let mut doc = Document::with_version("1.7");
    let helvetica =
        doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let type3 = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type3" });
    let descendant = doc.add_object(dictionary! { "Subtype" => "CIDFontType2" });
    let vertical = doc.add_object(dictionary! {
        "Subtype" => "Type0", "Encoding" => "Identity-V", "DescendantFonts" => vec![Object::Reference(descendant)],
    });
    let wide =
        doc.add_object(dictionary! { "Subtype" => "TrueType", "Widths" => vec![500.into(), 3000.into()] });
    let image = doc
        .add_object(Stream::new(dictionary! { "Subtype" => "Image", "Width" => 1, "Height" => 1 }, vec![]));
    let form = doc.add_object(Stream::new(
        dictionary! {
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()],
            "Matrix" => vec![2.into(), 0.into(), 0.into(), 2.into(), 0.into(), 0.into()],
        },
        vec![],
    ));
    let resources = dictionary! {
        "Font" => dictionary! {
            "F1" => Object::Reference(helvetica), "T3" => Object::Reference(type3),
            "V" => Object::Reference(vertical), "Wide" => Object::Reference(wide),
        },
        "XObject" => dictionary! { "Im" => Object::Reference(image), "Fm" => Object::Reference(form) },
        "ExtGState" => dictionary! {
            "G" => dictionary! { "LW" => 40 },
            "GF" => dictionary! { "Font" => vec![Object::Reference(helvetica), 12.into()] },
        },
    };
    (doc, resources)
}

/// The verdict for `content` and one area (user space).
fn extent(content: &str, area: [f64; 4]) -> Extent {
    let (doc, resources) = document();
    let areas = [Rect { x0: area[0], y0: area[1], x1: area[2], y1: area[3] }];
    match Scan::new(&doc, Some(&resources), &areas).run(content.as_bytes()) {
        Some(()) => Extent::Clear,
        None => Extent::Maybe,
    }
}

use Extent::{Clear, Maybe};

#[test]
fn fills_and_strokes_meet_the_area_or_not() {
    let area = [100.0, 100.0, 150.0, 150.0];
    assert_eq!(extent("10 10 50 50 re f", area), Clear);
    assert_eq!(extent("110 110 5 5 re f", area), Maybe);
    assert_eq!(extent("0 0 m 200 200 l S", area), Maybe, "a diagonal's box crosses the area");
    assert_eq!(extent("110 110 5 5 re W n", area), Clear, "a clip paints nothing");
    // A stroke reaches half its width times the miter limit beyond its path.
    assert_eq!(extent("2 w 10 85 m 88 85 l S", area), Clear);
    assert_eq!(extent("2 w 10 95 m 120 95 l S", area), Maybe);
    assert_eq!(
        extent("/G gs 10 90 m 90 90 l S", [100.0, 100.0, 150.0, 150.0]),
        Maybe,
        "gs sets a 40 pt line"
    );
}

#[test]
fn the_ctm_and_saved_states_are_followed() {
    let area = [100.0, 100.0, 150.0, 150.0];
    assert_eq!(extent("2 0 0 2 0 0 cm 55 55 5 5 re f", area), Maybe);
    assert_eq!(extent("q 2 0 0 2 0 0 cm Q 55 55 5 5 re f", area), Clear);
    assert_eq!(extent("q 1 0 0 1 300 0 cm 110 110 5 5 re f Q", area), Clear);
}

#[test]
fn images_and_forms_are_bounded_by_their_boxes() {
    let area = [100.0, 100.0, 150.0, 150.0];
    assert_eq!(extent("q 20 0 0 20 0 0 cm /Im Do Q", area), Clear);
    assert_eq!(extent("q 20 0 0 20 90 90 cm /Im Do Q", area), Maybe);
    // The form's box is 10 units, scaled 2 by its matrix: 0..20, then moved by the CTM.
    assert_eq!(extent("q 1 0 0 1 70 70 cm /Fm Do Q", area), Clear);
    assert_eq!(extent("q 1 0 0 1 85 85 cm /Fm Do Q", area), Maybe);
    assert_eq!(extent("/Missing Do", area), Maybe);
}

#[test]
fn text_is_bounded_generously_in_both_directions() {
    // 12 pt text at (100, 700): 1.5 ems to the left, two ems a glyph and 2.5 ems to the right.
    let text = "BT /F1 12 Tf 100 700 Td (Hello) Tj ET";
    assert_eq!(extent(text, [0.0, 690.0, 80.0, 720.0]), Clear);
    assert_eq!(extent(text, [0.0, 690.0, 83.0, 720.0]), Maybe);
    assert_eq!(extent(text, [200.0, 690.0, 240.0, 720.0]), Maybe, "up to 2 ems a glyph");
    assert_eq!(extent(text, [260.0, 690.0, 300.0, 720.0]), Clear);
    assert_eq!(extent(text, [100.0, 732.0, 150.0, 760.0]), Clear, "above 2.5 ems");
    // Kerning may move the pen left: 5000/1000 ems.
    assert_eq!(extent("BT /F1 12 Tf 100 700 Td [(A) 5000 (B)] TJ ET", [0.0, 690.0, 50.0, 720.0]), Maybe);
    // A new line resets the drift of the shown strings.
    let lines = "BT /F1 12 Tf 100 700 Td (A long line of text) Tj 0 -300 Td (x) Tj ET";
    assert_eq!(extent(lines, [300.0, 390.0, 400.0, 420.0]), Clear);
    assert_eq!(
        extent("BT /F1 12 Tf 1 0 0 1 100 700 Tm 30 TL T* (x) Tj ET", [90.0, 665.0, 120.0, 675.0]),
        Maybe
    );
    assert_eq!(extent("BT /F1 12 Tf 100 700 Td 5 Ts (x) Tj ET", [90.0, 732.0, 120.0, 736.0]), Maybe, "rise");
}

#[test]
fn what_cannot_be_bounded_is_maybe() {
    let far = [500.0, 500.0, 501.0, 501.0];
    for content in [
        "BT /T3 12 Tf 0 0 Td (a) Tj ET",
        "BT /V 12 Tf 0 0 Td <0001> Tj ET",
        "BT /Wide 12 Tf 0 0 Td (a) Tj ET",
        "BT /Nope 12 Tf 0 0 Td (a) Tj ET",
        "/GF gs",
        "/Sh sh",
        "BI /W 1 /H 1 ID x EI",
        "(unclosed",
        "0 0 m 1 nonsense 2 l S )",
    ] {
        assert_eq!(extent(content, far), Maybe, "{content}");
    }
}

#[test]
fn syntax_around_the_operators_is_skipped() {
    let far = [500.0, 500.0, 501.0, 501.0];
    let content = "% a comment\n/OC /L1 BDC /Span << /ActualText (x\\)y) /Nested << /A [1 2] >> >> BDC \
                   0.5 g 1 0 0 RG [3 1] 0 d 10 10 m 20 20 l S EMC EMC BX /Weird 1 2 zz EX";
    assert_eq!(extent(content, far), Clear);
}

#[test]
fn matrices_invert() {
    let m = [0.0, -2.0, 2.0, 0.0, 10.0, 20.0];
    let inverse = invert(&m).unwrap();
    let product = concat(&m, &inverse);
    for (got, want) in product.iter().zip(IDENTITY) {
        assert!((got - want).abs() < 1e-12, "{product:?}");
    }
    assert!(invert(&[0.0; 6]).is_none());
}
