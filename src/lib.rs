//! fibocom-mqtt (work in progress).
#![no_std]
