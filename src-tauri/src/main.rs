//! The `element-accounts` binary: everything is in the library so that tests can drive it.

// Keep a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    element_accounts_lib::run();
}
