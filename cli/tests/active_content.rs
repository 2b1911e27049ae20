//! Active content never reaches the printer: JavaScript, launch and URI actions, embedded files,
//! open actions and triggers are left out of the output, and the manifest counts them.

use std::path::Path;

use lopdf::{dictionary, Document, Object, Stream};

use crate::util::*;

fn js(code: &str) -> Object {
    Object::Dictionary(
        dictionary! { "Type" => "Action", "S" => "JavaScript", "JS" => Object::string_literal(code) },
    )
}

fn rect(x: i64, y: i64) -> Object {
    Object::Array(vec![x.into(), y.into(), (x + 40).into(), (y + 20).into()])
}

/// A one-page letter carrying every kind of active content, some of it hidden where a careless
/// copier would take it along (in the resources of a form the page draws).
fn booby_trapped_letter(path: &Path) {
    let mut doc = Document::with_version("1.7");
    let pages = doc.new_object_id();
    let font =
        doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let hidden = doc.add_object(js("app.alert('hidden in resources')"));
    let form = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 300.into(), 40.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font }, "Hidden" => hidden },
            "AA" => dictionary! { "O" => js("app.alert('form trigger')") },
        },
        b"BT /F1 14 Tf 0 10 Td (Form text stays) Tj ET".to_vec(),
    ));
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 24 Tf 72 700 Td (Visible letter text) Tj ET q 1 0 0 1 72 600 cm /Fm0 Do Q".to_vec(),
    ));
    let attachment =
        doc.add_object(Stream::new(dictionary! { "Type" => "EmbeddedFile" }, b"secret attachment".to_vec()));
    let attachment_spec =
        doc.add_object(dictionary! { "Type" => "Filespec", "F" => Object::string_literal("a.txt"), "EF" => dictionary! { "F" => attachment } });
    let paperclip = doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 40.into(), 20.into()] },
        b"0 0 40 20 re f".to_vec(),
    ));
    let annotations = vec![
        Object::Dictionary(dictionary! {
            "Type" => "Annot", "Subtype" => "Link", "Rect" => rect(72, 500),
            "A" => dictionary! { "S" => "Launch", "F" => Object::string_literal("calc.exe") },
        }),
        Object::Dictionary(dictionary! {
            "Type" => "Annot", "Subtype" => "Link", "Rect" => rect(72, 460),
            "A" => dictionary! { "S" => "URI", "URI" => Object::string_literal("https://evil.invalid/x") },
        }),
        Object::Dictionary(dictionary! {
            "Type" => "Annot", "Subtype" => "FileAttachment", "Rect" => rect(72, 420), "F" => 4,
            "FS" => attachment_spec, "AP" => dictionary! { "N" => paperclip },
        }),
    ];
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font }, "XObject" => dictionary! { "Fm0" => form } },
        "AA" => dictionary! { "O" => js("app.alert('page opened')") },
        "Annots" => annotations,
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let open_action = doc.add_object(js("app.launchURL('https://evil.invalid/open')"));
    let named_script = doc.add_object(js("this.print()"));
    let second_file =
        doc.add_object(Stream::new(dictionary! { "Type" => "EmbeddedFile" }, b"second secret".to_vec()));
    let second_spec =
        doc.add_object(dictionary! { "Type" => "Filespec", "F" => Object::string_literal("b.txt"), "EF" => dictionary! { "F" => second_file } });
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages, "OpenAction" => open_action,
        "Names" => dictionary! {
            "JavaScript" => dictionary! { "Names" => vec![Object::string_literal("init"), named_script.into()] },
            "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal("b.txt"), second_spec.into()] },
        },
    });
    doc.trailer.set("Root", catalog);
    doc.save(path).unwrap();
}

#[test]
fn active_content_is_counted_and_never_reaches_the_print_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("trapped.pdf");
    booby_trapped_letter(&input);
    let out = dir.path().join("out");
    run_ok(&[
        "impose",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--job",
        "AC",
        "--split",
        "fixed:1",
    ]);
    let pdf = out.join("AC.pdf");
    assert_qpdf_clean(&pdf);

    let manifest = read_manifest(&out);
    let removed = manifest.counts.active_content_removed;
    // Scripts: open action, named script, page trigger, form trigger, the one hidden in resources.
    assert_eq!(removed.javascript, 5, "{removed:?}");
    assert_eq!((removed.launch, removed.uri, removed.embedded_files), (1, 1, 2), "{removed:?}");
    assert_eq!((removed.open_actions, removed.additional_actions), (1, 2), "{removed:?}");
    assert_eq!(removed.total, 12, "{removed:?}");
    assert!(manifest.warnings.iter().any(|w| w.code == "active-content-removed"));

    // Nothing of it is in the output, looked at uncompressed, object by object.
    let expanded = dir.path().join("expanded.pdf");
    let mut qpdf = tool("qpdf");
    qpdf.args(["--qdf", "--object-streams=disable"]).arg(&pdf).arg(&expanded);
    tool_ok(qpdf);
    let bytes = std::fs::read(&expanded).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for needle in [
        "/JavaScript",
        "/JS",
        "/Launch",
        "/URI",
        "/EmbeddedFile",
        "/Filespec",
        "/OpenAction",
        "/AA",
        "/Annots",
        "app.alert",
        "calc.exe",
        "evil.invalid",
        "secret attachment",
        "second secret",
        "this.print",
    ] {
        assert!(!text.contains(needle), "the print file contains {needle}");
    }

    // What is printed is all there: the page, the form it draws, the flattened paperclip.
    let printed = page_texts(&pdf).join(" ");
    assert!(printed.contains("Visible letter text") && printed.contains("Form text stays"), "{printed}");
    assert_eq!(manifest.counts.annotations_flattened, 1);
}
