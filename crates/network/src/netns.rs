//! Running code inside another process's network namespace.
