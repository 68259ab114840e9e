//! The app's commands come from one list, `src-tauri/src/command_list.rs`: the handler, the
//! permission manifest, the window's capability (written by `build.rs`) and the TypeScript
//! `Command` union (in the generated bindings) are made from it. What cannot be generated is
//! checked here: every `#[tauri::command]` function is listed, the committed capability grants
//! exactly the listed commands, and every listed command has its typed wrapper in
//! `ui/src/ipc.ts`. Each check names the difference when it fails.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn listed() -> BTreeSet<String> {
    let names: BTreeSet<String> = element_accounts_lib::COMMANDS
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    assert!(names.len() > 40, "the list was read: {names:?}");
    assert_eq!(
        names.len(),
        element_accounts_lib::COMMANDS.len(),
        "a command is listed twice"
    );
    names
}

fn assert_same(name: &str, found: &BTreeSet<String>) {
    let listed = listed();
    let missing: Vec<_> = listed.difference(found).collect();
    let extra: Vec<_> = found.difference(&listed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name} drifted from src-tauri/src/command_list.rs: missing {missing:?}, not listed {extra:?}"
    );
}

/// The functions marked `#[tauri::command]` in the shell's sources.
fn defined() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("lib.rs")];
    for dir in [root.clone(), root.join("commands")] {
        for entry in std::fs::read_dir(&dir).expect("the shell's sources") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut names = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file");
        // The attribute on a line of its own, then the next line's `fn` name.
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[tauri::command]" {
                continue;
            }
            let signature = lines
                .next()
                .unwrap_or_else(|| panic!("a command without fn in {}", file.display()));
            let name: String = signature
                .split_once("fn ")
                .unwrap_or_else(|| panic!("no fn after the attribute in {}", file.display()))
                .1
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names
}

#[test]
fn every_command_function_is_listed() {
    assert_same("the #[tauri::command] functions", &defined());
}

#[test]
fn the_capability_grants_exactly_the_listed_commands() {
    let json: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).expect("the capability");
    let granted: BTreeSet<String> = json["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_same("capabilities/main.json", &granted);
}

#[test]
fn every_listed_command_has_its_wrapper() {
    let ipc = read("ui/src/ipc.ts");
    let called: BTreeSet<String> = ipc
        .split("call<")
        .skip(1)
        .filter_map(|rest| rest.split_once(">('").map(|(_, name)| name))
        .filter_map(|name| name.split('\'').next())
        .map(str::to_owned)
        .collect();
    assert_same("the wrappers in ui/src/ipc.ts", &called);
}
