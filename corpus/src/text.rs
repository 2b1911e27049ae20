//! Word lists and the seeded text of a letter: recipients, subjects, dates and body paragraphs.
//!
//! Everything here only produces strings; measuring and placing them is `letter.rs`'s job. All
//! characters used here are covered by the embedded font (checked by a test in `font.rs`).

use crate::rng::Rng;

/// The company that sends every letter of the corpus.
pub(crate) const SENDER_NAME: &str = "Nordlicht Energie GmbH";
/// The letterhead line under the sender name, printed on every page.
pub(crate) const SENDER_LINE: &str =
    "Hafenstraße 21 · 20457 Hamburg · Tel. 040 3861-0 · service@nordlicht-energie.example";
/// The small return-address line above the recipient in the envelope window.
pub(crate) const RETURN_LINE: &str = "Nordlicht Energie GmbH · Hafenstraße 21 · 20457 Hamburg";
/// The town printed before the date.
pub(crate) const SENDER_TOWN: &str = "Hamburg";

#[rustfmt::skip]
const FIRST_NAMES_F: &[&str] = &[
    "Anna", "Maria", "Sophie", "Lena", "Katharina", "Jana", "Birgit", "Renate", "Ingrid", "Monika",
    "Sabine", "Petra", "Ursula", "Claudia", "Elif", "Zoë", "Agnieszka", "Chloé", "Hanna", "Inês",
    "Martina", "Ewa", "Léa", "Marta", "Susanne", "Gisela", "Jutta", "Nadine", "Ayşe", "Dörte",
];
#[rustfmt::skip]
const FIRST_NAMES_M: &[&str] = &[
    "Thomas", "Michael", "Andreas", "Stefan", "Jürgen", "Klaus", "Peter", "Markus", "Frank",
    "Günter", "Hans", "Uwe", "Jörg", "Björn", "Lukas", "Felix", "Jonas", "Mehmet", "Tomasz",
    "René", "François", "José", "Ömer", "Søren", "Matthias", "Rüdiger", "Dieter", "Karl", "Paweł",
    "Jan",
];
#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
    "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller",
    "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank",
    "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Ludwig",
    "Yılmaz", "Kowalski", "Nowak", "Dvořák", "Łukaszewicz", "Østergaard", "García", "Da Silva",
    "Öztürk", "Nguyen", "Jansen", "Van der Berg", "Sauer", "Böhm", "Groß", "Kühn", "Pohl",
];
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße",
    "Birkenweg", "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Schillerstraße",
    "Goethestraße", "Am Sportplatz", "Mühlenweg", "Feldstraße", "Friedhofstraße", "Jahnstraße",
    "Rosenstraße", "Buchenweg", "Eichendorffstraße", "Blumenstraße", "Am Markt", "Wiesenweg",
    "Mozartstraße", "Kastanienallee", "Parkstraße", "Uferstraße", "Königsallee", "Hafenkamp",
    "Große Elbstraße", "Fährstraße", "Lerchenfeld", "Möllner Landstraße", "Övelgönne",
];
const TOWNS: &[(&str, &str)] = &[
    ("20095", "Hamburg"),
    ("22307", "Hamburg"),
    ("10115", "Berlin"),
    ("12043", "Berlin"),
    ("80331", "München"),
    ("50667", "Köln"),
    ("60311", "Frankfurt am Main"),
    ("70173", "Stuttgart"),
    ("40213", "Düsseldorf"),
    ("04109", "Leipzig"),
    ("44135", "Dortmund"),
    ("45127", "Essen"),
    ("28195", "Bremen"),
    ("01067", "Dresden"),
    ("30159", "Hannover"),
    ("90402", "Nürnberg"),
    ("47051", "Duisburg"),
    ("44787", "Bochum"),
    ("42103", "Wuppertal"),
    ("33602", "Bielefeld"),
    ("53111", "Bonn"),
    ("48143", "Münster"),
    ("24103", "Kiel"),
    ("23552", "Lübeck"),
    ("18055", "Rostock"),
    ("21335", "Lüneburg"),
    ("25813", "Husum"),
    ("26122", "Oldenburg"),
    ("37073", "Göttingen"),
    ("97070", "Würzburg"),
    ("79098", "Freiburg im Breisgau"),
    ("86150", "Augsburg"),
];
const ADDRESS_EXTRAS: &[&str] =
    &["c/o Hausverwaltung Nord", "Wohnung 3. OG links", "Hinterhaus", "Apartment 12", "z. Hd. Buchhaltung"];
