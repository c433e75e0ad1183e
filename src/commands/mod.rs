//! One file per subcommand: argument handling and output, nothing else.

pub mod audit;
pub mod cat;
