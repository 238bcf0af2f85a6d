//! The lock that keeps a second process from writing a results folder.

use std::path::{Path, PathBuf};

use super::{RunError, io_error};

/// A results folder held by this process: `.baldwin.lock` holds its pid and is removed
/// when the guard is dropped. A lock whose process no longer runs is taken over.
pub struct FolderLock {
    path: PathBuf,
}

impl FolderLock {
    /// Take the lock of `dir`, creating the folder; refuse if another live process holds it.
    pub fn acquire(dir: &Path) -> Result<Self, RunError> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let path = dir.join(".baldwin.lock");
        let me = std::process::id();
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    use std::io::Write;
                    file.write_all(me.to_string().as_bytes())
                        .map_err(io_error(&path))?;
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if pid != me && process_alive(pid) => {
                            return Err(RunError::Locked {
                                dir: dir.to_path_buf(),
                                pid,
                            });
                        }
                        // Stale (its process is gone) or unreadable: take it over.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(io_error(&path)(e)),
            }
        }
        Err(RunError::Locked {
            dir: dir.to_path_buf(),
            pid: 0,
        })
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether process `pid` still runs (Linux: `/proc/<pid>`; elsewhere assumed alive).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}
