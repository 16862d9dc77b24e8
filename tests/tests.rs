//! The one integration-test binary (the 2-core machine links once).

mod audit;
mod audit_admin;
mod audit_crash;
mod skeleton;
mod util;
