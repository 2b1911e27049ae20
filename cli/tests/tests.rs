//! End-to-end tests of the `sheetseal` binary, checked with tools we did not write: qpdf,
//! poppler (pdftoppm, pdftotext) and the rxing Data Matrix decoder.

mod util;

mod closing_loop;
mod corpus_public;
mod demo;
mod impose_errors;
mod layouts;
mod marks;
mod preview;
mod split_rules;
