//! Opening the system browser from the shell: `$BROWSER` when it is set (the core's
//! [`EnvBrowser`]), otherwise the desktop's opener. A failure is returned as text for the UI,
//! which then shows the address for the user to open by hand.

use accounts_core::browser::EnvBrowser;
use tauri::{AppHandle, Runtime};
use tauri_plugin_opener::OpenerExt;
use url::Url;

/// Opens `url` in the system browser.
pub fn open<R: Runtime>(app: &AppHandle<R>, url: &Url) -> Result<(), String> {
    match EnvBrowser::from_env() {
        Some(browser) => browser.open(url).map_err(|e| e.to_string()),
        None => app
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|e| format!("could not open the browser: {e}")),
    }
}
