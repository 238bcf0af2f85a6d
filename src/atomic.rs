//! Atomic file writes: a temporary file in the same folder, flushed to disk, then renamed
//! over the target. A reader — or a resumed run — sees the old file or the new one, never
//! a torn one. A leaf module: every layer that writes results uses it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `contents` to `path` atomically, creating the parent folder if needed.
pub fn write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temp_path(path);
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// `name.<pid>.tmp` beside the target: unique per process, ignored by `.gitignore`.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("baldwin-atomic-{}", std::process::id()));
        let path = dir.join("nested").join("x.txt");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "only the target remains");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
