//! The `element-accounts` binary: everything is in the library so that tests can drive it.

// Keep a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // `element-accounts seats …` is the command line: no window, no single-instance guard.
    if element_accounts_lib::cli::wanted() {
        return element_accounts_lib::cli::run();
    }
    element_accounts_lib::run();
    std::process::ExitCode::SUCCESS
}
