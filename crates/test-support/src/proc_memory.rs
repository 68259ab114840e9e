//! The memory of a running app and its WebKit processes, read from `/proc` (Linux only), for
//! benchmarks: RSS from `/proc/PID/status` and PSS from `/proc/PID/smaps_rollup`, per process
//! of the app's process tree, as `scripts/bench_startup.py` sums them.

use std::collections::HashMap;
use std::path::Path;

/// One process's memory.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    /// Its process id.
    pub pid: u32,
    /// Its command name (`/proc/PID/comm`, at most 15 characters).
    pub name: String,
    /// Resident set size, KiB.
    pub rss_kib: u64,
    /// Proportional set size, KiB (shared pages split between the processes sharing them).
    pub pss_kib: u64,
}

/// The memory of a process tree, the root first.
#[derive(Debug, Clone)]
pub struct TreeMemory {
    /// Every process of the tree.
    pub processes: Vec<ProcessMemory>,
}

impl TreeMemory {
    /// Reads the tree under `root` now. Processes that end meanwhile are left out.
    #[must_use]
    pub fn of(root: u32) -> Self {
        let processes = process_tree(root)
            .into_iter()
            .filter_map(|pid| {
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
                let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
                    .unwrap_or_default();
                let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
                Some(ProcessMemory {
                    pid,
                    name: name.trim().to_owned(),
                    rss_kib: kib_field(&status, "VmRSS:"),
                    pss_kib: kib_field(&rollup, "Pss:"),
                })
            })
            .collect();
        Self { processes }
    }

    /// The summed RSS, MiB.
    #[must_use]
    pub fn rss_mib(&self) -> f64 {
        mib(self.processes.iter().map(|p| p.rss_kib).sum())
    }

    /// The summed PSS, MiB.
    #[must_use]
    pub fn pss_mib(&self) -> f64 {
        mib(self.processes.iter().map(|p| p.pss_kib).sum())
    }

    /// One line per process: name, pid, RSS and PSS.
    #[must_use]
    pub fn describe(&self) -> String {
        self.processes
            .iter()
            .map(|p| {
                format!(
                    "{} ({}): RSS {:.1} MiB, PSS {:.1} MiB",
                    p.name,
                    p.pid,
                    mib(p.rss_kib),
                    mib(p.pss_kib)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// KiB as MiB (exact below 2^52 KiB).
#[allow(clippy::cast_precision_loss)]
#[must_use]
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn kib_field(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Every process id under /proc.
fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// `root` and its descendants, found through each process's parent in `/proc/PID/stat`.
#[must_use]
pub fn process_tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for pid in pids() {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses: the fields after the last ')' are
        // fixed (state, then the parent's pid).
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let (mut tree, mut stack) = (Vec::new(), vec![root]);
    while let Some(pid) = stack.pop() {
        tree.push(pid);
        stack.extend(children.get(&pid).into_iter().flatten());
    }
    tree
}

/// The process running `binary` (compared by file name, as a rebuilt binary shows as
/// "NAME (deleted)") whose environment holds `marker` (`KEY=VALUE`), if there is one.
#[must_use]
pub fn find_process(binary: &Path, marker: &str) -> Option<u32> {
    let wanted = binary.file_name()?.to_string_lossy().into_owned();
    pids().into_iter().find(|pid| {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        let named = exe
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy())
            .is_some_and(|n| n.trim_end_matches(" (deleted)") == wanted);
        named
            && std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == marker.as_bytes()))
    })
}
