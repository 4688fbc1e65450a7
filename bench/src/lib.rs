//! Benchmarks of fibocom-mqtt (work in progress).