#[rustfmt::skip]
const SUBJECTS: &[&str] = &[
    "Your annual electricity statement", "Adjustment of your monthly instalment",
    "Confirmation of your new tariff", "Your meter reading for the billing period",
    "Change to our terms and conditions", "Your contract renewal",
    "Reminder: outstanding balance on your account", "Confirmation of your change of address",
    "Information about the new network charges", "Your bonus credit has been applied",
];
#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "account", "adjustment", "advance", "agreement", "amount", "annual", "applicable", "apply",
    "arrangement", "assessment", "available", "balance", "based", "below", "benefit", "billing",
    "by", "calculated", "can", "change", "charges", "check", "clearly", "communicated",
    "comparison", "complete", "conditions", "confirm", "consumption", "contact", "continue",
    "contract", "costs", "credit", "current", "customer", "customers", "date", "deadline", "debit",
    "detailed", "details", "determined", "direct", "due", "during", "effective", "electricity",
    "energy", "ensure", "estimate", "every", "expected", "following", "for", "from", "further",
    "grid", "guarantee", "have", "household", "if", "in", "included", "increase", "individual",
    "information", "instalment", "into", "invoice", "is", "kilowatt", "last", "level", "levy",
    "made", "meter", "month", "monthly", "more", "network", "new", "next", "notice", "obligation",
    "of", "offer", "on", "online", "only", "or", "our", "outstanding", "overview", "paid",
    "payment", "payments", "per", "period", "please", "portal", "possible", "previous", "price",
    "prices", "provide", "provided", "provider", "rate", "reading", "receive", "received",
    "recorded", "reduction", "reference", "refund", "regarding", "regulatory", "remain",
    "renewable", "request", "required", "result", "review", "right", "service", "settlement",
    "share", "should", "statement", "statutory", "submitted", "supply", "surcharge", "tariff",
    "tax", "team", "terms", "that", "the", "these", "this", "to", "total", "transfer", "under",
    "unchanged", "until", "usage", "valid", "value", "via", "we", "will", "with", "within",
    "without", "year", "you", "your", "kindly", "note", "shown", "overleaf", "separate", "sheet",
    "summary", "applies", "all", "and", "are", "as", "at", "be", "been", "has", "its", "it", "not",
    "any", "also", "accordingly", "therefore", "however", "furthermore", "additionally",
    "promptly", "fully",
];
const CONNECTIVES: &[&str] =
    &["however", "therefore", "in addition", "as a result", "for this reason", "in particular", "as agreed"];
const CLOSINGS: &[&str] = &["Yours sincerely,", "Kind regards,", "Yours faithfully,"];
const SIGNATORIES: &[(&str, &str)] = &[
    ("Katrin Voß", "Customer Service"),
    ("Dr. Henrik Møller", "Head of Billing"),
    ("Jens Petersen", "Account Management"),
    ("Małgorzata Wójcik", "Customer Service"),
];

/// The date printed on every letter of a corpus: a function of the seed only.
pub(crate) fn letter_date(rng: &mut Rng) -> String {
    let year = 2024 + rng.below(3);
    let month = rng.below(12) as usize;
    let day = 1 + rng.below(28);
    format!("{SENDER_TOWN}, {day} {} {year}", MONTHS[month])
}

/// The recipient of one letter.
pub(crate) struct Recipient {
    /// The address block, top to bottom (3 to 5 lines).
    pub(crate) address: Vec<String>,
    /// The opening line, e.g. "Dear Ms Müller,".
    pub(crate) salutation: String,
}

/// A seeded recipient with a German-style postal address.
pub(crate) fn recipient(rng: &mut Rng) -> Recipient {
    let female = rng.chance(50);
    let first = if female { rng.pick(FIRST_NAMES_F) } else { rng.pick(FIRST_NAMES_M) };
    let last = rng.pick(LAST_NAMES);
    let title = if rng.chance(8) { "Dr. " } else { "" };
    let form = if female { "Frau" } else { "Herrn" };
    let mut address = Vec::with_capacity(5);
    address.push(form.to_string());
    address.push(format!("{title}{first} {last}"));
    if rng.chance(15) {
        address.push(rng.pick(ADDRESS_EXTRAS).to_string());
    }
    let number = rng.range(1, 180);
    let suffix = if rng.chance(12) { ["a", "b", "c"][rng.below(3) as usize] } else { "" };
    address.push(format!("{} {number}{suffix}", rng.pick(STREETS)));
    let (postcode, town) = rng.pick(TOWNS);
    address.push(format!("{postcode} {town}"));
    let salutation = if title.is_empty() {
        format!("Dear {} {last},", if female { "Ms" } else { "Mr" })
    } else {
        format!("Dear Dr {last},")
    };
    Recipient { address, salutation }
}

