//! The one integration-test binary (the 2-core machine links once).

mod certificates;
mod limits;
mod monitoring;
mod permits;
mod skeleton;
mod util;
