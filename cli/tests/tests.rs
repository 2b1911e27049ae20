//! End-to-end tests of the `sheetseal` binary, checked with tools we did not write: qpdf,
//! poppler (pdftoppm, pdftotext) and the rxing Data Matrix decoder.

mod fixtures;
mod measure;
mod util;

mod active_content;
mod bench;
mod closing_loop;
mod corpus_public;
mod customer_data;
mod demo;
mod determinism_threads;
mod faults;
mod hostile_input;
mod impose_errors;
mod job_description;
mod layouts;
mod marks;
mod preview;
mod split_rules;
