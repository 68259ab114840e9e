//! A bare Tauri window: the same Tauri version as Element Accounts, a static page, no plugins.
//! It reports ready (the file named by `ELEMENT_ACCOUNTS_READY_FILE`) when the page has loaded,
//! so `scripts/bench-startup` can measure it the way it measures the app.

use tauri::webview::PageLoadEvent;

fn main() {
    let ready_file = std::env::var_os("ELEMENT_ACCOUNTS_READY_FILE");
    let result = tauri::Builder::default()
        .on_page_load(move |_webview, payload| {
            if payload.event() == PageLoadEvent::Finished {
                if let Some(path) = &ready_file {
                    if let Err(error) = std::fs::write(path, b"ready\n") {
                        eprintln!("bare-window: could not write the ready file: {error}");
                    }
                }
            }
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("bare-window could not start: {error}");
        std::process::exit(1);
    }
}
