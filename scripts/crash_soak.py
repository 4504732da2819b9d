#!/usr/bin/env python3
"""Crash soak driver (scripts/crash-soak.sh builds the tools and calls this).

usage: crash_soak.py BIN_DIR WORK_DIR TRIALS [MODE]     MODE: stress | record | both (default)

Each trial SIGKILLs a real recording process at a random instant while a live `slog-tail -f`
reads the same ring, then checks the ring:
  stress: `slog-stress append --ack` (the library directly). `slog-tail --verify` finds no
          problem (every frame checksum-valid, sequences gap-free), and the newest sequence is
          the last acknowledged one or the one after it (an append that returned before the
          kill but whose acknowledgement had not been written).
  record: `slog-record` fed real slog lines (Tests/Fixtures/real-slog) through a FIFO. Lines the live
          reader had printed before the kill are acknowledged; after the kill the ring holds a
          contiguous run of the input ending at or after the last acknowledged line, and every
          line of the block in progress (after the last commit) up to it: the uncommitted block
          is kept.
In both, the live `slog-tail -f` must still be running (not crashed) when the trial ends, and
the ring is reopened by the next trial's writer (a fresh ring every 100 trials).
Prints one summary line per mode: 'MODE: N passed, M failed'. Exit status 1 on any failure.
"""
import glob, json, os, random, signal, subprocess, sys, time

bin_dir, work, trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else "both"
os.makedirs(work, exist_ok=True)
rng = random.Random(int(os.environ.get("SOAK_SEED", "1")))
tool = lambda name: os.path.join(bin_dir, name)
failures = []

def start_tail(ring, out):
    return subprocess.Popen([tool("slog-tail"), "-f", ring], stdout=out, stderr=subprocess.DEVNULL)

def stop_tail(tail, trial, what):
    alive = tail.poll() is None
    if alive:
        tail.send_signal(signal.SIGTERM)
        try: tail.wait(5)
        except subprocess.TimeoutExpired: tail.kill(); tail.wait()
    elif tail.returncode < 0 and -tail.returncode != signal.SIGTERM:
        failures.append(f"{what} trial {trial}: live slog-tail -f died with signal {-tail.returncode}")

def info(ring):
    run = subprocess.run([tool("slog-tail"), "--info", "--json", ring], capture_output=True, text=True)
    return json.loads(run.stdout) if run.stdout.strip() else None

def verify(ring):
    run = subprocess.run([tool("slog-tail"), "--verify", ring], capture_output=True, text=True)
    return run.returncode, run.stdout.strip().splitlines()[-1:] + run.stderr.strip().splitlines()[-1:]

def stress_trials(count):
    ring = os.path.join(work, "stress.ring")
    passed = 0
    for trial in range(count):
        if trial % 100 == 0 and os.path.exists(ring): os.unlink(ring)
        capacity = rng.choice([65536, 262144, 1 << 20])
        if not os.path.exists(ring): capacity_args = ["--capacity", str(capacity)]
        else: capacity_args = ["--capacity", str(info(ring)["capacity"])]
        acks = open(os.path.join(work, "acks"), "w+b")
        writer = subprocess.Popen([tool("slog-stress"), "append", "--ring", ring, *capacity_args, "--min-size", "0",
                                   "--max-size", str(rng.choice([100, 2000, 20000])), "--ack", "--seed", str(trial)],
                                  stdout=acks, stderr=subprocess.DEVNULL)
        while not os.path.exists(ring) and writer.poll() is None: time.sleep(0.001)
        with open(os.devnull, "wb") as sink:
            tail = start_tail(ring, sink)
            time.sleep(rng.uniform(0.002, 0.06))
            writer.send_signal(signal.SIGKILL); writer.wait()
            acks.seek(0); text = acks.read().decode()
            lines = text.split("\n")[:-1]  # complete lines only
            last_ack = int(lines[-1]) if lines else None
            status, summary = verify(ring)
            facts = info(ring)
            stop_tail(tail, trial, "stress")
        ok = status == 0 and facts is not None and facts["problems"] == 0
        if ok and last_ack is not None:
            ok = facts["lastSequence"] is not None and last_ack <= facts["lastSequence"] <= last_ack + 1
        if ok: passed += 1
        else: failures.append(f"stress trial {trial}: verify={status} {summary} last_ack={last_ack} info={facts and {k: facts[k] for k in ('firstSequence', 'lastSequence', 'problems', 'lostRecords')}}")
    return passed

def real_lines():
    lines = []
    for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "real-slog", "*.jsonl"))):
        with open(path, "rb") as f:
            lines += [l.rstrip(b"\n") for l in f if l.strip().startswith(b"{")]
    return lines

def record_trials(count):
    source = real_lines()
    ring = os.path.join(work, "record.ring")
    fifo = os.path.join(work, "fifo")
    passed = 0
    for trial in range(count):
        if os.path.exists(ring): os.unlink(ring)  # the input restarts too: one run per ring
        if os.path.exists(fifo): os.unlink(fifo)
        os.mkfifo(fifo)
        recorder = subprocess.Popen([tool("slog-record"), "--ring", ring, "--capacity", "4M", "--retain-all"],
                                    stdin=os.open(fifo, os.O_RDONLY | os.O_NONBLOCK), stderr=subprocess.DEVNULL)
        feed = open(fifo, "wb", buffering=0)
        start = rng.randrange(len(source) // 2)
        shown = rng.randrange(5, 200)
        written = source[start:start + shown]
        for line in written: feed.write(line + b"\n")
        # Acknowledged: what the live reader printed.
        while not os.path.exists(ring): time.sleep(0.001)
        out_path = os.path.join(work, "tail.out")
        with open(out_path, "wb") as out:
            tail = start_tail(ring, out)
            deadline = time.time() + 10
            acknowledged = 0
            while time.time() < deadline:
                with open(out_path, "rb") as seen: acknowledged = seen.read().count(b"\n")
                if acknowledged >= len(written): break
                time.sleep(0.002)
            # Records in flight when the kill lands.
            for line in source[start + shown:start + shown + rng.randrange(0, 50)]:
                try: feed.write(line + b"\n")
                except BrokenPipeError: break
            time.sleep(rng.uniform(0, 0.01))
            recorder.send_signal(signal.SIGKILL); recorder.wait()
            try: feed.close()
            except BrokenPipeError: pass
            dump = subprocess.run([tool("slog-tail"), ring], capture_output=True)
            stop_tail(tail, trial, "record")
        got = dump.stdout.split(b"\n")[:-1]
        expected_prefix = source[start:start + acknowledged]
        ok = dump.returncode == 0 and got[:len(expected_prefix)] == expected_prefix \
            and got == source[start:start + len(got)] and acknowledged == len(written)
        if ok: passed += 1
        else: failures.append(f"record trial {trial}: exit={dump.returncode} got={len(got)} acknowledged={acknowledged}/{len(written)} {dump.stderr.decode()[-200:]}")
    return passed

total_failed = 0
for name, run in (("stress", stress_trials), ("record", record_trials)):
    if mode not in (name, "both"): continue
    started = time.time()
    passed = run(trials)
    failed = trials - passed
    total_failed += failed
    print(f"crash soak {name}: {trials} trials in {time.time() - started:.0f}s", file=sys.stderr)
    print(f"{name}: {passed} passed, {failed} failed")
for f in failures[:20]: print("FAIL", f, file=sys.stderr)
sys.exit(1 if total_failed else 0)
