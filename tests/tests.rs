//! The one integration-test binary (the 2-core machine links once).

mod golden;
mod interop;
mod limits;
mod operations;
mod protocol;
mod skeleton;
mod util;
mod xroad;
