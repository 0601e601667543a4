//! Parsing of resource sizes and CPU counts the way docker (go-units) does.

/// Parses a memory size like `32m`, `1g`, `512k`, `1.5GiB` or plain bytes (`1048576`) with binary
/// multipliers, as go-units `RAMInBytes` does.
pub fn parse_ram_bytes(input: &str) -> Result<i64, String> {
    let invalid = || format!("invalid size: '{input}'");
    let bad_suffix = |suffix: &str| format!("invalid suffix: '{suffix}'");
    let s = input.trim();
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    if number.is_empty() {
        return Err(invalid());
    }
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let original_suffix = suffix.trim_start_matches(' ');
    let suffix = original_suffix.to_ascii_lowercase();
    let mut chars = suffix.chars();
    let multiplier: f64 = match chars.next() {
        None => 1.0,
        Some(c) => {
            let m = match c {
                'b' => 1.0,
                'k' => 1024.0,
                'm' => 1024.0 * 1024.0,
                'g' => 1024.0 * 1024.0 * 1024.0,
                't' => 1024.0f64.powi(4),
                'p' => 1024.0f64.powi(5),
                _ => return Err(bad_suffix(original_suffix)),
            };
            // Accept the optional "i" and "b" of "kib"/"kb"; nothing else may follow.
            let rest: String = chars.collect();
            if c != 'b' && !matches!(rest.as_str(), "" | "b" | "i" | "ib") {
                return Err(bad_suffix(original_suffix));
            }
            if c == 'b' && !rest.is_empty() {
                return Err(bad_suffix(original_suffix));
            }
            m
        }
    };
    let bytes = value * multiplier;
    if !bytes.is_finite() || bytes > i64::MAX as f64 {
        return Err(invalid());
    }
    Ok(bytes as i64)
}

/// Parses `--memory-swap`: a size, or `-1` for unlimited swap.
pub fn parse_memory_swap(input: &str) -> Result<i64, String> {
    if input.trim() == "-1" {
        return Ok(-1);
    }
    parse_ram_bytes(input)
}

/// Parses `--cpus 1.5` into NanoCPUs (1.5 × 10⁹), refusing more than nine decimals as docker does.
pub fn parse_nano_cpus(input: &str) -> Result<i64, String> {
    let invalid = || format!("failed to parse {input} as a rational number");
    let s = input.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(invalid());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 9 {
        return Err("value is too precise".to_string());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| invalid())?
    };
    let frac_nanos: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().map_err(|_| invalid())?
    };
    whole
        .checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(frac_nanos))
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ram_sizes() {
        assert_eq!(parse_ram_bytes("32m").unwrap(), 32 * 1024 * 1024);
        assert_eq!(parse_ram_bytes("1g").unwrap(), 1024 * 1024 * 1024);
        assert_eq!(parse_ram_bytes("1G").unwrap(), 1024 * 1024 * 1024);
        assert_eq!(parse_ram_bytes("512k").unwrap(), 512 * 1024);
        assert_eq!(parse_ram_bytes("64MiB").unwrap(), 64 * 1024 * 1024);
        assert_eq!(parse_ram_bytes("64mb").unwrap(), 64 * 1024 * 1024);
        assert_eq!(parse_ram_bytes("1048576").unwrap(), 1048576);
        assert_eq!(parse_ram_bytes("100b").unwrap(), 100);
        assert_eq!(parse_ram_bytes("1.5g").unwrap(), 1610612736);
        assert!(parse_ram_bytes("").is_err());
        assert!(parse_ram_bytes("m").is_err());
        assert_eq!(parse_ram_bytes("12x").unwrap_err(), "invalid suffix: 'x'");
        assert_eq!(parse_ram_bytes("m").unwrap_err(), "invalid size: 'm'");
        assert!(parse_ram_bytes("12mm").is_err());
        assert!(parse_ram_bytes("-5m").is_err());
    }

    #[test]
    fn memory_swap_accepts_minus_one() {
        assert_eq!(parse_memory_swap("-1").unwrap(), -1);
        assert_eq!(parse_memory_swap("64m").unwrap(), 64 << 20);
    }

    #[test]
    fn cpus_to_nano_cpus() {
        assert_eq!(parse_nano_cpus("0.5").unwrap(), 500_000_000);
        assert_eq!(parse_nano_cpus("1.5").unwrap(), 1_500_000_000);
        assert_eq!(parse_nano_cpus("2").unwrap(), 2_000_000_000);
        assert_eq!(parse_nano_cpus(".25").unwrap(), 250_000_000);
        assert_eq!(parse_nano_cpus("0.000000001").unwrap(), 1);
        assert!(parse_nano_cpus("0.0000000001").is_err());
        assert!(parse_nano_cpus("abc").is_err());
        assert!(parse_nano_cpus("").is_err());
        assert!(parse_nano_cpus("-1").is_err());
    }
}
