"""Launches apps alternately and prints start-up time and memory figures (see bench-startup)."""

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import tempfile
import time


def children_map():
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid):
    children = children_map()
    tree, stack = [], [pid]
    while stack:
        p = stack.pop()
        tree.append(p)
        stack.extend(children.get(p, []))
    return tree


def memory_kib(pids):
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def launch_once(binary, settle):
    home = tempfile.mkdtemp(prefix="bench-startup.")
    env = dict(os.environ)
    for sub in ("data", "config", "cache", "state"):
        os.makedirs(os.path.join(home, sub))
        env[f"XDG_{sub.upper()}_HOME"] = os.path.join(home, sub)
    ready = os.path.join(home, "ready")
    env["ELEMENT_ACCOUNTS_READY_FILE"] = ready
    start = time.monotonic()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not os.path.exists(ready):
            if proc.poll() is not None:
                raise RuntimeError(f"{binary} exited with {proc.returncode} before it was ready")
            if time.monotonic() - start > 120:
                raise RuntimeError(f"{binary} was not ready within 120 s")
            time.sleep(0.002)
        ready_ms = (time.monotonic() - start) * 1000
        time.sleep(settle)
        tree = process_tree(proc.pid)
        rss, pss = memory_kib(tree)
        return ready_ms, rss / 1024, pss / 1024, len(tree)
    finally:
        tree = process_tree(proc.pid)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in tree[1:]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(home, ignore_errors=True)


def summary(values):
    return statistics.median(values), min(values), max(values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait after ready before reading memory")
    parser.add_argument("apps", nargs=2, help="NAME=BINARY, the app first and the baseline second")
    args = parser.parse_args()
    apps = [tuple(a.split("=", 1)) for a in args.apps]
    results = {name: [] for name, _ in apps}
    # One warm-up launch each, not counted: the first start pays for cold file caches.
    for name, binary in apps:
        launch_once(binary, 0.2)
    for i in range(args.runs):
        order = apps if i % 2 == 0 else list(reversed(apps))
        for name, binary in order:
            results[name].append(launch_once(binary, args.settle))

    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB; "
          f"{args.runs} runs each, alternating, after one warm-up; Xvfb; fresh data dirs per launch")
    print(f"{'app':<20} {'ready ms (median [min-max])':>30} {'RSS MiB':>24} {'PSS MiB':>24} {'procs':>6}")
    medians = {}
    for name, _ in apps:
        rows = results[name]
        cols = [summary([r[k] for r in rows]) for k in range(3)]
        medians[name] = [c[0] for c in cols]
        cells = [f"{m:.0f} [{lo:.0f}-{hi:.0f}]" if k == 0 else f"{m:.1f} [{lo:.1f}-{hi:.1f}]"
                 for k, (m, lo, hi) in enumerate(cols)]
        print(f"{name:<20} {cells[0]:>30} {cells[1]:>24} {cells[2]:>24} {rows[0][3]:>6}")
    app, base = apps[0][0], apps[1][0]
    ratios = [a / b for a, b in zip(medians[app], medians[base])]
    print(f"ratio {app} / {base}: ready {ratios[0]:.2f}x, RSS {ratios[1]:.2f}x, PSS {ratios[2]:.2f}x")


if __name__ == "__main__":
    main()
