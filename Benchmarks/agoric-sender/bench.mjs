#!/usr/bin/env node
// bench.mjs: what integrations/agoric/flight-recorder-sender.js costs a node per slog record,
// against what a node pays today to write the same lines to a file (SLOGFILE-like writeSync).
//
// Usage:
//   node Benchmarks/agoric-sender/bench.mjs [--runs N] [--records N] [--per-block N]
//                                           [--json PATH] [--quick]
//
// Each sample feeds the same pre-serialized records (the aggregator serializes once for all
// senders, so serialization is not part of either cost) in blocks of --per-block records and,
// like the chain, awaits forceFlush() after every block. The cost is the node process's CPU
// time (process.cpuUsage(): user + system, all threads) from the first record until the
// recorder has acknowledged the last one, divided by the number of records: the sender call
// plus all the socket work it causes. After each block the sender variant waits (1 ms timer
// polls, their CPU counted against it) for the recorder to acknowledge the block, as a
// healthy recorder does within a block interval. The reader is a separate process (this script with
// --reader) that reads, counts lines and acknowledges as PROTOCOL.md says, then discards, so
// its CPU is not counted. The baseline writes each line with fs.writeSync to a file in the
// same directory (default os.tmpdir()). Variants are interleaved, their order alternating
// from run to run, after one warm-up of each; the table shows medians (and min) over --runs.
//
// Output: a table on stdout, then one JSON line (also written to --json PATH if given).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const senderPath = path.resolve(here, '..', '..', 'integrations', 'agoric', 'flight-recorder-sender.js');

// --- the reader process -------------------------------------------------------------------------

function runReader() {
  // Listens, reads everything, acknowledges the cumulative line count after each read batch,
  // discards the bytes. Prints "ready" once listening.
  const socketPath = process.argv[3];
  const server = net.createServer(socket => {
    let lines = 0;
    socket.on('data', data => {
      let i = data.indexOf(10);
      while (i !== -1) {
        lines += 1;
        i = data.indexOf(10, i + 1);
      }
      socket.write(`${lines}\n`);
    });
    socket.on('error', () => {});
    socket.on('end', () => socket.end());
  });
  server.listen(socketPath, () => process.stdout.write('ready\n'));
  process.on('disconnect', () => process.exit(0));
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

// --- options ------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { runs: 7, records: 200000, perBlock: 1000, json: '', dir: os.tmpdir() };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[(i += 1)];
    };
    if (a === '--runs') opts.runs = Number(next());
    else if (a === '--records') opts.records = Number(next());
    else if (a === '--per-block') opts.perBlock = Number(next());
    else if (a === '--json') opts.json = next();
    else if (a === '--dir') opts.dir = next();
    else if (a === '--quick') Object.assign(opts, { runs: 3, records: 20000 });
    else if (a === '-h' || a === '--help') {
      process.stdout.write(
        'usage: node bench.mjs [--runs N (7)] [--records N (200000)] [--per-block N (1000)]\n' +
          '                      [--dir DIR (tmpdir)] [--json PATH] [--quick]\n',
      );
      process.exit(0);
    } else fail(`unknown option ${a}`);
  }
  for (const k of ['runs', 'records', 'perBlock']) {
    if (!Number.isSafeInteger(opts[k]) || opts[k] < 1) fail(`--${k} must be a positive integer`);
  }
  return opts;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

// --- records ------------------------------------------------------------------------------------

