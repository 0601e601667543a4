//! docker's confirmation prompt (`prune` without `-f`): `QUESTION [y/N] `, yes only on y/Y.

use std::io::{BufRead, Write};

/// Asks on stdout and reads one line of stdin; anything but `y`/`Y` (or EOF) is no.
pub fn confirm(question: &str) -> bool {
    print!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    is_yes(&answer)
}

pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim(), "y" | "Y")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_is_yes() {
        assert!(is_yes("y\n") && is_yes("Y"));
        assert!(!is_yes("yes") && !is_yes("") && !is_yes("n"));
    }
}
