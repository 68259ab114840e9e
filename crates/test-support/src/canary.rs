//! Looking for a secret where it must never be: every file under some folders, in the forms a
//! leak would take (plain, JSON-escaped, percent-encoded, base64 at each of the three alignments).

use std::path::{Path, PathBuf};

use base64::Engine as _;

/// The text forms in which `secret` could appear in a file.
#[must_use]
pub fn secret_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    let json = serde_json::to_string(secret).expect("a string serialises");
    forms.push(json.trim_matches('"').to_owned());
    forms.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    forms.push(
        secret
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect(),
    );
    for engine in [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for shift in 0..3 {
            let mut bytes = vec![0u8; shift];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            // Only the characters that depend on the secret alone, whatever surrounds it.
            let start = shift.div_ceil(3) * 4;
            let end = encoded.len().saturating_sub(4);
            if end > start + 8 {
                forms.push(encoded[start..end].to_owned());
            }
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Every file under `roots` that contains `secret` in any of its forms, with the form found.
pub fn files_containing(secret: &str, roots: &[&Path]) -> Vec<(PathBuf, String)> {
    let forms = secret_forms(secret);
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = roots.iter().map(|p| p.to_path_buf()).collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.filter_map(Result::ok).map(|e| e.path()));
            }
        } else if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            for form in &forms {
                if text.contains(form.as_str()) {
                    found.push((path.clone(), form.clone()));
                }
            }
        }
    }
    found
}

/// Asserts that the app's folders under `home` (an `AppUnderTest` home) are `0700` and that the
/// registry, the EMS cache and the logs are `0600`: other local users may read none of them.
pub fn assert_private_files(home: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| {
        std::fs::metadata(path).map_or_else(
            |e| panic!("{} is missing: {e}", path.display()),
            |m| m.permissions().mode() & 0o777,
        )
    };
    let data = home.join("data/io.element.accounts");
    for dir in [
        data.clone(),
        data.join("logs"),
        home.join("cache/io.element.accounts"),
    ] {
        assert_eq!(mode(&dir), 0o700, "{} must be 0700", dir.display());
    }
    let mut files = vec![data.join("accounts.json")];
    for dir in [data.join("logs"), data.join("ems-cache")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    assert!(
        files.iter().any(|f| f.starts_with(data.join("logs"))),
        "the app wrote a log"
    );
    for file in &files {
        assert_eq!(mode(file), 0o600, "{} must be 0600", file.display());
    }
    if data.join("ems-cache").exists() {
        assert_eq!(mode(&data.join("ems-cache")), 0o700, "the EMS cache folder");
    }
}

/// Asserts that none of `secrets`, in any of its forms, is in a file under the app's data,
/// config, cache or state directories below `home` (an `AppUnderTest` home); `what` names the
/// secrets in the failure ("a token or password").
pub fn assert_not_written(home: &Path, secrets: &[&str], what: &str) {
    let roots: Vec<PathBuf> = ["data", "config", "cache", "state"]
        .iter()
        .map(|d| home.join(d))
        .collect();
    let roots: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
    for secret in secrets {
        let leaks = files_containing(secret, &roots);
        assert!(
            leaks.is_empty(),
            "{what} was written to disk: {:?}",
            leaks.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    }
}
