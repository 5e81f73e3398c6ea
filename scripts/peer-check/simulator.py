"""Start `papertrader gateway-sim` on a free port for a peer check, and stop it afterwards."""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("PAPERTRADER", os.path.join(ROOT, ".build", "debug", "papertrader"))


class Simulator:
    def __init__(self, *extra):
        self.args = [BINARY, "gateway-sim", "--port", "0", "--start", "2026-03-04T10:30:00-05:00", *extra]
        self.proc = None
        self.port = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            m = re.search(r"listening on [^:]+:(\d+)", line or "")
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                break
        raise RuntimeError("gateway simulator did not start: " + " ".join(self.args))

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Checks:
    """Collects named assertions and prints one line each, then a summary."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, label, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"PASS {self.name}: {label}")
        else:
            self.failed += 1
            print(f"FAIL {self.name}: {label} {detail}")
        sys.stdout.flush()

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1
