//! Reading a template spec: literal text and `{field(arg):options}` (docs/payload.md).

use super::check::CheckKind;
use super::{Align, Charset, Field, Format, Part, Radix, Source, TemplateError};

/// The longest template spec accepted.
pub const MAX_SPEC_LEN: usize = 512;
/// The widest field.
pub const MAX_WIDTH: usize = 64;

pub(super) fn parse(spec: &str) -> Result<Vec<Part>, TemplateError> {
    let err = |position: usize, message: String| TemplateError { spec: spec.to_string(), position, message };
    if spec.len() > MAX_SPEC_LEN {
        return Err(err(MAX_SPEC_LEN, format!("a template has at most {MAX_SPEC_LEN} characters")));
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        match c {
            '{' if chars.get(at + 1) == Some(&'{') => {
                literal.push('{');
                at += 2;
            }
            '}' if chars.get(at + 1) == Some(&'}') => {
                literal.push('}');
                at += 2;
            }
            '{' => {
                let close =
                    chars[at..].iter().position(|&c| c == '}').map(|offset| at + offset).ok_or_else(
                        || err(at + 1, "'{' opens a field that is never closed with '}'".into()),
                    )?;
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                let body: String = chars[at + 1..close].iter().collect();
                let field = parse_field(&body).map_err(|message| err(at + 1, message))?;
                parts.push(Part::Field(field));
                at = close + 1;
            }
            '}' => return Err(err(at + 1, "'}' without '{' (write '}}' for a literal brace)".into())),
            ' '..='~' => {
                literal.push(c);
                at += 1;
            }
            _ => {
                return Err(err(
                    at + 1,
                    format!("{c:?} cannot be printed in a mark: literal text must be printable ASCII"),
                ))
            }
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    if parts.is_empty() {
        return Err(err(0, "the template is empty".into()));
    }
    Ok(parts)
}

fn parse_field(body: &str) -> Result<Field, String> {
    let text = format!("{{{body}}}");
    // The argument may hold any character but ')'; options follow the argument.
    let head_end = match (body.find('('), body.find(':')) {
        (Some(open), colon) if colon.is_none_or(|c| open < c) => {
            open + body[open..].find(')').ok_or_else(|| format!("{text}: '(' without ')'"))? + 1
        }
        (_, Some(colon)) => colon,
        (_, None) => body.len(),
    };
    let (head, rest) = body.split_at(head_end);
    let options = match rest.strip_prefix(':') {
        Some(options) => Some(options),
        None if rest.trim().is_empty() => None,
        None => {
            return Err(format!(
                "{text}: unexpected '{}' after the field name; options follow a ':'",
                rest.trim()
            ))
        }
    };
    let head = head.trim();
    let (name, arg) = match head.split_once('(') {
        Some((name, rest)) => {
            let arg = rest.strip_suffix(')').ok_or_else(|| format!("{text}: '(' without ')'"))?;
            (name.trim(), Some(arg.trim()))
        }
        None => (head, None),
    };
    let need_arg = |what: &str| -> Result<String, String> {
        match arg {
            Some(a) if !a.is_empty() => Ok(a.to_string()),
            _ => {
                Err(format!("{text}: {name} needs {what} in parentheses, e.g. {name}({})", example_arg(name)))
            }
        }
    };
    let no_arg = || match arg {
        None => Ok(()),
        Some(_) => Err(format!("{text}: {name} takes no argument")),
    };
    let source = match name {
        "job" => no_arg().map(|_| Source::Job)?,
        "piece" => no_arg().map(|_| Source::Piece)?,
        "item" => no_arg().map(|_| Source::Item)?,
        "sheet" => no_arg().map(|_| Source::Sheet)?,
        "sheets" => no_arg().map(|_| Source::Sheets)?,
        "seq" => no_arg().map(|_| Source::Seq)?,
        "eoc" => no_arg().map(|_| Source::Eoc)?,
        "boc" => no_arg().map(|_| Source::Boc)?,
        "hmac" => no_arg().map(|_| Source::Hmac)?,
        "wrap" => {
            let modulus: u64 = need_arg("a modulus")?
                .parse()
                .ok()
                .filter(|k| (2..=1_000_000).contains(k))
                .ok_or_else(|| format!("{text}: the modulus must be a whole number from 2 to 1000000"))?;
            Source::Wrap(modulus)
        }
        "feeders" => Source::Feeders(column_name(&need_arg("the index column")?, &text)?),
        "divert" => Source::Divert(column_name(&need_arg("the index column")?, &text)?),
        "col" => Source::Column(column_name(&need_arg("the index column")?, &text)?),
        "check" => {
            let algorithm = need_arg("an algorithm")?;
            Source::Check(CheckKind::from_name(&algorithm).ok_or_else(|| {
                let names: Vec<_> = CheckKind::ALL.iter().map(|k| k.name()).collect();
                format!("{text}: unknown check '{algorithm}'; use one of {}", names.join(", "))
            })?)
        }
        "" => return Err(format!("{text}: empty field name")),
        other => {
            return Err(format!(
                "{text}: unknown field '{other}'; fields are job, piece, item, sheet, sheets, seq, eoc, boc, \
                 wrap(K), feeders(COLUMN), divert(COLUMN), col(COLUMN), check(ALGORITHM), hmac"
            ))
        }
    };
    let format = parse_options(&source, options, &text)?;
    Ok(Field { text, source, format })
}

fn example_arg(name: &str) -> &'static str {
    match name {
        "wrap" => "8",
        "check" => "mod36",
        _ => "column",
    }
}

fn column_name(name: &str, text: &str) -> Result<String, String> {
    if name.chars().any(|c| c.is_control() || c == ')' || c == '(') {
        return Err(format!("{text}: '{name}' is not a column name"));
    }
    Ok(name.to_string())
}

fn parse_options(source: &Source, options: Option<&str>, text: &str) -> Result<Format, String> {
    let mut format = Format::for_source(source);
    let Some(options) = options else { return Ok(format) };
    let mut explicit_width = None;
    if matches!(source, Source::Check(_)) {
        return Err(format!("{text}: a check field takes no options; its width is set by the algorithm"));
    }
    for option in options.split(',').map(str::trim) {
        let bad = |why: &str| format!("{text}: option '{option}': {why}");
        let numeric = source.is_numeric();
        if let Ok(width) = option.parse::<usize>() {
            if width == 0 || width > MAX_WIDTH {
                return Err(bad(&format!("a width is 1 to {MAX_WIDTH}")));
            }
            explicit_width = Some(width);
            continue;
        }
        if matches!(source, Source::Hmac) {
            return Err(bad("hmac takes only a width (its length in characters)"));
        }
        match option.split_once('=') {
            Some(("pad", value)) => {
                let mut chars = value.chars();
                match (chars.next(), chars.next()) {
                    (Some(c @ ' '..='~'), None) if c != ',' && c != '}' => format.pad = c,
                    _ => return Err(bad("pad takes one printable ASCII character other than ',' and '}'")),
                }
            }
            Some(("charset", value)) => {
                if numeric {
                    return Err(bad("numbers take a radix (bin, dec, hex, b36), not a charset"));
                }
                format.charset = Charset::from_name(value).ok_or_else(|| {
                    bad("charsets are digits, hex, upper (A-Z 0-9), alnum (A-Z a-z 0-9), text (printable ASCII)")
                })?;
            }
            Some(_) => return Err(bad("unknown option")),
            None => match option {
                "left" => format.align = Align::Left,
                "right" => format.align = Align::Right,
                "upper" if !numeric => format.upper = true,
                "optional"
                    if matches!(source, Source::Feeders(_) | Source::Divert(_) | Source::Column(_)) =>
                {
                    format.optional = true
                }
                "optional" => return Err(bad("only index-column fields can be optional")),
                radix @ ("bin" | "dec" | "hex" | "b36") if numeric => {
                    format.radix = Radix::from_name(radix).expect("listed radix")
                }
                "bin" | "dec" | "hex" | "b36" | "upper" => {
                    return Err(bad(if numeric { "not for numbers" } else { "a radix applies to numbers" }))
                }
                "" => return Err(bad("empty option")),
                _ => return Err(bad("unknown option")),
            },
        }
    }
    format.width = explicit_width.or_else(|| source.default_width(format.radix));
    Ok(format)
}
