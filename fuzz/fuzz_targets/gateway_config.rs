//! The gateway configuration parser on arbitrary text: a configuration or an error with a
//! line and column inside the text, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("/etc/interop/gateway.toml");
    if let Err(e) = interop_api::config::GatewayConfig::parse(path, text) {
        assert!(e.line <= text.lines().count() + 1, "{e}");
    }
});
