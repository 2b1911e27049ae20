//! The default payload decoder (`mark::payload::SheetPayload::decode`), which reads what
//! cameras and inserter logs report. Whatever it accepts must be a payload the encoder makes:
//! decoding then encoding gives the same text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sheetseal_core::mark::payload::SheetPayload;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(payload) = SheetPayload::decode(text) {
        let encoded = payload
            .encode()
            .unwrap_or_else(|e| panic!("{text:?} decodes to {payload:?}, which does not encode: {e}"));
        assert_eq!(encoded, text, "decoding then encoding must give the same text");
    }
});
