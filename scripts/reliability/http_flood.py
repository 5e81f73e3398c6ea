#!/usr/bin/env python3
"""Opens N idle TCP connections to HOST:PORT (some sending half a request, slowly), holds them for
HOLD seconds, closes them, and prints one JSON line: how many connected, how many the server closed
while held, and /health latencies before, during and after. Used by http-flood.sh."""
import json, socket, sys, time, urllib.request

import os

host, port, n, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
pid = int(sys.argv[5]) if len(sys.argv) > 5 else None
peak_fds = 0


def sample():
    global peak_fds
    if pid:
        try:
            peak_fds = max(peak_fds, len(os.listdir(f"/proc/{pid}/fd")))
        except OSError:
            pass


def health(timeout=15.0):
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/health", timeout=timeout) as r:
            r.read()
            code = r.status
    except urllib.error.HTTPError as e:  # 503 (down) is still an answer
        code = e.code
    except Exception as e:  # no answer at all
        return {"ok": False, "error": type(e).__name__, "seconds": round(time.monotonic() - started, 3)}
    return {"ok": True, "status": code, "seconds": round(time.monotonic() - started, 3)}


before = health()
# /health latency while cycles run: 60 requests, 0.2 s apart (about a minute of simulated time at 60x).
latencies = []
for _ in range(60):
    h = health()
    latencies.append(h["seconds"] if h["ok"] else 99.0)
    time.sleep(0.2)
latencies.sort()
p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99) - 1 if len(latencies) > 1 else 0]
sockets, refused = [], 0
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    except OSError:
        refused += 1
        s.close()
        continue
    sockets.append(s)
time.sleep(0.5)
sample()
# A slow client: one header line, never finished.
for s in sockets[: n // 10]:
    try:
        s.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        pass
during = health(timeout=10.0)
deadline = time.monotonic() + hold
while time.monotonic() < deadline:
    sample()
    time.sleep(0.25)
closed_by_server = 0
sample()
for s in sockets:
    try:
        s.setblocking(False)
        data = s.recv(1)
        if data == b"":
            closed_by_server += 1
    except BlockingIOError:
        pass
    except OSError:
        closed_by_server += 1
    s.close()
after = [health() for _ in range(3)]
print(json.dumps({"opened": len(sockets), "refused": refused, "closed_by_server_while_held": closed_by_server,
                  "server_descriptors_peak": peak_fds, "health_p50_seconds": p50, "health_p99_seconds": p99, "health_max_seconds": latencies[-1], "health_before": before, "health_during": during, "health_after": after}))
