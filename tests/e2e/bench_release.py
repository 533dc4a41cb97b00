"""Release figures (scripts/bench-release.sh runs this under Xvfb and a throwaway keychain):
start to the first painted screen (first-run setup, empty data dir), the app's peak RSS, and
`switchboard serve`'s peak RSS when idle. Prints one line per figure."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ADMIN, ADMIN_PASSWORD, Cli, TauriDriver, new_app_session

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def vm_hwm_kib(pid: int) -> int:
    """The process's peak resident set (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for {pid}")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found + [g for c in found for g in children(c)]


def main() -> None:
    app_binary = Path(os.environ["SWITCHBOARD_APP"])
    cli_binary = Path(os.environ["SWITCHBOARD_CLI"])
    work = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    driver = TauriDriver(log_path=work / "tauri-driver.log")
    driver.start()
    starts, app_peaks, tree_peaks = [], [], []
    try:
        for run in range(RUNS):
            artifacts = work / f"run{run}"
            artifacts.mkdir()
            began = time.monotonic()
            app = new_app_session(driver, app_binary, work / f"data{run}", artifacts,
                                  env={"SWITCHBOARD_NO_BACKGROUND_CHECKS": "1"})
            app.wait_screen("setup")
            app.next_frames()  # painted, not just in the DOM
            starts.append(time.monotonic() - began)
            pid = int((artifacts / "app.pid").read_text())
            time.sleep(1)  # let the window settle before reading its peak
            app_peaks.append(vm_hwm_kib(pid))
            tree_peaks.append(sum(vm_hwm_kib(p) for p in [pid, *children(pid)]))
            app.quit()
    finally:
        driver.stop()

    print(f"start to painted setup screen: median {statistics.median(starts):.2f} s, "
          f"max {max(starts):.2f} s ({RUNS} runs)")
    print(f"app peak RSS: {max(app_peaks) / 1024:.0f} MiB (app process); "
          f"{max(tree_peaks) / 1024:.0f} MiB with its WebKit processes (sum of peaks)")

    data = work / "serve-data"
    Cli(cli_binary, data).seed()
    serve = subprocess.Popen(
        [str(cli_binary), "--data-dir", str(data), "--user", ADMIN, "--password-stdin",
         "serve", "--port", "0"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    assert serve.stdin is not None
    serve.stdin.write(ADMIN_PASSWORD + "\n")
    serve.stdin.flush()
    time.sleep(5)
    if serve.poll() is not None:
        sys.exit(f"switchboard serve exited with {serve.returncode}")
    print(f"switchboard serve idle peak RSS: {vm_hwm_kib(serve.pid) / 1024:.1f} MiB")
    serve.terminate()
    serve.wait(timeout=10)


if __name__ == "__main__":
    main()
