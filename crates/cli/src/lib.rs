//! The `berth` command line: clap parsing, one module per command, docker-compatible output.

pub mod args;
pub mod commands;
pub mod container_flags;
pub mod container_stats;
pub mod credentials;
pub mod error;
pub mod go_csv;
pub mod go_path;
pub mod gostr;
pub mod humanize;
pub mod json_indent;
pub mod list_format;
pub mod mount_flag;
pub mod natural_order;
pub mod output;
pub mod ports;
pub mod progress_bars;
pub mod prompt;
pub mod reference;
pub mod session;
pub mod table;
pub mod template;
pub mod terminal;
pub mod timestamp;
pub mod units;
pub mod volume_flag;

use clap::Parser;
use client::Client;

use crate::args::{
    Cli, Command, ContainerCommand, ImageCommand, NetworkCommand, SystemCommand, VolumeCommand,
};
pub use crate::error::CliError;

/// The version printed by `berth --version` and `berth version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every command gets: the API client and global flags.
pub struct Ctx {
    pub client: Client,
    pub debug: bool,
}

/// Parses `std::env::args`, runs the command and returns the process exit code.
pub fn run_main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // docker exits 125 on flag errors; help and version requests are successes.
            return if e.use_stderr() { 125 } else { 0 };
        }
    };
    if cli.version {
        println!("berth version {VERSION}");
        return 0;
    }
    let Some(command) = cli.command else {
        let _ = <Cli as clap::CommandFactory>::command().print_help();
        return 0;
    };
    let host = match client::resolve_host(cli.host.as_deref()) {
        Ok(host) => host,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let ctx = Ctx {
        client: Client::new(host),
        debug: cli.debug,
    };

    // One thread is enough for a CLI and starts fastest.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("failed to start the async runtime: {e}");
            return 1;
        }
    };
    let result = runtime.block_on(dispatch(&ctx, command));
    // A blocking read of our stdin may still be pending (run -i); do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(code) => code,
        Err(e) => {
            let text = e.to_string();
            if !text.is_empty() {
                eprintln!("{text}");
            }
            e.exit_code()
        }
    }
}