// A realistic mix by size (slog-reference.md: usually 100 B - 2 KB, some much larger): the
// shapes of crank-start/deliver/syscall/crank-finish records, bodies varied deterministically.
function makeRecords(n, perBlock) {
  const records = [];
  let x = 12345;
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 4294967296;
  };
  const hex = () => Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
  for (let i = 0; i < n; i += 1) {
    let obj;
    if (i % perBlock === 0) {
      obj = { type: 'cosmic-swingset-begin-block', blockHeight: 1000 + i / perBlock, blockTime: 1750000000 + i };
    } else {
      const kind = i % 6;
      const body = rnd() < 0.02 ? 'z'.repeat(4000) : 'y'.repeat(Math.floor(rnd() * 200));
      const time = 1750000000 + i / 1000;
      if (kind === 0) obj = { type: 'crank-start', crankType: 'delivery', crankNum: i, messageType: 'send', message: { type: 'send', target: 'ko160', msg: { methargs: { body: `#["wake",["${body}"]]`, slots: [] }, result: null } }, time, monotime: i / 1000 };
      else if (kind === 1) obj = { type: 'deliver', crankNum: i, vatID: 'v5', deliveryNum: i, replay: false, dispatch: 'message', kd: ['message', 'ko160', { methargs: { body: `#["wake",["${body}"]]`, slots: [] }, result: null }], time, monotime: i / 1000 };
      else if (kind === 5) obj = { type: 'crank-finish', crankType: 'delivery', messageType: 'send', crankNum: i, crankhash: hex(), activityhash: hex(), time, monotime: i / 1000, seconds: 0.0006 };
      else obj = { type: 'syscall', crankNum: i, vatID: 'v5', deliveryNum: i, syscallNum: kind, replay: false, syscall: 'vatstoreSet', ksc: ['vatstoreSet', 'v5', `vom.o+d31/${i}`, `{"state":"${body.slice(0, 60)}"}`], vsc: ['vatstoreSet', `vom.o+d31/${i}`, '{}'], time, monotime: i / 1000 };
    }
    records.push({ obj, json: JSON.stringify(obj) });
  }
  return records;
}

// --- variants -----------------------------------------------------------------------------------

const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

async function untilAcked(sender, n) {
  for (;;) {
    const { acked, dropped } = sender.stats();
    if (dropped > 0) throw Error(`dropped ${dropped} records`);
    if (acked >= n) return;
    await new Promise(resolve => setTimeout(resolve, 1));
  }
}

async function runSender(records, perBlock, socketPath) {
  const { makeSlogSender } = await import(senderPath);
  const sender = await makeSlogSender({ env: { FLIGHT_RECORDER_SOCKET: socketPath }, log: () => {} });
  if (!sender.stats().connected) throw Error(`not connected to ${socketPath}`);
  const wall0 = performance.now();
  let callNs = 0;
  const cpu0 = cpuNs();
  for (let b = 0; b < records.length; b += perBlock) {
    const end = Math.min(records.length, b + perBlock);
    const t = process.hrtime.bigint();
    for (let i = b; i < end; i += 1) sender(records[i].obj, records[i].json);
    callNs += Number(process.hrtime.bigint() - t);
    await sender.forceFlush();
    // A chain's blocks are seconds apart and a healthy recorder has each one long before the
    // next; back-to-back blocks would outrun the reader on a small machine and measure drops.
    // So wait for the acknowledgement of this block, polling with 1 ms timers: the polls cost
    // this process a little CPU, counted against the sender.
    await untilAcked(sender, end);
  }
  const cpu = cpuNs() - cpu0;
  const wall = performance.now() - wall0;
  const stats = sender.stats();
  await sender.shutdown();
  return { cpuNsPerRecord: cpu / records.length, callNsPerRecord: callNs / records.length, wallMs: wall, dropped: stats.dropped };
}

async function runWriteSync(records, perBlock, filePath) {
  const fd = fs.openSync(filePath, 'w');
  const wall0 = performance.now();
  let callNs = 0;
  const cpu0 = cpuNs();
  for (let b = 0; b < records.length; b += perBlock) {
    const end = Math.min(records.length, b + perBlock);
    const t = process.hrtime.bigint();
    for (let i = b; i < end; i += 1) fs.writeSync(fd, `${records[i].json}\n`);
    callNs += Number(process.hrtime.bigint() - t);
    await null; // the chain's await of forceFlush; writeSync has nothing left to flush
  }
  const cpu = cpuNs() - cpu0;
  const wall = performance.now() - wall0;
  fs.closeSync(fd);
  fs.rmSync(filePath, { force: true });
  return { cpuNsPerRecord: cpu / records.length, callNsPerRecord: callNs / records.length, wallMs: wall, dropped: 0 };
}

