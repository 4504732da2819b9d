#!/usr/bin/env python3
# Two ~100 MB slogfiles for measuring slog-diff (README, slog-diff speed): the real 2022 sample
# cranks renumbered into consecutive blocks, the second with another clock:
#   scripts/slog-diff-inputs.py shared/real-slog/sample.slog_agoric-sdk_cec5887e4d_2022-06.jsonl a.slog 100000000 0
#   scripts/slog-diff-inputs.py shared/real-slog/sample.slog_agoric-sdk_cec5887e4d_2022-06.jsonl b.slog 100000000 3.25
# Generates an Agoric-shaped slogfile of about TARGET bytes from the real 2022 sample's cranks,
# renumbered into consecutive blocks; OFFSET shifts every time field (another validator's clock).
import re, sys
src, out, target, offset = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
lines = open(src).read().splitlines()
cranks, cur = [], None
for l in lines:
    if '"type":"crank-start"' in l: cur = [l]
    elif cur is not None:
        cur.append(l)
        if '"type":"crank-finish"' in l: cranks.append(cur); cur = None
num = re.compile(r'"crankNum":(\d+)')
tim = re.compile(r'"(time|monotime)":([0-9.e+-]+)')
def shift(m): return '"%s":%r' % (m.group(1), float(m.group(2)) + offset)
size, height, crank = 0, 1, 0
with open(out, 'w') as f:
    while size < target:
        block = ['{"type":"cosmic-swingset-begin-block","blockHeight":%d,"blockTime":%d,"time":%r,"monotime":1.5}' % (height, 1650000000 + height * 6, 1650000000.5 + height * 6 + offset)]
        for c in cranks:
            for l in c:
                l = num.sub('"crankNum":%d' % crank, l)
                block.append(tim.sub(shift, l))
            crank += 1
        block.append('{"type":"cosmic-swingset-commit-block-finish","blockHeight":%d,"blockTime":%d,"time":%r,"monotime":2.5}' % (height, 1650000000 + height * 6, 1650000001.5 + height * 6 + offset))
        text = "\n".join(block) + "\n"
        f.write(text); size += len(text); height += 1
print(out, size, height - 1, crank)
