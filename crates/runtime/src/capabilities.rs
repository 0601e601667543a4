//! Capability sets of the container process (`process.capabilities`).

use caps::{CapSet, Capability, CapsHashSet};
use oci_spec::runtime::{Capabilities, LinuxCapabilities};

fn to_caps(set: &Option<Capabilities>) -> CapsHashSet {
    set.iter()
        .flatten()
        // oci-spec prints `CHOWN`, caps parses `CAP_CHOWN`; capabilities unknown to this kernel
        // or library are skipped, as runc does.
        .filter_map(|c| format!("CAP_{c}").parse::<Capability>().ok())
        .collect()
}

/// Drops every capability not in the bounding set. Must run before the user switch (it needs
/// CAP_SETPCAP).
pub(crate) fn drop_bounding(spec: &LinuxCapabilities) -> Result<(), String> {
    let keep = to_caps(spec.bounding());
    let current =
        caps::read(None, CapSet::Bounding).map_err(|e| format!("reading bounding set: {e}"))?;
    for cap in current.difference(&keep) {
        caps::drop(None, CapSet::Bounding, *cap)
            .map_err(|e| format!("dropping {cap} from bounding set: {e}"))?;
    }
    Ok(())
}

/// Sets the inheritable, permitted, effective and ambient sets (after the user switch, which
/// keeps the permitted set thanks to PR_SET_KEEPCAPS).
pub(crate) fn apply_sets(spec: &LinuxCapabilities) -> Result<(), String> {
    let effective = to_caps(spec.effective());
    let permitted = to_caps(spec.permitted());
    let inheritable = to_caps(spec.inheritable());
    caps::set(None, CapSet::Inheritable, &inheritable)
        .map_err(|e| format!("setting inheritable caps: {e}"))?;
    // Effective must stay within permitted while both change: lower effective first.
    let interim: CapsHashSet = effective.intersection(&permitted).copied().collect();
    caps::set(None, CapSet::Effective, &interim)
        .map_err(|e| format!("setting effective caps: {e}"))?;
    caps::set(None, CapSet::Permitted, &permitted)
        .map_err(|e| format!("setting permitted caps: {e}"))?;
    caps::set(None, CapSet::Effective, &effective)
        .map_err(|e| format!("setting effective caps: {e}"))?;
    let ambient = to_caps(spec.ambient());
    caps::clear(None, CapSet::Ambient).map_err(|e| format!("clearing ambient caps: {e}"))?;
    for cap in ambient {
        // Ambient capabilities need to be permitted and inheritable; skip the others as runc does.
        if permitted.contains(&cap) && inheritable.contains(&cap) {
            caps::raise(None, CapSet::Ambient, cap)
                .map_err(|e| format!("raising ambient {cap}: {e}"))?;
        }
    }
    Ok(())
}
