//! The command line, declared with clap derive using docker's flag names.

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::container_flags::ContainerFlags;

/// berth: a Docker-compatible container engine.
#[derive(Debug, Parser)]
#[command(
    name = "berth",
    disable_version_flag = true,
    about = "A Docker-compatible container engine"
)]
pub struct Cli {
    /// Daemon socket to connect to (unix:///path)
    #[arg(short = 'H', long = "host", global = true, value_name = "HOST")]
    pub host: Option<String>,
    /// Enable debug mode
    #[arg(short = 'D', long = "debug", global = true)]
    pub debug: bool,
    /// Print version information and quit
    #[arg(short = 'v', long = "version")]
    pub version: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the berth version information
    Version(VersionArgs),
    /// Display system-wide information
    Info(InfoArgs),
    /// Create and run a new container from an image
    Run(RunArgs),
    /// Create a new container
    Create(CreateArgs),
    /// Start one or more stopped containers
    Start(StartArgs),
    /// Stop one or more running containers
    Stop(StopArgs),
    /// Attach local standard input, output, and error streams to a running container
    Attach(AttachArgs),
    /// Kill one or more running containers
    Kill(KillArgs),
    /// Restart one or more containers
    Restart(RestartArgs),
    /// Remove one or more containers
    Rm(RmArgs),
    /// List containers
    Ps(PsArgs),
    /// Fetch the logs of a container
    Logs(LogsArgs),
    /// Return low-level information on berth objects
    Inspect(InspectArgs),
    /// Block until one or more containers stop, then print their exit codes
    Wait(WaitArgs),
    /// List images
    Images(ImagesArgs),
    /// Import the contents from a tarball to create a filesystem image
    Import(ImportArgs),
    /// Download an image from a registry
    Pull(PullArgs),
    /// Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
    Tag(TagArgs),
    /// Remove one or more images
    Rmi(RmiArgs),
    /// Manage containers
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Manage images
    #[command(subcommand)]
    Image(ImageCommand),
}

/// `berth container <verb>`.
#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    Run(RunArgs),
    Create(CreateArgs),
    Start(StartArgs),
    Stop(StopArgs),
    Attach(AttachArgs),
    Kill(KillArgs),
    Restart(RestartArgs),
    #[command(alias = "remove")]
    Rm(RmArgs),
    #[command(name = "ls", aliases = ["list", "ps"])]
    Ls(PsArgs),
    Logs(LogsArgs),
    Inspect(InspectArgs),
    Wait(WaitArgs),
}

/// `berth image <verb>`.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    #[command(name = "ls", alias = "list")]
    Ls(ImagesArgs),
    #[command(name = "rm", alias = "remove")]
    Rm(RmiArgs),
    Import(ImportArgs),
    Pull(PullArgs),
    Tag(TagArgs),
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format output using a custom template ('json' or a Go template)
    #[arg(short = 'f', long = "format")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Format output using a custom template ('json' or a Go template)
    #[arg(short = 'f', long = "format")]
    pub format: Option<String>,
}

/// `run` = the container flags + `-d` + the image and its command.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct RunArgs {
    /// Run container in background and print container ID
    #[arg(short = 'd', long = "detach")]
    pub detach: bool,
    #[command(flatten)]
    pub container: ContainerFlags,
    /// Print help
    #[arg(long = "help", action = ArgAction::Help)]
    pub help: Option<bool>,
    /// IMAGE [COMMAND] [ARG...]
    #[arg(
        value_name = "IMAGE [COMMAND] [ARG...]",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub image_and_command: Vec<String>,
}

