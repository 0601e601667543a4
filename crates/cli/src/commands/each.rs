//! Applying one operation to several containers or images, docker style: each failure is
//! printed and the others still run; the command then exits 1.

use std::future::Future;

use crate::CliError;

/// Runs `op` for every name, printing `name` (or what `op` returns) on success and the error on
/// failure. Returns the names that failed.
pub async fn for_each_name<F, Fut>(names: &[String], mut op: F) -> Vec<String>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<Option<String>, CliError>>,
{
    let mut failed = Vec::new();
    for name in names {
        match op(name.clone()).await {
            Ok(Some(line)) => println!("{line}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("{e}");
                failed.push(name.clone());
            }
        }
    }
    failed
}
