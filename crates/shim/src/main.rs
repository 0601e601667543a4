//! `berth-shim`: the per-container supervisor (see docs/architecture.md, "The shim contract"),
//! and with `exec` as first argument the per-exec supervisor ("The exec contract").

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("exec") {
        args.next();
        let opts = match shim::ExecOptions::parse(args) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("berth-shim exec: {e}\n{}", shim::EXEC_USAGE);
                std::process::exit(2);
            }
        };
        std::process::exit(shim::run_exec(opts));
    }
    let opts = match shim::ShimOptions::parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("berth-shim: {e}\n{}", shim::USAGE);
            std::process::exit(2);
        }
    };
    std::process::exit(shim::run(opts));
}
