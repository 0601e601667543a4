//! Control groups for containers: detection of the host's cgroup mode and small cgroupfs writers
//! for v1 and v2 behind one [`CgroupManager`] trait.
//!
//! Managers are rooted at a configurable cgroupfs root (normally `/sys/fs/cgroup`) so they can be
//! exercised against a fake tree in a temporary directory.

mod error;
mod fsutil;
mod manager;
mod mode;
mod resources;
mod sample;
mod v1;
mod v2;

pub use error::CgroupError;
pub use manager::{open, open_at, CgroupManager, SelfAttach};
pub use mode::{detect_mode, detect_mode_at, CgroupMode, DEFAULT_ROOT};
pub use resources::{cpu_shares_to_weight, DeviceRule, Resources, Stats};
pub use sample::{
    parse_blkio_v1, parse_flat_keyed, parse_io_stat, sample, sample_at, BlkioEntry, CgroupSample,
};
pub use v1::V1Manager;
pub use v2::V2Manager;
