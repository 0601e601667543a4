//! One container in memory: its record behind a per-container lock, and a watch channel that
//! wakes `wait` callers without polling.

use tokio::sync::{watch, Mutex};

use crate::record::ContainerRecord;

/// What waiters observe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunStatus {
    pub running: bool,
    /// How many exits have been recorded since the daemon loaded the container.
    pub exits: u64,
    pub exit_code: i64,
    pub removed: bool,
}

/// Mutable state guarded by the container's lock.
#[derive(Debug)]
pub struct Entry {
    pub record: ContainerRecord,
    /// A shim holding a created (not yet started) init exists for this container.
    pub shim_ready: bool,
    /// A removal is in progress; further operations fail.
    pub removing: bool,
    /// Host pid of the created init, from the shim's handshake (while `shim_ready`).
    pub created_pid: Option<i64>,
    /// Backoff and count of the restart policy (memory only, as dockerd's restart manager).
    pub restart: crate::restart_policy::RestartManager,
    /// Bumped whenever a pending policy restart is canceled or replaced: a restart task that
    /// wakes up with an older value does nothing.
    pub restart_generation: u64,
    /// Bumped at every start and exit: a health monitor of an older run stops.
    pub health_generation: u64,
    /// A health monitor runs for the current run (closing it marks the container unhealthy).
    pub health_monitor_open: bool,
}

#[derive(Debug)]
pub struct ContainerHandle {
    pub id: String,
    /// Image id (`sha256:...`), immutable; read without the lock by image deletion.
    pub image_id: String,
    pub entry: Mutex<Entry>,
    pub status: watch::Sender<RunStatus>,
}

impl ContainerHandle {
    pub fn new(record: ContainerRecord, shim_ready: bool) -> Self {
        let status = RunStatus {
            running: record.state.running,
            exits: 0,
            exit_code: record.state.exit_code,
            removed: false,
        };
        ContainerHandle {
            id: record.id.clone(),
            image_id: record.image.clone(),
            entry: Mutex::new(Entry {
                record,
                shim_ready,
                removing: false,
                created_pid: None,
                restart: Default::default(),
                restart_generation: 0,
                health_generation: 0,
                health_monitor_open: false,
            }),
            status: watch::channel(status).0,
        }
    }

    pub fn is_running(&self) -> bool {
        self.status.borrow().running
    }

    pub fn set_running(&self, exit_code: i64) {
        self.status.send_modify(|s| {
            s.running = true;
            s.exit_code = exit_code;
        });
    }

    pub fn set_exited(&self, exit_code: i64) {
        self.status.send_modify(|s| {
            s.running = false;
            s.exits += 1;
            s.exit_code = exit_code;
        });
    }

    pub fn set_removed(&self) {
        self.status.send_modify(|s| {
            s.running = false;
            s.removed = true;
        });
    }
}