// --- main ---------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(opts.dir, 'frs-bench-'));
  const socketPath = path.join(dir, 'r.sock');
  const reader = spawn(process.execPath, [fileURLToPath(import.meta.url), '--reader', socketPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    reader.stdout.once('data', resolve);
    reader.once('exit', code => reject(Error(`reader exited ${code}`)));
  });

  const records = makeRecords(opts.records, opts.perBlock);
  const bytes = records.reduce((n, r) => n + r.json.length + 1, 0);
  const variants = {
    'flight-recorder-sender': () => runSender(records, opts.perBlock, socketPath),
    'writeSync to a file (baseline)': () => runWriteSync(records, opts.perBlock, path.join(dir, 'slog.jsonl')),
  };
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map(n => [n, []]));
  for (const name of names) await variants[name](); // warm-up
  for (let run = 0; run < opts.runs; run += 1) {
    const order = run % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name].push(await variants[name]());
  }
  reader.stdin.end();
  reader.kill();
  fs.rmSync(dir, { recursive: true, force: true });

  const median = xs => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const summary = names.map(name => {
    const cpu = samples[name].map(s => s.cpuNsPerRecord);
    const call = samples[name].map(s => s.callNsPerRecord);
    return {
      variant: name,
      cpuNsPerRecordMedian: median(cpu),
      cpuNsPerRecordMin: Math.min(...cpu),
      callNsPerRecordMedian: median(call),
      wallMsMedian: median(samples[name].map(s => s.wallMs)),
    };
  });
  const sender = summary[0];
  const baseline = summary[1];
  const result = {
    benchmark: 'agoric-sender',
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '',
    loadavg: os.loadavg(),
    records: opts.records,
    perBlock: opts.perBlock,
    meanRecordBytes: Math.round(bytes / records.length),
    runs: opts.runs,
    summary,
    targets: {
      senderAtMostBaseline: sender.cpuNsPerRecordMedian <= baseline.cpuNsPerRecordMedian,
      senderAtMost2us: sender.cpuNsPerRecordMedian <= 2000,
    },
    samples,
  };

  const pad = (s, n) => String(s).padEnd(n);
  const num = (x, n) => x.toFixed(0).padStart(n);
  process.stdout.write(
    `agoric-sender: ${opts.records} records (${result.meanRecordBytes} B mean) in blocks of ${opts.perBlock}, ` +
      `median of ${opts.runs} interleaved runs; node ${process.version}, ${result.cpus} CPUs, load ${result.loadavg[0].toFixed(1)}\n\n`,
  );
  process.stdout.write(
    `${pad('variant', 32)} ${'CPU ns/rec'.padStart(11)} ${'(min)'.padStart(7)} ${'call ns/rec'.padStart(12)} ${'wall ms'.padStart(9)}\n`,
  );
  for (const s of summary) {
    process.stdout.write(
      `${pad(s.variant, 32)} ${num(s.cpuNsPerRecordMedian, 11)} ${num(s.cpuNsPerRecordMin, 7)} ${num(s.callNsPerRecordMedian, 12)} ${num(s.wallMsMedian, 9)}\n`,
    );
  }
  process.stdout.write(
    `\ntargets: sender <= baseline: ${result.targets.senderAtMostBaseline ? 'met' : 'NOT met'}; ` +
      `sender <= 2000 ns/record: ${result.targets.senderAtMost2us ? 'met' : 'NOT met'}\n`,
  );
  const json = JSON.stringify(result);
  process.stdout.write(`${json}\n`);
  if (opts.json) fs.writeFileSync(opts.json, `${json}\n`);
}

// Last, so that every declaration above is initialized before it runs.
if (process.argv[2] === '--reader') runReader();
else await main();
