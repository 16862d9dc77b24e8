//! The one integration-test binary (the 2-core machine links once).

mod population;
mod skeleton;
mod util;
