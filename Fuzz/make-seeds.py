#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made from real files (docs/RELIABILITY.md).

usage: make-seeds.py OUT_DIR RING_DIR
  OUT_DIR/json    one record per file: lines of the real slogs in Tests/Fixtures/real-slog
  OUT_DIR/jsonl   slices of those slogs (a few KB each, cut at and between lines)
  OUT_DIR/agoric  flight-recorder.bin files built by Agoric's writing algorithm
                  (docs/FORMAT-agoric.md) from real slog lines: wrapped, reset, crashed
  OUT_DIR/ring    copies of the rings in RING_DIR (written by slog-record/slog-stress)
Every seed is kept small (<= 64 KiB) so libFuzzer mutates it quickly.
"""
import glob, os, random, shutil, struct, sys

out, ring_dir = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
real = sorted(glob.glob(os.path.join(here, "..", "Tests", "Fixtures", "real-slog", "*.jsonl")))
lines = []
for path in dict.fromkeys(os.path.realpath(p) for p in real):
    with open(path, "rb") as f:
        lines += [l.rstrip(b"\n") for l in f if l.strip()]
rng = random.Random(7)
for kind in ("json", "jsonl", "agoric", "ring", "diff"):
    os.makedirs(os.path.join(out, kind), exist_ok=True)

def put(kind, name, data):
    with open(os.path.join(out, kind, name), "wb") as f:
        f.write(data)

# json: a spread of distinct record types, short ones first.
seen = {}
for l in lines:
    t = l[:60]
    if len(l) <= 4096 and t not in seen:
        seen[t] = l
for i, l in enumerate(list(seen.values())[:300]):
    put("json", f"line{i:03}", l)

# diff: pairs of real records (same type, often nearly equal) separated by 0xFF.
by_type = {}
for l in lines:
    if len(l) <= 4096: by_type.setdefault(l[:40], []).append(l)
pairs = [v for v in by_type.values() if len(v) >= 2]
for i in range(min(150, len(pairs) * 3)):
    group = pairs[i % len(pairs)]
    a, b = rng.sample(group, 2)
    put("diff", f"pair{i:03}", a + b"\xff" + b)

# jsonl: slices, some cut mid-line, one with CRLF and one with a blank line.
for i in range(40):
    start = rng.randrange(max(1, len(lines) - 20))
    chunk = b"\n".join(lines[start:start + rng.randrange(1, 20)]) + b"\n"
    if i % 5 == 1: chunk = chunk[: rng.randrange(1, len(chunk))]
    if i % 7 == 2: chunk = chunk.replace(b"\n", b"\r\n")
    if i % 9 == 3: chunk = b"\n\n" + chunk
    put("jsonl", f"slice{i:02}", chunk[:65536])

# agoric: Agoric's writer (flight-recorder.js), bugs included.
class Agoric:
    def __init__(self, arena):
        self.arena, self.buf, self.start, self.end = arena, bytearray(arena), 0, 0
    def free(self):
        return self.arena - self.end + self.start if self.start <= self.end else self.start - self.end
    def read(self, pos, n):
        return bytes(self.buf[(pos + i) % self.arena] for i in range(n))
    def write(self, json, crash_before_header=False):
        rec = struct.pack(">Q", len(json) + 1) + b"\n" + json
        n = len(rec)
        if n > self.arena: return
        while n > self.free() and self.start != self.end:
            length = struct.unpack(">Q", self.read(self.start, 8))[0]
            self.start = (self.start + 8 + length) % self.arena
        if self.start < self.end or self.start == self.end:
            for i, b in enumerate(rec): self.buf[(self.end + i) % self.arena] = b
        else:
            self.buf[self.end:self.end + n] = rec
        new_end = (self.end + n) % self.arena
        if not crash_before_header: self.end = new_end
    def file(self):
        return struct.pack(">QQQQ", 0x41472d534c4f4721, self.arena, self.start, self.end) + bytes(self.buf)

short = [l for l in lines if len(l) < 600]
for i, arena in enumerate([256, 512, 1024, 2048, 4096, 8192, 16384, 32768]):
    a = Agoric(arena)
    for j in range(rng.randrange(1, 60)):
        a.write(rng.choice(short), crash_before_header=(i % 3 == 2 and j == 20))
    put("agoric", f"agoric{i:02}", a.file())
put("agoric", "empty", Agoric(64).file())
too_big = Agoric(4096); too_big.write(b'{"type":"slog-record-too-big","snippet":"x"}'); put("agoric", "too-big", too_big.file())

# ring: whatever the tools wrote (small capacities only).
for i, path in enumerate(sorted(glob.glob(os.path.join(ring_dir, "*")))):
    if os.path.getsize(path) <= 70000:
        shutil.copy(path, os.path.join(out, "ring", f"ring{i:02}"))
