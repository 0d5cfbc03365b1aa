//! `cargo run -p reportcheck --example check -- FILE [--json]`: print a report check.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("用法:check FILE [--json]");
        std::process::exit(2);
    };
    match reportcheck::check_file(path) {
        Ok(r) if args.iter().any(|a| a == "--json") => println!("{}", r.to_json()),
        Ok(r) => print!("{}", r.to_markdown()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
