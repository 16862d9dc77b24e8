//! The population register: the data model, the code lists that name its codes, the sled
//! store with its indexes, and the hand-written fixtures.

pub mod codes;
pub mod fixtures;
pub mod model;
pub mod store;

pub use model::Person;
pub use store::{Lookup, Registry, RegistryError};
