//! Files the app keeps in its data directory: private to this user, written atomically.
//!
//! Nothing secret is written to a file (secrets live in the keyring), but the registry, the
//! EMS cache, the matrix-sdk stores and the logs still say which accounts exist and where: other
//! local users have no business reading them. Folders are `0700` and files `0600`, set when
//! they are created and mended when an older version left them wider.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The mode of every folder the app makes.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every file the app writes.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) as `0700`, and narrows it to `0700` if it exists wider.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    restrict(dir, DIR_MODE)
}

/// Narrows `path` to `mode` when its permissions are wider (group or others may read it).
pub fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    let current = fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// Narrows every folder and file under `root` (and `root` itself) to `0700` / `0600`, for
/// data an older version wrote with the default modes.
pub fn restrict_tree(root: &Path) -> io::Result<()> {
    let metadata = match fs::symlink_metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if metadata.is_dir() {
        restrict(root, DIR_MODE)?;
        for entry in fs::read_dir(root)? {
            restrict_tree(&entry?.path())?;
        }
    } else if metadata.is_file() {
        restrict(root, FILE_MODE)?;
    }
    Ok(())
}

/// Writes `bytes` to `path` so that a crash leaves the old or the new content, never a mix: a
/// `0600` temporary file with a name of its own (two writers never share one), fsync, rename,
/// fsync of the folder. `before_rename` lets tests simulate a crash.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        before_rename()?;
        fs::rename(&temp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_private() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("a/b");
        private_dir(&dir).expect("created");
        assert_eq!(mode(&dir), DIR_MODE, "a new folder is 0700");
        let file = dir.join("f.json");
        write_atomic(&file, b"{}", || Ok(())).expect("written");
        assert_eq!(mode(&file), FILE_MODE, "a written file is 0600");
    }

    #[test]
    fn wider_modes_left_by_an_older_version_are_narrowed() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("data");
        fs::create_dir(&dir).expect("mkdir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        let file = dir.join("accounts.json");
        fs::write(&file, b"{}").expect("write");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
        restrict_tree(&dir).expect("narrowed");
        assert_eq!(mode(&dir), DIR_MODE);
        assert_eq!(mode(&file), FILE_MODE);
    }

    #[test]
    fn two_writers_never_share_a_temporary_file() {
        let root = tempfile::tempdir().expect("temp dir");
        let file = root.path().join("shared.json");
        let inner = file.clone();
        // The first write is held open at the rename while the second runs to the end.
        write_atomic(&file, b"first", || {
            write_atomic(&inner, b"second", || Ok(()))?;
            Ok(())
        })
        .expect("both writes complete");
        assert_eq!(
            fs::read(&file).expect("read"),
            b"first",
            "each writer renames its own temporary file"
        );
        let leftovers = fs::read_dir(root.path())
            .expect("list")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            })
            .count();
        assert_eq!(leftovers, 0, "no temporary file is left behind");
    }
}
