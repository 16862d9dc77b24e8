//! The operations of the interface and their names on the direct (SoSo) and X-Road
//! interfaces: vocabulary the configuration, fault injection, audit and the operations
//! share, so it stands on the ground floor and imports nothing of the crate.

/// The operations of the direct interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    HaeTuotteenSkeema,
    TeeHenkilonTunnusKysely,
    TeeHenkilonTunnistusKysely,
    TeeHenkilonPoimintaKysely,
    TeeRakennusTunnusKysely,
    TeeRakennuksenTunnistusKysely,
    TeeKiinteistoTunnusKysely,
    TeeKiinteistonTunnistusKysely,
}

impl Operation {
    pub const ALL: [Operation; 8] = [
        Operation::HaeTuotteenSkeema,
        Operation::TeeHenkilonTunnusKysely,
        Operation::TeeHenkilonTunnistusKysely,
        Operation::TeeHenkilonPoimintaKysely,
        Operation::TeeRakennusTunnusKysely,
        Operation::TeeRakennuksenTunnistusKysely,
        Operation::TeeKiinteistoTunnusKysely,
        Operation::TeeKiinteistonTunnistusKysely,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::HaeTuotteenSkeema => "HaeTuotteenSkeema",
            Operation::TeeHenkilonTunnusKysely => "TeeHenkilonTunnusKysely",
            Operation::TeeHenkilonTunnistusKysely => "TeeHenkilonTunnistusKysely",
            Operation::TeeHenkilonPoimintaKysely => "TeeHenkilonPoimintaKysely",
            Operation::TeeRakennusTunnusKysely => "TeeRakennusTunnusKysely",
            Operation::TeeRakennuksenTunnistusKysely => "TeeRakennuksenTunnistusKysely",
            Operation::TeeKiinteistoTunnusKysely => "TeeKiinteistoTunnusKysely",
            Operation::TeeKiinteistonTunnistusKysely => "TeeKiinteistonTunnistusKysely",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }

    /// The operation's name on the X-Road interface (`SoSoAdapterService60`).
    pub fn xroad_name(self) -> &'static str {
        match self {
            Operation::HaeTuotteenSkeema => "HaeTuotteenSkeema",
            Operation::TeeHenkilonTunnusKysely => "HenkilonTunnusKysely",
            Operation::TeeHenkilonTunnistusKysely => "HenkilonTunnistusKysely",
            Operation::TeeHenkilonPoimintaKysely => "HenkilonPoimintaKysely",
            Operation::TeeRakennusTunnusKysely => "RakennuksenTunnusKysely",
            Operation::TeeRakennuksenTunnistusKysely => "RakennuksenTunnistusKysely",
            Operation::TeeKiinteistoTunnusKysely => "KiinteistonTunnusKysely",
            Operation::TeeKiinteistonTunnistusKysely => "KiinteistonTunnistusKysely",
        }
    }

    pub fn from_xroad_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.xroad_name() == name)
    }
}
