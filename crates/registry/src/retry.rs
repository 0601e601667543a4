//! Bounded retries with exponential backoff for transient failures (connection errors,
//! timeouts, 5xx), as dockerd retries registry requests.

use std::future::Future;
use std::time::Duration;

/// Attempts per operation, the first included.
pub(crate) const ATTEMPTS: u32 = 3;
const FIRST_DELAY: Duration = Duration::from_millis(200);

/// Runs `op` until it succeeds, fails with a non-transient error, or `ATTEMPTS` are used.
pub(crate) async fn with_retries<T, E, F, Fut>(
    what: &str,
    is_transient: impl Fn(&E) -> bool,
    mut op: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let mut delay = FIRST_DELAY;
    let mut attempt = 1;
    loop {
        match op().await {
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                tracing::warn!(%e, attempt, "{what} failed, retrying in {delay:?}");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// A reqwest failure worth retrying: nothing was answered, or not in time.
pub(crate) fn is_transient_http(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.status().is_some_and(|s| s.is_server_error())
}

/// An oci-client failure worth retrying.
pub(crate) fn is_transient_oci(e: &oci_client::errors::OciDistributionError) -> bool {
    use oci_client::errors::OciDistributionError as E;
    match e {
        E::RequestError(e) => is_transient_http(e),
        E::ServerError { code, .. } => *code >= 500,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn retries_transient_errors_a_bounded_number_of_times() {
        let calls = AtomicU32::new(0);
        let result: Result<(), String> = with_retries(
            "op",
            |_| true,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err("down".to_string())
            },
        )
        .await;
        assert_eq!(result.unwrap_err(), "down");
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_on_success_and_on_permanent_errors() {
        let calls = AtomicU32::new(0);
        let result: Result<u32, String> = with_retries(
            "op",
            |e: &String| e == "transient",
            || async {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n == 0 {
                    Err("transient".to_string())
                } else {
                    Ok(n)
                }
            },
        )
        .await;
        assert_eq!(result.unwrap(), 1);
        let calls = AtomicU32::new(0);
        let result: Result<(), String> = with_retries(
            "op",
            |e: &String| e == "transient",
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err("permanent".to_string())
            },
        )
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
