//! The identifier ranges reserved for the generated population, so hand-written fixtures
//! and generated records never collide: the store, the generator and the fixture checks
//! all read them here.

/// VTJ-PRT numbers from here on are the generated population's.
pub const GENERATED_PRT_FROM: u32 = 910_000_000;
/// SATU numbers from here on are the generated population's.
pub const GENERATED_SATU_FROM: u32 = 20_000_000;
/// Property village/district numbers from here on are the generated population's.
pub const GENERATED_DISTRICT_FROM: u16 = 900;
