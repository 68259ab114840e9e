//! The app's commands are listed in four places that Tauri and TypeScript each need: the
//! permission manifest (`src-tauri/build.rs`), the window's capability
//! (`src-tauri/capabilities/main.json`), the handler (`generate_handler!` in
//! `src-tauri/src/lib.rs`) and the typed wrappers' `Command` union (`ui/src/ipc.ts`). This test
//! fails, naming the difference, when any of them drifts from the others.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"))
        + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} not found after {start:?}"));
    &text[from..from + to]
}

/// Every `"quoted"` (or `'quoted'`) word in `text`, ignoring `//` comments.
fn quoted(text: &str, quote: char) -> BTreeSet<String> {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .flat_map(|line| {
            line.split(quote)
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn manifest() -> BTreeSet<String> {
    quoted(
        between(
            &read("src-tauri/build.rs"),
            "const COMMANDS: &[&str] = &[",
            "];",
        ),
        '"',
    )
}

fn capability() -> BTreeSet<String> {
    let json: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).expect("the capability");
    json["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

fn handler() -> BTreeSet<String> {
    between(
        &read("src-tauri/src/lib.rs"),
        "tauri::generate_handler![",
        "]",
    )
    .lines()
    .map(|line| line.split("//").next().unwrap_or_default())
    .flat_map(|line| line.split(','))
    .map(str::trim)
    .filter(|path| !path.is_empty())
    .filter_map(|path| path.rsplit("::").next())
    .map(str::to_owned)
    .collect()
}

fn typescript() -> BTreeSet<String> {
    quoted(between(&read("ui/src/ipc.ts"), "type Command =", ";"), '\'')
}

#[test]
fn the_four_command_lists_agree() {
    let manifest = manifest();
    assert!(manifest.len() > 40, "the manifest was read: {manifest:?}");
    for (name, list) in [
        ("capabilities/main.json", capability()),
        ("generate_handler! in lib.rs", handler()),
        ("the Command type in ui/src/ipc.ts", typescript()),
    ] {
        let missing: Vec<_> = manifest.difference(&list).collect();
        let extra: Vec<_> = list.difference(&manifest).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name} drifted from build.rs: missing {missing:?}, not in build.rs {extra:?}"
        );
    }
}
