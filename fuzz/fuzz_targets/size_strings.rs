//! Size strings: the CLI's go-units parsers (`--memory 32m`, `--memory-swap -1`, `--shm-size`,
//! `--cpus 1.5`) and the daemon's log `max-size` (`engine::log_config::parse_size`).
//! Properties: no panic; sizes are never negative (only `--memory-swap -1` is); a size written
//! as plain bytes parses to exactly that number.
#![no_main]

use cli::units::{parse_memory_swap, parse_nano_cpus, parse_ram_bytes};
use engine::log_config::parse_size;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(n) = parse_ram_bytes(s) {
        assert!(n >= 0, "{s:?} is a negative size {n}");
        // Exact below 2^53, where f64 holds every integer.
        if n < (1 << 53) {
            assert_eq!(
                parse_ram_bytes(&n.to_string()),
                Ok(n),
                "{n} bytes (from {s:?})"
            );
        }
    }
    if let Ok(n) = parse_memory_swap(s) {
        assert!(n >= -1, "{s:?} is a swap size {n}");
    }
    if let Ok(n) = parse_nano_cpus(s) {
        assert!(n >= 0, "{s:?} is a negative cpu count {n}");
    }
    if let Some(n) = parse_size(s) {
        assert!(n >= 0, "{s:?} is a negative log size {n}");
    }
});
