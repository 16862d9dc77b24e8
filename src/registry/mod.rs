//! The population register: the data model of persons and of buildings, dwellings and
//! properties, the code lists that name its codes, the redb store with its indexes (bulk
//! loaded through sorted runs), the
//! hand-written fixtures, the synthetic population generator and the counts by group.

pub mod codes;
pub mod estate;
pub mod estate_index;
pub mod fixture_error;
pub(crate) mod fixture_estate;
pub mod fixtures;
pub mod generate;
pub mod model;
pub mod name_index;
mod names;
pub mod reserved;
mod rng;
mod sorted_runs;
pub mod stats;
pub mod store;

pub use estate::{Building, Dwelling, Property};
pub use model::Person;
pub use store::{Lookup, Registry, RegistryError};
