//! JSON progress streams (pull, push, load) on a terminal: one line per layer id with its status
//! and, while bytes move, an indicatif bar, as docker draws them. Messages without an id print
//! above the bars.

use std::collections::HashMap;

use api::ProgressMessage;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bars of one progress stream.
pub struct LayerBars {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    status_style: ProgressStyle,
    bar_style: ProgressStyle,
}

impl Default for LayerBars {
    fn default() -> Self {
        LayerBars::new(ProgressDrawTarget::stdout())
    }
}

impl LayerBars {
    pub fn new(target: ProgressDrawTarget) -> LayerBars {
        let status_style = ProgressStyle::with_template("{prefix}: {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar_style = ProgressStyle::with_template(
            "{prefix}: {msg} [{bar:50.cyan/blue}] {bytes}/{total_bytes}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        LayerBars {
            multi: MultiProgress::with_draw_target(target),
            bars: HashMap::new(),
            status_style,
            bar_style,
        }
    }

    /// Applies one message: a layer's line is created or updated in place.
    pub fn update(&mut self, message: &ProgressMessage) {
        let Some(id) = message.id.clone().filter(|id| !id.is_empty()) else {
            if let Some(text) = message
                .stream
                .clone()
                .or_else(|| message.status.clone().map(|s| format!("{s}\n")))
            {
                let _ = self.multi.println(text.trim_end_matches('\n'));
            }
            return;
        };
        let status = message.status.clone().unwrap_or_default();
        let bar = self.bars.entry(id.clone()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new(0));
            bar.set_style(self.status_style.clone());
            bar.set_prefix(id.clone());
            bar
        });
        let (current, total) = progress_of(message);
        match total {
            Some(total) if total > 0 => {
                bar.set_style(self.bar_style.clone());
                bar.set_length(total);
                bar.set_position(current.unwrap_or(0).min(total));
            }
            _ => bar.set_style(self.status_style.clone()),
        }
        bar.set_message(status);
    }

    /// Leaves every line on screen with its last status.
    pub fn finish(&mut self) {
        for bar in self.bars.values() {
            bar.set_style(self.status_style.clone());
            bar.finish();
        }
    }
}

/// `progressDetail.current` and `.total`.
pub fn progress_of(message: &ProgressMessage) -> (Option<u64>, Option<u64>) {
    let Some(detail) = &message.progress_detail else {
        return (None, None);
    };
    (
        detail.get("current").and_then(|v| v.as_u64()),
        detail.get("total").and_then(|v| v.as_u64()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: &str) -> ProgressMessage {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn one_bar_per_layer_id() {
        let mut bars = LayerBars::new(ProgressDrawTarget::hidden());
        bars.update(&message(r#"{"status":"Pulling fs layer","id":"a1"}"#));
        bars.update(&message(
            r#"{"status":"Downloading","progressDetail":{"current":5,"total":10},"id":"a1"}"#,
        ));
        bars.update(&message(r#"{"status":"Pulling fs layer","id":"b2"}"#));
        bars.update(&message(r#"{"status":"Digest: sha256:x"}"#));
        assert_eq!(bars.bars.len(), 2);
        assert_eq!(bars.bars["a1"].position(), 5);
        assert_eq!(bars.bars["a1"].length(), Some(10));
        assert_eq!(bars.bars["a1"].message(), "Downloading");
        bars.update(&message(r#"{"status":"Pull complete","id":"a1"}"#));
        assert_eq!(bars.bars["a1"].message(), "Pull complete");
        bars.finish();
    }
}
