//! `berth`: the command-line client. All logic lives in the `cli` library.

fn main() {
    std::process::exit(cli::run_main());
}
