//! `learn UNIT`: the unit restarted under the tracer through a runtime drop-in, exercised,
//! stopped and put back as it was.

use crate::cli::LearnArgs;
use crate::error::{Error, Result};

pub fn learn_unit(unit: &str, _args: &LearnArgs) -> Result<i32> {
    Err(Error::Usage(format!(
        "learn {unit}: tracing a unit is not built yet; trace its command with `unitguard learn -- CMD`"
    )))
}
