//! The native "save as" dialog, for the files an admin asks the app to write (a user list, the
//! generated passwords, the audit log). The path is chosen here, in the shell, so the front end
//! never names a file to write.

use std::path::PathBuf;

use gtk::prelude::{FileChooserExt, GtkWindowExt, NativeDialogExt};
use tauri::{AppHandle, Manager, Runtime};

/// Asks where to save a file, suggesting `name`; `None` when the user cancels.
pub async fn save_path<R: Runtime>(app: &AppHandle<R>, title: &str, name: &str) -> Option<PathBuf> {
    let (sender, answer) = tokio::sync::oneshot::channel();
    let (title, name) = (title.to_owned(), name.to_owned());
    let window = app.get_webview_window("main");
    // GTK lives on the main thread; the dialog runs its own loop there until answered.
    app.run_on_main_thread(move || {
        let parent = window.and_then(|w| w.gtk_window().ok());
        let dialog = gtk::FileChooserNative::new(
            Some(&title),
            parent.as_ref(),
            gtk::FileChooserAction::Save,
            Some("Save"),
            Some("Cancel"),
        );
        dialog.set_do_overwrite_confirmation(true);
        dialog.set_current_name(&name);
        if let Some(parent) = &parent {
            parent.present();
        }
        let chosen = (dialog.run() == gtk::ResponseType::Accept)
            .then(|| dialog.filename())
            .flatten();
        let _ = sender.send(chosen);
    })
    .ok()?;
    answer.await.ok().flatten()
}
