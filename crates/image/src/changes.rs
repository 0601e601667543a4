//! Dockerfile-style `--change` instructions for `import` and `commit`.