/// `create` = the container flags + the image and its command.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct CreateArgs {
    #[command(flatten)]
    pub container: ContainerFlags,
    /// Print help
    #[arg(long = "help", action = ArgAction::Help)]
    pub help: Option<bool>,
    /// IMAGE [COMMAND] [ARG...]
    #[arg(
        value_name = "IMAGE [COMMAND] [ARG...]",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub image_and_command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Attach STDOUT/STDERR and forward signals
    #[arg(short = 'a', long = "attach")]
    pub attach: bool,
    /// Attach container's STDIN
    #[arg(short = 'i', long = "interactive")]
    pub interactive: bool,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait before killing the container
    #[arg(
        short = 't',
        long = "time",
        visible_alias = "timeout",
        allow_hyphen_values = true
    )]
    pub time: Option<i64>,
    /// Signal to send to the container
    #[arg(short = 's', long = "signal")]
    pub signal: Option<String>,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// Do not attach STDIN
    #[arg(long = "no-stdin")]
    pub no_stdin: bool,
    /// Proxy all received signals to the process
    #[arg(long = "sig-proxy", default_value_t = true, action = ArgAction::Set)]
    pub sig_proxy: bool,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Signal to send to the container
    #[arg(short = 's', long = "signal")]
    pub signal: Option<String>,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Seconds to wait before killing the container
    #[arg(
        short = 't',
        long = "time",
        visible_alias = "timeout",
        allow_hyphen_values = true
    )]
    pub time: Option<i64>,
    /// Signal to send to the container
    #[arg(short = 's', long = "signal")]
    pub signal: Option<String>,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL)
    #[arg(short = 'f', long = "force")]
    pub force: bool,
    /// Remove anonymous volumes associated with the container
    #[arg(short = 'v', long = "volumes")]
    pub volumes: bool,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all containers (default shows just running)
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Only display container IDs
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Show n last created containers (includes all states)
    #[arg(short = 'n', long = "last", default_value_t = -1, allow_hyphen_values = true)]
    pub last: i64,
    /// Show the latest created container (includes all states)
    #[arg(short = 'l', long = "latest")]
    pub latest: bool,
    /// Display total file sizes
    #[arg(short = 's', long = "size")]
    pub size: bool,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long = "filter")]
    pub filter: Vec<String>,
    /// Format output using a custom template ('table', 'json' or a Go template)
    #[arg(long = "format")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Follow log output
    #[arg(short = 'f', long = "follow")]
    pub follow: bool,
    /// Number of lines to show from the end of the logs
    #[arg(short = 'n', long = "tail", default_value = "all")]
    pub tail: String,
    /// Show timestamps
    #[arg(short = 't', long = "timestamps")]
    pub timestamps: bool,
    /// Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)
    #[arg(long = "since")]
    pub since: Option<String>,
    /// Show logs before a timestamp or relative
    #[arg(long = "until")]
    pub until: Option<String>,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short = 'f', long = "format")]
    pub format: Option<String>,
    /// Return JSON for specified type (container, image)
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// Display total file sizes if the type is container
    #[arg(short = 's', long = "size")]
    pub size: bool,
    #[arg(required = true, value_name = "NAME|ID")]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Show all images (default hides intermediate images)
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Only show image IDs
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Show digests
    #[arg(long = "digests")]
    pub digests: bool,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long = "filter")]
    pub filter: Vec<String>,
    /// Format output using a custom template ('table', 'json' or a Go template)
    #[arg(long = "format")]
    pub format: Option<String>,
    /// [REPOSITORY[:TAG]]
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Apply Dockerfile instruction to the created image
    #[arg(short = 'c', long = "change")]
    pub change: Vec<String>,
    /// Set commit message for imported image
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    /// Set platform if server is multi-platform capable
    #[arg(long = "platform")]
    pub platform: Option<String>,
    /// file|URL|- : a tar archive, or - for stdin
    #[arg(value_name = "file|URL|-")]
    pub source: String,
    /// REPOSITORY[:TAG]
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Suppress verbose output
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
    /// Set platform if server is multi-platform capable
    #[arg(long = "platform")]
    pub platform: Option<String>,
    /// NAME[:TAG|@DIGEST]
    #[arg(value_name = "NAME[:TAG|@DIGEST]")]
    pub reference: String,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    #[arg(value_name = "SOURCE_IMAGE[:TAG]")]
    pub source: String,
    #[arg(value_name = "TARGET_IMAGE[:TAG]")]
    pub target: String,
}

