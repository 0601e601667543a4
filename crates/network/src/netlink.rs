//! Netlink plumbing shared by bridge and endpoint code.
