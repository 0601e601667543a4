//! Per-daemon network names and address ranges, unique among every test daemon on the machine.
//!
//! A slot is claimed by holding an exclusive `flock` on `/tmp/berth-test-netslots/<n>.lock` for the
//! daemon's lifetime (the kernel releases it when the test process dies, even by SIGKILL). Slot n
//! gives the default bridge `btn<n>`, `--bip 10.<200+n/256>.<n%256>.1/24` and the address pool
//! `10.<1+n/16>.<(n%16)*16>.0/20` (sixteen /24 networks). Whatever a crashed earlier holder of
//! the slot left (bridges, veths, nft tables) is removed when the slot is claimed and again when
//! it is released.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SLOTS: u32 = 199 * 16;
const LOCK_DIR: &str = "/tmp/berth-test-netslots";

pub struct NetSlot {
    pub index: u32,
    _lock: File,
}

impl NetSlot {
    /// Claims a free slot, starting from one derived from the pid so parallel processes rarely
    /// contend for the same lock file.
    pub fn claim() -> NetSlot {
        std::fs::create_dir_all(LOCK_DIR).expect("create net slot dir");
        let start = (std::process::id().wrapping_mul(37)) % SLOTS;
        for k in 0..SLOTS {
            let index = (start + k) % SLOTS;
            let path = PathBuf::from(LOCK_DIR).join(format!("{index}.lock"));
            let Ok(file) = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
            else {
                continue;
            };
            if file.try_lock().is_ok() {
                let slot = NetSlot { index, _lock: file };
                slot.remove_host_state(None);
                return slot;
            }
        }
        panic!("no free test network slot");
    }

    /// The daemon's default bridge (and nft table suffix).
    pub fn bridge(&self) -> String {
        format!("btn{:04}", self.index)
    }

    /// `--bip`: the default bridge's address.
    pub fn bip(&self) -> String {
        format!("10.{}.{}.1/24", 200 + self.index / 256, self.index % 256)
    }

    /// The first three octets of the default bridge's subnet (`10.200.7`).
    pub fn bip_prefix(&self) -> String {
        format!("10.{}.{}", 200 + self.index / 256, self.index % 256)
    }

    /// `--default-address-pool`.
    pub fn address_pool(&self) -> String {
        format!(
            "base=10.{}.{}.0/20,size=24",
            1 + self.index / 16,
            (self.index % 16) * 16
        )
    }

    /// A /24 inside this daemon's pool for tests that pass `--subnet` (n in 0..8; the daemon
    /// hands out the pool's lower half first).
    pub fn test_subnet(&self, n: u32) -> String {
        format!(
            "10.{}.{}.0/24",
            1 + self.index / 16,
            (self.index % 16) * 16 + 8 + (n % 8)
        )
    }

    /// The nft table berthd makes for this daemon.
    pub fn nft_table(&self) -> String {
        format!("berth_{}", self.bridge())
    }

    fn pool_contains(&self, addr: &str) -> bool {
        let Some(ip) = addr.split('/').next() else {
            return false;
        };
        let octets: Vec<u32> = ip.split('.').filter_map(|o| o.parse().ok()).collect();
        if octets.len() != 4 || octets[0] != 10 {
            return false;
        }
        let pool = (1 + self.index / 16, (self.index % 16) * 16);
        let in_pool = octets[1] == pool.0 && octets[2] >= pool.1 && octets[2] < pool.1 + 16;
        let in_bip = octets[1] == 200 + self.index / 256 && octets[2] == self.index % 256;
        in_pool || in_bip
    }

    /// Bridges of this slot: the default one, those named in `<data-root>/networks/*.json`, and
    /// any bridge holding an address of the slot's ranges.
    pub fn bridges(&self, data_root: Option<&Path>) -> Vec<String> {
        let mut names = vec![self.bridge()];
        if let Some(root) = data_root {
            if let Ok(entries) = std::fs::read_dir(root.join("networks")) {
                for e in entries.flatten() {
                    let Ok(bytes) = std::fs::read(e.path()) else {
                        continue;
                    };
                    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                        continue;
                    };
                    if let Some(b) = v["Bridge"].as_str().filter(|b| !b.is_empty()) {
                        names.push(b.to_string());
                    }
                }
            }
        }
        let out = Command::new("ip")
            .args(["-4", "-o", "addr", "show"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        for line in out.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            // "<n>: <ifname> inet <addr>/<len> ..."
            if f.len() > 3 && f[2] == "inet" && self.pool_contains(f[3]) {
                names.push(f[1].trim_end_matches(':').to_string());
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Removes the slot's bridges, the veths attached to them and the nft table.
    pub fn remove_host_state(&self, data_root: Option<&Path>) {
        for bridge in self.bridges(data_root) {
            if !Path::new("/sys/class/net").join(&bridge).exists() {
                continue;
            }
            for port in bridge_ports(&bridge) {
                run_quiet("ip", &["link", "delete", &port]);
            }
            run_quiet("ip", &["link", "delete", &bridge]);
        }
        for family in ["inet", "ip"] {
            run_quiet("nft", &["delete", "table", family, &self.nft_table()]);
        }
    }
}

/// Interfaces enslaved to `bridge` (the host ends of container veths).
pub fn bridge_ports(bridge: &str) -> Vec<String> {
    std::fs::read_dir(Path::new("/sys/class/net").join(bridge).join("brif"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn run_quiet(cmd: &str, args: &[&str]) {
    let _ = Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_disjoint_and_short() {
        let a = NetSlot::claim();
        let b = NetSlot::claim();
        assert_ne!(a.index, b.index);
        assert!(a.bridge().len() <= 15);
        assert_ne!(a.bip(), b.bip());
        assert_ne!(a.address_pool(), b.address_pool());
        assert!(a.pool_contains(&format!("{}.5/24", a.bip_prefix())));
        assert!(a.pool_contains(&a.test_subnet(3)));
        assert!(!a.pool_contains(&b.test_subnet(3)));
    }
}
