//! Builds the app from the top-level `tauri.conf.json` and declares the app's commands, so that
//! the window may call only what its capability file grants. Both come from the one command
//! list, `src/command_list.rs`: the manifest gets every name, and `capabilities/main.json` is
//! written here to grant the main window exactly those.

include!("src/command_list.rs");

/// Every command the app exposes.
const COMMANDS: &[&str] = app_commands!(command_names);

/// The main window's capability: the app's own commands and nothing else.
fn capability() -> String {
    let permissions: Vec<String> = COMMANDS
        .iter()
        .map(|name| format!("    \"allow-{}\"", name.replace('_', "-")))
        .collect();
    format!(
        "{{\n  \"$schema\": \"../gen/schemas/desktop-schema.json\",\n  \"identifier\": \"main-window\",\n  \"description\": \"The main window may call the app's own commands and nothing else. Written by build.rs from src/command_list.rs: edit the list, not this file.\",\n  \"windows\": [\n    \"main\"\n  ],\n  \"permissions\": [\n{}\n  ]\n}}\n",
        permissions.join(",\n")
    )
}

fn main() {
    println!("cargo:rerun-if-changed=src/command_list.rs");
    let path = std::path::Path::new("capabilities/main.json");
    let wanted = capability();
    // Written only when it changes: tauri-build watches the capabilities folder.
    if std::fs::read_to_string(path).ok().as_deref() != Some(wanted.as_str()) {
        std::fs::write(path, wanted).expect("write capabilities/main.json");
    }
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
