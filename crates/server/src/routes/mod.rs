//! One router module per API resource.

pub mod archive;
pub mod build;
pub mod containers;
pub mod disk_usage;
pub mod events;
pub mod exec;
pub mod images;
pub mod networks;
pub mod observe;
pub mod system;
pub mod transfer;
pub mod volumes;