/// A seeded subject line.
pub(crate) fn subject(rng: &mut Rng) -> &'static str {
    rng.pick(SUBJECTS)
}

/// A seeded customer number such as "4711-203-889".
pub(crate) fn customer_number(rng: &mut Rng) -> String {
    format!("Customer no. {:04}-{:03}-{:03}", rng.range(1000, 9999), rng.below(1000), rng.below(1000))
}

/// The closing formula and the signatory (name, role).
pub(crate) fn closing(rng: &mut Rng) -> (&'static str, &'static str, &'static str) {
    let (name, role) = rng.pick(SIGNATORIES);
    (rng.pick(CLOSINGS), name, role)
}

fn push_capitalised(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_uppercase());
        out.push_str(chars.as_str());
    }
}

fn push_amount(out: &mut String, rng: &mut Rng) {
    let euros = rng.range(5, 2400);
    let cents = rng.below(100);
    if euros >= 1000 {
        out.push_str(&format!("€{},{:03}.{cents:02}", euros / 1000, euros % 1000));
    } else {
        out.push_str(&format!("€{euros}.{cents:02}"));
    }
}

/// Appends one sentence (with its final full stop) to `out`.
fn sentence(out: &mut String, rng: &mut Rng) {
    match rng.below(10) {
        0 => {
            out.push_str("The amount of ");
            push_amount(out, rng);
            out.push_str(&format!(
                " will be debited from your account on {} {}.",
                rng.range(1, 28),
                rng.pick(MONTHS)
            ));
        }
        1 => {
            out.push_str(&format!(
                "Your consumption in this period was {} kWh, compared with {} kWh last year.",
                rng.range(900, 6500),
                rng.range(900, 6500)
            ));
        }
        2 => {
            let c = rng.pick(CONNECTIVES);
            push_capitalised(out, c);
            out.push_str(", ");
            words(out, rng, 6, 14);
            out.push('.');
        }
        _ => {
            let first = rng.pick(WORDS);
            push_capitalised(out, first);
            out.push(' ');
            words(out, rng, 5, 16);
            if rng.chance(10) {
                out.push_str(" (");
                push_amount(out, rng);
                out.push(')');
            }
            out.push('.');
        }
    }
}

/// Appends `lo..=hi` lowercase words, maybe with one comma.
fn words(out: &mut String, rng: &mut Rng, lo: u32, hi: u32) {
    let n = rng.range(lo, hi);
    let comma_at = if rng.chance(35) { rng.range(1, n.max(3) - 2) } else { u32::MAX };
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick(WORDS));
        if i == comma_at {
            out.push(',');
        }
    }
}

/// A paragraph of 2 to 6 sentences.
pub(crate) fn paragraph(rng: &mut Rng) -> String {
    let mut out = String::with_capacity(600);
    let n = rng.range(2, 6);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        sentence(&mut out, rng);
    }
    out
}

/// Every string constant that can appear in a letter, for the font coverage test.
#[cfg(test)]
pub(crate) fn all_static_text() -> Vec<&'static str> {
    let mut all = vec![SENDER_NAME, SENDER_LINE, RETURN_LINE, SENDER_TOWN];
    for list in [
        FIRST_NAMES_F,
        FIRST_NAMES_M,
        LAST_NAMES,
        STREETS,
        ADDRESS_EXTRAS,
        SUBJECTS,
        MONTHS,
        WORDS,
        CONNECTIVES,
        CLOSINGS,
    ] {
        all.extend_from_slice(list);
    }
    for (a, b) in TOWNS.iter().chain(SIGNATORIES) {
        all.push(a);
        all.push(b);
    }
    all.push("0123456789 .,:;()€-/ Page of Ref: Dear Ms Mr Dr. Frau Herrn kWh abcABC");
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_repeatable_and_plausible() {
        let a = paragraph(&mut Rng::letter(3, 9));
        let b = paragraph(&mut Rng::letter(3, 9));
        assert_eq!(a, b);
        assert!(a.ends_with('.'));
        assert!(a.len() > 40, "{a}");
        assert!(!a.contains("Page"));
    }

    #[test]
    fn recipient_has_a_postcode_line() {
        let r = recipient(&mut Rng::letter(1, 0));
        assert!((3..=5).contains(&r.address.len()));
        let last = r.address.last().unwrap();
        assert!(last[..5].chars().all(|c| c.is_ascii_digit()), "{last}");
        assert!(r.salutation.starts_with("Dear "));
    }
}
