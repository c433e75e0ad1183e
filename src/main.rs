// mimalloc: scoring thousands of units on several threads is mostly small allocations, which
// glibc's per-thread arenas serve markedly slower (measured with scripts/bench).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(unitguard::run(std::env::args_os()));
}
