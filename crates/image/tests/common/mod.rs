//! Layer tars and references the image store tests build their images from.
#![allow(dead_code)] // each test file uses its own part of this module

use image::Reference;

/// A tar of regular files `(path, mode, content)`, in that order, all with one fixed mtime.
pub fn tar_of(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, mode, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_path(path).unwrap();
        h.set_mode(*mode);
        h.set_size(data.len() as u64);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

pub fn r(s: &str) -> Reference {
    Reference::parse(s).unwrap()
}