#[derive(Debug, Args)]
pub struct RmiArgs {
    /// Force removal of the image
    #[arg(short = 'f', long = "force")]
    pub force: bool,
    /// Do not delete untagged parents
    #[arg(long = "no-prune")]
    pub no_prune: bool,
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        let mut argv = vec!["berth"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv) {
            Ok(cli) => cli,
            Err(e) => panic!("parse {args:?}: {e}"),
        }
    }

    fn run_args(cli: Cli) -> RunArgs {
        match cli.command {
            Some(Command::Run(a)) => a,
            other => panic!("not run: {other:?}"),
        }
    }

    #[test]
    fn run_passes_the_command_through() {
        let a = run_args(parse(&[
            "run", "-it", "--rm", "-e", "A=1", "--name", "n", "busybox", "ls", "-la", "-v",
        ]));
        assert!(a.container.interactive && a.container.tty && a.container.rm);
        assert_eq!(a.container.env, vec!["A=1"]);
        assert_eq!(a.container.name.as_deref(), Some("n"));
        assert_eq!(a.image_and_command, vec!["busybox", "ls", "-la", "-v"]);
    }

    #[test]
    fn run_flags_after_the_image_belong_to_the_command() {
        let a = run_args(parse(&["run", "busybox", "-h", "--rm", "-d"]));
        assert!(!a.detach && !a.container.rm && a.container.hostname.is_none());
        assert_eq!(a.image_and_command, vec!["busybox", "-h", "--rm", "-d"]);
    }

    #[test]
    fn run_resource_flags_and_hostname() {
        let a = run_args(parse(&[
            "run",
            "-itd",
            "--cpus=1.5",
            "-m",
            "256m",
            "--memory-swap",
            "-1",
            "-h",
            "box",
            "-c",
            "512",
            "--pids-limit",
            "64",
            "--network",
            "none",
            "-l",
            "a=b",
            "--stop-signal",
            "SIGINT",
            "-w",
            "/tmp",
            "-u",
            "1000",
            "--entrypoint",
            "sh",
            "busybox",
        ]));
        assert!(a.detach && a.container.interactive && a.container.tty);
        assert_eq!(a.container.cpus.as_deref(), Some("1.5"));
        assert_eq!(a.container.memory.as_deref(), Some("256m"));
        assert_eq!(a.container.memory_swap.as_deref(), Some("-1"));
        assert_eq!(a.container.hostname.as_deref(), Some("box"));
        assert_eq!(a.container.cpu_shares, Some(512));
        assert_eq!(a.container.pids_limit, Some(64));
        assert_eq!(a.container.network.as_deref(), Some("none"));
        assert_eq!(a.image_and_command, vec!["busybox"]);
    }

    #[test]
    fn global_host_and_ps_flags() {
        let cli = parse(&[
            "-H",
            "unix:///x",
            "ps",
            "-aq",
            "-f",
            "status=running",
            "--format",
            "{{.ID}}",
        ]);
        assert_eq!(cli.host.as_deref(), Some("unix:///x"));
        match cli.command {
            Some(Command::Ps(p)) => {
                assert!(p.all && p.quiet);
                assert_eq!(p.filter, vec!["status=running"]);
                assert_eq!(p.format.as_deref(), Some("{{.ID}}"));
            }
            other => panic!("not ps: {other:?}"),
        }
    }

    #[test]
    fn long_forms() {
        assert!(matches!(
            parse(&["container", "ls", "-a"]).command,
            Some(Command::Container(ContainerCommand::Ls(_)))
        ));
        assert!(matches!(
            parse(&["container", "list"]).command,
            Some(Command::Container(ContainerCommand::Ls(_)))
        ));
        assert!(matches!(
            parse(&["container", "ps"]).command,
            Some(Command::Container(ContainerCommand::Ls(_)))
        ));
        assert!(matches!(
            parse(&["image", "ls"]).command,
            Some(Command::Image(ImageCommand::Ls(_)))
        ));
        assert!(matches!(
            parse(&["image", "rm", "x"]).command,
            Some(Command::Image(ImageCommand::Rm(_)))
        ));
        assert!(matches!(
            parse(&["image", "import", "-", "x:1"]).command,
            Some(Command::Image(ImageCommand::Import(_)))
        ));
        assert!(matches!(
            parse(&["container", "run", "--rm", "busybox", "true"]).command,
            Some(Command::Container(ContainerCommand::Run(_)))
        ));
    }

    #[test]
    fn stop_and_import_flags() {
        match parse(&["stop", "-t", "0", "-s", "KILL", "a", "b"]).command {
            Some(Command::Stop(s)) => {
                assert_eq!(s.time, Some(0));
                assert_eq!(s.signal.as_deref(), Some("KILL"));
                assert_eq!(s.containers, vec!["a", "b"]);
            }
            other => panic!("not stop: {other:?}"),
        }
        match parse(&[
            "import",
            "-c",
            "CMD [\"sh\"]",
            "-m",
            "msg",
            "-",
            "busybox:latest",
        ])
        .command
        {
            Some(Command::Import(i)) => {
                assert_eq!(i.change, vec!["CMD [\"sh\"]"]);
                assert_eq!(i.source, "-");
                assert_eq!(i.reference.as_deref(), Some("busybox:latest"));
            }
            other => panic!("not import: {other:?}"),
        }
    }

    #[test]
    fn run_requires_an_image() {
        assert!(Cli::try_parse_from(["berth", "run"]).is_err());
        // clap lets an unknown flag through as the image (the positional accepts hyphens so the
        // command can); `split_image_command` rejects it.
        let a = run_args(parse(&["run", "--bogus", "x"]));
        assert!(crate::commands::create::split_image_command(&a.image_and_command, "run").is_err());
    }
}