async fn dispatch(ctx: &Ctx, command: Command) -> Result<i32, CliError> {
    use commands::*;
    match command {
        Command::Version(a) => version::run(ctx, a).await,
        Command::Info(a) => info::run(ctx, a).await,
        Command::Run(a) => run::run(ctx, a).await,
        Command::Create(a) => create::run(ctx, a).await,
        Command::Start(a) => start::run(ctx, a).await,
        Command::Stop(a) => stop::run(ctx, a).await,
        Command::Attach(a) => attach::run(ctx, a).await,
        Command::Kill(a) => kill::run(ctx, a).await,
        Command::Restart(a) => restart::run(ctx, a).await,
        Command::Rm(a) => rm::run(ctx, a).await,
        Command::Ps(a) => ps::run(ctx, a).await,
        Command::Logs(a) => logs::run(ctx, a).await,
        Command::Inspect(a) => inspect::run(ctx, a, None).await,
        Command::Wait(a) => wait::run(ctx, a).await,
        Command::Images(a) => images::run(ctx, a).await,
        Command::Import(a) => import::run(ctx, a).await,
        Command::Pull(a) => pull::run(ctx, a).await,
        Command::Tag(a) => tag::run(ctx, a).await,
        Command::Rmi(a) => rmi::run(ctx, a).await,
        Command::Exec(a) => exec::run(ctx, a).await,
        Command::Pause(a) => pause::run(ctx, a, true).await,
        Command::Unpause(a) => pause::run(ctx, a, false).await,
        Command::Top(a) => top::run(ctx, a).await,
        Command::Rename(a) => rename::run(ctx, a).await,
        Command::Update(a) => update::run(ctx, a).await,
        Command::Port(a) => port::run(ctx, a).await,
        Command::Diff(a) => diff::run(ctx, a).await,
        Command::Export(a) => export::run(ctx, a).await,
        Command::Cp(a) => cp::run(ctx, a).await,
        Command::Stats(a) => stats::run(ctx, a).await,
        Command::Events(a) => events::run(ctx, a).await,
        Command::Push(a) => push::run(ctx, a).await,
        Command::Login(a) => login::run(ctx, a).await,
        Command::Logout(a) => logout::run(ctx, a).await,
        Command::Save(a) => save::run(ctx, a).await,
        Command::Load(a) => load::run(ctx, a).await,
        Command::Build(a) => build::run(ctx, a).await,
        Command::Commit(a) => commit::run(ctx, a).await,
        Command::History(a) => history::run(ctx, a).await,
        Command::System(c) => match c {
            SystemCommand::Events(a) => events::run(ctx, a).await,
            SystemCommand::Info(a) => info::run(ctx, a).await,
            SystemCommand::Df(a) => system_df::run(ctx, a).await,
            SystemCommand::Prune(a) => system_prune::run(ctx, a).await,
        },
        Command::Container(c) => match c {
            ContainerCommand::Run(a) => run::run(ctx, a).await,
            ContainerCommand::Create(a) => create::run(ctx, a).await,
            ContainerCommand::Start(a) => start::run(ctx, a).await,
            ContainerCommand::Stop(a) => stop::run(ctx, a).await,
            ContainerCommand::Attach(a) => attach::run(ctx, a).await,
            ContainerCommand::Kill(a) => kill::run(ctx, a).await,
            ContainerCommand::Restart(a) => restart::run(ctx, a).await,
            ContainerCommand::Rm(a) => rm::run(ctx, a).await,
            ContainerCommand::Ls(a) => ps::run(ctx, a).await,
            ContainerCommand::Logs(a) => logs::run(ctx, a).await,
            ContainerCommand::Inspect(a) => inspect::run(ctx, a, Some("container")).await,
            ContainerCommand::Wait(a) => wait::run(ctx, a).await,
            ContainerCommand::Exec(a) => exec::run(ctx, a).await,
            ContainerCommand::Pause(a) => pause::run(ctx, a, true).await,
            ContainerCommand::Unpause(a) => pause::run(ctx, a, false).await,
            ContainerCommand::Top(a) => top::run(ctx, a).await,
            ContainerCommand::Rename(a) => rename::run(ctx, a).await,
            ContainerCommand::Update(a) => update::run(ctx, a).await,
            ContainerCommand::Port(a) => port::run(ctx, a).await,
            ContainerCommand::Diff(a) => diff::run(ctx, a).await,
            ContainerCommand::Export(a) => export::run(ctx, a).await,
            ContainerCommand::Cp(a) => cp::run(ctx, a).await,
            ContainerCommand::Stats(a) => stats::run(ctx, a).await,
            ContainerCommand::Commit(a) => commit::run(ctx, a).await,
            ContainerCommand::Prune(a) => container_prune::run(ctx, a).await,
        },
        Command::Volume(c) => match c {
            VolumeCommand::Create(a) => volume_create::run(ctx, a).await,
            VolumeCommand::Inspect(a) => volume_inspect::run(ctx, a).await,
            VolumeCommand::Ls(a) => volume_ls::run(ctx, a).await,
            VolumeCommand::Rm(a) => volume_rm::run(ctx, a).await,
            VolumeCommand::Prune(a) => volume_prune::run(ctx, a).await,
        },
        Command::Network(c) => match c {
            NetworkCommand::Connect(a) => network_connect::connect(ctx, a).await,
            NetworkCommand::Create(a) => network_create::run(ctx, a).await,
            NetworkCommand::Disconnect(a) => network_connect::disconnect(ctx, a).await,
            NetworkCommand::Inspect(a) => network_inspect::run(ctx, a).await,
            NetworkCommand::Ls(a) => network_ls::run(ctx, a).await,
            NetworkCommand::Prune(a) => network_prune::run(ctx, a).await,
            NetworkCommand::Rm(a) => network_rm::run(ctx, a).await,
        },
        Command::Image(c) => match c {
            ImageCommand::Ls(a) => images::run(ctx, a).await,
            ImageCommand::Rm(a) => rmi::run(ctx, a).await,
            ImageCommand::Import(a) => import::run(ctx, a).await,
            ImageCommand::Pull(a) => pull::run(ctx, a).await,
            ImageCommand::Tag(a) => tag::run(ctx, a).await,
            ImageCommand::Inspect(a) => inspect::run(ctx, a, Some("image")).await,
            ImageCommand::Push(a) => push::run(ctx, a).await,
            ImageCommand::Save(a) => save::run(ctx, a).await,
            ImageCommand::Load(a) => load::run(ctx, a).await,
            ImageCommand::Build(a) => build::run(ctx, a).await,
            ImageCommand::History(a) => history::run(ctx, a).await,
            ImageCommand::Prune(a) => image_prune::run(ctx, a).await,
        },
    }
}
