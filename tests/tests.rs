//! The one integration-test binary (the 2-core machine links once).

mod audit;
mod audit_admin;
mod audit_crash;
mod buildings;
mod certificates;
mod console;
mod deploy;
mod extraction;
mod faults;
mod golden;
mod identification;
mod interop;
mod limits;
mod loadtest;
mod monitoring;
mod operations;
mod permits;
mod population;
mod products;
mod products_person;
mod protocol;
mod reload;
mod residents;
mod skeleton;
mod util;
mod xroad;
