//! `berth-shim`: the per-container supervisor (see docs/architecture.md, "The shim contract").

fn main() {
    let opts = match shim::ShimOptions::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("berth-shim: {e}\n{}", shim::USAGE);
            std::process::exit(2);
        }
    };
    std::process::exit(shim::run(opts));
}
