//! Fuzz target: bytes → a `systemd-analyze security` policy file → the policy unitguard
//! scores with. Deep nesting, huge numbers and broken UTF-8 must give an error naming the
//! file or a policy, never a panic or a stack overflow.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use unitguard::assess::{policy_json::Exp10, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::parse(Path::new("/fuzz.policy"), text, Exp10::Glibc236) {
        Ok(_) => {}
        Err(e) => assert!(e.to_string().starts_with("/fuzz.policy: "), "{e}"),
    }
});
