//! `sqlx::migrate!` embeds `../migrations` at compile time, but cargo does not know the
//! macro reads that folder: without this, an incremental build keeps the migrations of the
//! last full build and a new one is silently left out.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
