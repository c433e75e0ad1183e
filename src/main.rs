fn main() {
    std::process::exit(unitguard::run(std::env::args_os()));
}
