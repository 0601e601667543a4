//! Duration and time strings: the CLI's `--since`/`--until` (`cli::timestamp::get_timestamp`, Go
//! durations via `parse_go_duration`) and the daemon's prune `until` filters
//! (`engine::image_prune::parse_until`, `engine::container_prune::parse_until`) and stored times
//! (`engine::human::parse_time`).
//! Properties: no panic (no overflow either: the fuzz build keeps overflow checks); a duration
//! counted back from a fixed "now" gives a whole number of seconds.
#![no_main]

use chrono::{Local, TimeZone};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let now = Local
        .timestamp_opt(NOW, 123_456_789)
        .single()
        .expect("a fixed instant");
    let duration = cli::timestamp::parse_go_duration(s);
    match cli::timestamp::get_timestamp(s, now, "since") {
        Ok(ts) => {
            if duration.is_some() && s != "0" {
                assert!(
                    ts.parse::<i128>().is_ok(),
                    "duration {s:?} gave {ts:?}, not whole seconds"
                );
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = engine::image_prune::parse_until(s, NOW);
    let _ = engine::container_prune::parse_until(s, NOW as f64);
    let _ = engine::human::parse_time(s);
});
