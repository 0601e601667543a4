//! Container ids: 64 random hex characters.

use rand::Rng;

/// A new random id whose 12-char short form is not all digits (it would parse as a number).
pub fn generate_id() -> String {
    let mut rng = rand::rng();
    loop {
        let bytes: [u8; 32] = rng.random();
        let id = hex::encode(bytes);
        if !id[..12].bytes().all(|b| b.is_ascii_digit()) {
            return id;
        }
    }
}

/// Whether `s` looks like a full container id.
#[cfg(test)]
fn is_full_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_hex() {
        let a = generate_id();
        let b = generate_id();
        assert!(is_full_id(&a));
        assert_ne!(a, b);
        assert!(!is_full_id("abc"));
    }
}
