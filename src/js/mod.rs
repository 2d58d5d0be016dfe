//! wasm-bindgen exports (filled in below).
