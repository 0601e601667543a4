//! `berth stats [-a] [--no-stream] [--no-trunc] [--format] [CONTAINER...]`: one sample per
//! container with `--no-stream`, else a live table redrawn every half second (as docker does)
//! from one streaming stats request per container.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api::Filters;
use serde_json::Value;

use crate::args::StatsArgs;
use crate::container_stats::{entry_from_sample, stats_header, StatsEntry, STATS_TABLE};
use crate::list_format::render_list;
use crate::{CliError, Ctx};

/// docker's refresh interval.
const REFRESH: Duration = Duration::from_millis(500);

pub async fn run(ctx: &Ctx, args: StatsArgs) -> Result<i32, CliError> {
    let format = args.format.clone();
    let truncate = !args.no_trunc;
    if args.no_stream {
        let names = target_names(ctx, &args).await?;
        let samples =
            futures_util::future::join_all(names.iter().map(|name| one_sample(ctx, name))).await;
        let mut rows = Vec::new();
        let mut failed = false;
        for (name, sample) in names.iter().zip(samples) {
            match sample {
                Ok(entry) => rows.push(entry.row(name, truncate)),
                Err(e) => {
                    eprintln!("{e}");
                    failed = true;
                }
            }
        }
        print!(
            "{}",
            render_list(format.as_deref(), STATS_TABLE, &rows, &stats_header)?
        );
        return Ok(if failed { 1 } else { 0 });
    }

    let latest: Arc<Mutex<BTreeMap<String, StatsEntry>>> = Arc::default();
    let mut watched: BTreeMap<String, tokio::task::JoinHandle<()>> = BTreeMap::new();
    loop {
        let names = target_names(ctx, &args).await?;
        for name in &names {
            if !watched.contains_key(name) {
                let task = spawn_stream(ctx.client.clone(), name.clone(), latest.clone());
                watched.insert(name.clone(), task);
            }
        }
        // Containers that stopped (when listing) leave the table.
        if args.containers.is_empty() {
            watched.retain(|name, task| {
                let keep = names.contains(name);
                if !keep {
                    task.abort();
                    if let Ok(mut map) = latest.lock() {
                        map.remove(name);
                    }
                }
                keep
            });
        }
        let rows: Vec<Value> = match latest.lock() {
            Ok(map) => names
                .iter()
                .filter_map(|name| map.get(name).map(|e| e.row(name, truncate)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let text = render_list(format.as_deref(), STATS_TABLE, &rows, &stats_header)?;
        // Clear the screen and go home, then draw: docker's live redraw. A reader that went
        // away ends the command.
        let mut out = std::io::stdout().lock();
        let frame = format!("\x1b[2J\x1b[H{text}");
        if std::io::Write::write_all(&mut out, frame.as_bytes())
            .and_then(|()| std::io::Write::flush(&mut out))
            .is_err()
        {
            for task in watched.values() {
                task.abort();
            }
            return Ok(0);
        }
        drop(out);
        tokio::time::sleep(REFRESH).await;
    }
}

/// The containers named on the command line, else the running ones (all with `-a`), by id.
async fn target_names(ctx: &Ctx, args: &StatsArgs) -> Result<Vec<String>, CliError> {
    if !args.containers.is_empty() {
        return Ok(args.containers.clone());
    }
    let list = ctx
        .client
        .list_containers(args.all, None, false, &Filters::new())
        .await?;
    Ok(list
        .into_iter()
        .map(|c| c.id.chars().take(12).collect())
        .collect())
}

async fn one_sample(ctx: &Ctx, name: &str) -> Result<StatsEntry, CliError> {
    let body = ctx
        .client
        .container_stats(name, false)
        .await?
        .collect()
        .await?;
    let text = String::from_utf8_lossy(&body);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sample: Value = serde_json::from_str(first)
        .map_err(|e| CliError::message(format!("error decoding stats of {name}: {e}")))?;
    Ok(entry_from_sample(&sample))
}

/// Reads one container's stats stream, keeping its latest sample.
fn spawn_stream(
    client: client::Client,
    name: String,
    latest: Arc<Mutex<BTreeMap<String, StatsEntry>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let Ok(mut stream) = client.container_stats(&name, true).await else {
            return;
        };
        let mut pending = Vec::new();
        while let Some(Ok(chunk)) = stream.next_chunk().await {
            pending.extend_from_slice(&chunk);
            while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=pos).collect();
                if let Ok(sample) = serde_json::from_slice::<Value>(&line) {
                    let entry = entry_from_sample(&sample);
                    if let Ok(mut map) = latest.lock() {
                        map.insert(name.clone(), entry);
                    }
                }
            }
        }
    })
}
