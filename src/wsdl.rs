//! The served WSDL documents, compiled in: the request schemas are read from them and the
//! server hands them out with the base URL filled in.

pub const SOSO_WSDL: &str = include_str!("../wsdl/SoSo.wsdl");
pub const XROAD_WSDL: &str = include_str!("../wsdl/SoSoAdapterService60.wsdl");
/// Where a WSDL's `soap:address` holds the base URL the server fills in.
pub const BASE_URL_MARKER: &str = "VTJ_EMULATOR_BASE_URL";
