//! The one integration-test binary (the 2-core machine links once).

mod products;
mod products_person;
mod skeleton;
mod util;
