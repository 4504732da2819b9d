#!/usr/bin/env node
// stand-in-node.mjs: a stand-in Agoric node for end-to-end tests of slog senders.
//
// Usage:
//   node stand-in-node.mjs [--blocks N|forever] [--records-per-block N] [--interval-ms N]
//                          [--start-height N] [--seed N] [--sender PATH] [--state-dir DIR]
//                          [--agent self|process] [--emit PATH] [--burst]
//
// It loads a slog sender module the way Agoric's aggregator (@agoric/telemetry
// make-slog-sender.js) does: a dynamic import() of the module's absolute path, then
// `await makeSlogSender({ env: process.env, stateDir })`; it calls `sender(obj, jsonText)` for
// every record (jsonText serialized as Agoric does, since the sender's usesJsonObject is not
// false) and awaits `sender.forceFlush()` after every block's commit, as cosmic-swingset's
// chain-main.js does before the next block may start. With `--agent process` (or
// SLOGSENDER_AGENT=process) the sender runs in a forked child process fed over node IPC with
// structured-clone serialization, like Agoric's slog-sender-pipe.js.
//
// Blocks are scheduled every --interval-ms from the start; a block starts late when the
// previous one (its flush included) overran. Records are shaped like a real node's (see
// /work/shared/slog-reference.md): per block, cosmic-swingset-begin-block, -end-block-start,
// cranks (crank-start, deliver, syscall/syscall-result pairs, deliver-result, crank-finish with
// chained sha256 crankhash/activityhash), -end-block-finish, -commit-block-start,
// -commit-block-finish, and, after the flush, -after-commit-stats. Every field, `time` and
// `monotime` included, is a function of the seed and the height, so two runs with the same
// options send byte-identical records.
//
// Output (stdout), one JSON line per block, then a summary line:
//   {"height":H,"records":n,"flushMs":x,"blockDelayMs":y}
//   {"summary":true,"blocks":B,"records":R,"flushMs":{...},"blockDelayMs":{...},"stats":{...}}
// `stats` is the sender's stats() when it has one (flight-recorder-sender.js does).
//
// Options also come from the environment: STAND_IN_BLOCKS, STAND_IN_RECORDS_PER_BLOCK,
// STAND_IN_INTERVAL_MS, STAND_IN_START_HEIGHT, STAND_IN_SEED, STAND_IN_SENDER,
// STAND_IN_STATE_DIR, STAND_IN_EMIT; command-line options win. The sender itself reads its own
// variables (FLIGHT_RECORDER_SOCKET, ...) from the environment, as on a real node.
// SIGTERM/SIGINT finish the current block, shut the sender down, print the summary, exit 0.
// Exit status: 0 done; 1 the sender could not be loaded; 2 usage error.

import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultSender = path.resolve(here, '..', 'flight-recorder-sender.js');

// node --test runs every module under test/, this one included; without arguments there it
// has nothing to drive, so it stops at once.
if (process.env.NODE_TEST_CONTEXT && process.argv.length <= 2 && !process.env.STAND_IN_BLOCKS) {
  process.exit(0);
}

// --- serialization, as Agoric's aggregator does it (serialize-slog-obj.js) ---------------------

const replacer = (_key, value) => {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Error) {
    const plain = { errorType: value.name, message: value.message };
    if (Object.hasOwn(value, 'cause')) plain.cause = value.cause;
    if (Object.hasOwn(value, 'errors')) plain.errors = value.errors;
    if (value.stack) plain.stack = value.stack;
    return plain;
  }
  return value;
};
const serialize = obj => JSON.stringify(obj, replacer);

// --- the process agent's child side --------------------------------------------------------------

function runAgentChild() {
  // Like slog-sender-pipe-entrypoint.js: load the sender here, serialize each record here.
  let sender;
  let wantsJson = true;
  process.on('message', async msg => {
    try {
      switch (msg?.type) {
        case 'init': {
          const module = await import(msg.senderPath);
          sender = await module.makeSlogSender({ env: process.env, stateDir: msg.stateDir });
          wantsJson = sender?.usesJsonObject !== false;
          process.send({ type: 'initReply', hasSender: !!sender });
          break;
        }
        case 'send':
          sender?.(msg.obj, wantsJson ? serialize(msg.obj) : undefined);
          break;
        case 'flush':
          await sender?.forceFlush?.();
          process.send({ type: 'flushReply' });
          break;
        case 'shutdown':
          await sender?.shutdown?.();
          process.send({ type: 'shutdownReply', stats: sender?.stats?.() ?? null });
          process.disconnect();
          break;
        default:
          break;
      }
    } catch (error) {
      process.send({ type: `${msg?.type}Reply`, error: String(error?.stack ?? error) });
    }
  });
}

// --- options -------------------------------------------------------------------------------------

function usage(message) {
  if (message) process.stderr.write(`stand-in-node: ${message}\n`);
  // --help goes to stdout (exit 0); a usage error to stderr (exit 2).
  (message ? process.stderr : process.stdout).write(
    'usage: node stand-in-node.mjs [--blocks N|forever] [--records-per-block N] [--interval-ms N]\n' +
      '       [--start-height N] [--seed N] [--sender PATH] [--state-dir DIR] [--agent self|process]\n' +
      '       [--emit PATH] [--burst]\n',
  );
  process.exit(message ? 2 : 0);
}

function parseOptions(argv, env) {
  const opts = {
    blocks: env.STAND_IN_BLOCKS ?? '10',
    recordsPerBlock: env.STAND_IN_RECORDS_PER_BLOCK ?? '100',
    intervalMs: env.STAND_IN_INTERVAL_MS ?? '100',
    startHeight: env.STAND_IN_START_HEIGHT ?? '1000',
    seed: env.STAND_IN_SEED ?? '1',
    sender: env.STAND_IN_SENDER ?? defaultSender,
    stateDir: env.STAND_IN_STATE_DIR ?? os.tmpdir(),
    agent: env.SLOGSENDER_AGENT === 'process' ? 'process' : 'self',
    emit: env.STAND_IN_EMIT ?? '',
    burst: false,
  };
  const names = {
    '--blocks': 'blocks',
    '--records-per-block': 'recordsPerBlock',
    '--interval-ms': 'intervalMs',
    '--start-height': 'startHeight',
    '--seed': 'seed',
    '--sender': 'sender',
    '--state-dir': 'stateDir',
    '--agent': 'agent',
    '--emit': 'emit',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') usage();
    if (arg === '--burst') {
      opts.burst = true;
      continue;
    }
    const name = names[arg];
    if (!name) usage(`unknown option ${arg}`);
    if (i + 1 >= argv.length) usage(`${arg} needs a value`);
    opts[name] = argv[(i += 1)];
  }
  const integer = (name, min) => {
    const n = Number(opts[name]);
    if (!Number.isSafeInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`);
    return n;
  };
  return {
    blocks: opts.blocks === 'forever' ? Infinity : integer('blocks', 0) || Infinity,
    recordsPerBlock: integer('recordsPerBlock', 1),
    intervalMs: integer('intervalMs', 0),
    startHeight: integer('startHeight', 0),
    seed: integer('seed', 0),
    sender: path.resolve(opts.sender),
    stateDir: opts.stateDir,
    agent: ['self', 'process'].includes(opts.agent) ? opts.agent : usage('--agent is self or process'),
    emit: opts.emit,
    burst: opts.burst,
  };
}

// --- records -------------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32). */
function makeRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha256 = text => crypto.createHash('sha256').update(text).digest('hex');
const round6 = x => Math.round(x * 1e6) / 1e6;

/**
 * The slog of a deterministic chain: `block(height, n)` returns exactly n records for a block
 * (the last, after-commit-stats, to be sent after the flush), and `afterCommit` is separate.
 */
function makeChain({ seed, startHeight }) {
  const random = makeRandom(seed);
  const int = n => Math.floor(random() * n);
  let crankNum = 100000 + seed * 1000;
  let activityhash = sha256(`genesis ${seed}`);
  const deliveryNums = new Map();
  const vats = ['v1', 'v5', 'v9', 'v12', 'v43'];
  const methods = ['wake', 'getUpdateSince', 'publish', 'exitAllSeats', 'makeInvitation'];
  const syscalls = ['vatstoreGet', 'vatstoreSet', 'send', 'resolve', 'subscribe'];

  const block = (height, n) => {
    const blockTime = 1750000000 + (height - startHeight) * 6;
    let clock = blockTime + 0.2;
    let mono = 100 + (height - startHeight) * 6;
    const stamp = obj => {
      clock += 0.000137;
      mono += 0.000137;
      return { ...obj, time: round6(clock), monotime: round6(mono) };
    };
    const records = [];
    records.push(
      stamp({
        type: 'cosmic-swingset-begin-block',
        blockHeight: height,
        blockTime,
        interBlockSeconds: 6.012,
        afterCommitHangoverSeconds: 0.004,
        blockLagSeconds: 0.431,
        inboundQueueStats: {
          cosmic_swingset_inbound_queue_length_forced: 0,
          cosmic_swingset_inbound_queue_length_priority: 0,
          cosmic_swingset_inbound_queue_length_inbound: 0,
          cosmic_swingset_inbound_queue_length: 0,
        },
      }),
    );
    records.push(stamp({ type: 'cosmic-swingset-end-block-start', blockHeight: height, blockTime }));
    const fixedAfter = 4; // end-block-finish, commit-block-start/finish, after-commit-stats
    let room = n - records.length - fixedAfter;
    while (room >= 4) {
      crankNum += 1;
      const vatID = vats[int(vats.length)];
      const deliveryNum = (deliveryNums.get(vatID) ?? 1000) + 1;
      deliveryNums.set(vatID, deliveryNum);
      const method = methods[int(methods.length)];
      // Most bodies are short; now and then one is large, as real message bodies are.
      const extra = random() < 0.03 ? 'z'.repeat(2000 + int(6000)) : '';
      const body = `#["${method}",["+${blockTime}","${extra}"]]`;
      const ko = `ko${100 + int(900)}`;
      const methargs = { methargs: { body, slots: [] }, result: null };
      const k = Math.min(int(4), Math.floor((room - 4) / 2));
      const crank = { crankNum, vatID, deliveryNum, replay: false };
      records.push(
        stamp({ type: 'crank-start', crankType: 'delivery', crankNum, messageType: 'send', message: { type: 'send', target: ko, msg: methargs } }),
        stamp({ type: 'deliver', ...crank, dispatch: 'message', kd: ['message', ko, methargs], vd: ['message', `o+d${int(99)}/${int(9999)}`, methargs] }),
      );
      let changes = '';
      for (let s = 0; s < k; s += 1) {
        const syscall = syscalls[int(syscalls.length)];
        const key = `vom.o+d31/${int(99999)}`;
        changes += `add\n${vatID}.${key}\n${s}\n`;
        records.push(
          stamp({ type: 'syscall', ...crank, syscallNum: s, syscall, ksc: [syscall, vatID, key], vsc: [syscall, key] }),
          stamp({ type: 'syscall-result', ...crank, syscallNum: s, ksr: ['ok', null], vsr: ['ok', null] }),
        );
      }
      room -= 4 + 2 * k;
      // Pad an exact count: the last crank takes the odd one to three records as clist entries.
      const pad = room < 4 ? room : 0;
      for (let c = 0; c < pad; c += 1) {
        records.push(stamp({ type: 'clist', crankNum, mode: 'export', vatID, kobj: `ko${int(99999)}`, vobj: `o+10/${int(9999)}` }));
      }
      room -= pad;
      records.push(
        stamp({ type: 'deliver-result', ...crank, dispatch: 'message', dr: ['ok', null, { compute: 100000 + int(2000000) }], seconds: 0.002 }),
      );
      const crankhash = sha256(`crank ${crankNum}\n${changes}`);
      activityhash = sha256(`activityhash\n${activityhash}\n${crankhash}\n`);
      records.push(
        stamp({ type: 'crank-finish', crankType: 'delivery', messageType: 'send', crankNum, crankhash, activityhash, seconds: 0.0025 }),
      );
    }
    // Fewer than four records of room and no crank to pad (tiny blocks): console records.
    for (let c = 0; c < room; c += 1) {
      records.push(stamp({ type: 'console', source: 'kernel', level: 'info', args: [`block ${height} note ${c}`] }));
    }
    records.push(stamp({ type: 'cosmic-swingset-end-block-finish', blockHeight: height, blockTime, seconds: 0.11 }));
    records.push(stamp({ type: 'cosmic-swingset-commit-block-start', blockHeight: height, blockTime }));
    records.push(
      stamp({
        type: 'cosmic-swingset-commit-block-finish',
        blockHeight: height,
        blockTime,
        runSeconds: 0.165372,
        chainTime: 0.011724,
        saveTime: 0.025004,
        cosmosCommitSeconds: 0.450846,
        fullSaveTime: 0.48585,
        seconds: 0.475849,
      }),
    );
    records.push(
      stamp({ type: 'cosmic-swingset-after-commit-stats', blockHeight: height, blockTime, heapStats: { total_heap_size: 1234567 } }),
    );
    // n smaller than the fixed records: keep the begin and the commit ones.
    return records.length > n ? [records[0], ...records.slice(records.length - (n - 1))].slice(-n) : records;
  };
  return { block };
}

// --- loading the sender --------------------------------------------------------------------------

async function loadSelf(senderPath, stateDir) {
  const module = await import(senderPath);
  if (typeof module.makeSlogSender !== 'function') throw Error(`${senderPath} exports no makeSlogSender`);
  const sender = await module.makeSlogSender({ env: process.env, stateDir });
  if (!sender) return undefined;
  const wantsJson = sender.usesJsonObject !== false;
  return {
    send: obj => sender(obj, wantsJson ? serialize(obj) : undefined),
    forceFlush: async () => sender.forceFlush?.(),
    // Returns the sender's final stats (after its last acknowledgements), if it has any.
    shutdown: async () => {
      await sender.shutdown?.();
      return sender.stats?.() ?? null;
    },
  };
}

async function loadProcess(senderPath, stateDir) {
  process.stderr.write('stand-in-node: loading the slog sender in a child process (like SLOGSENDER_AGENT=process)\n');
  const child = fork(fileURLToPath(import.meta.url), ['--agent-child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: process.env,
  });
  // One request at a time, replies in order, like slog-sender-pipe.js.
  let chain = Promise.resolve();
  const request = (type, payload = {}) => {
    const result = chain.then(
      () =>
        new Promise((resolve, reject) => {
          const onMessage = msg => {
            if (msg?.type !== `${type}Reply`) return;
            child.off('message', onMessage);
            if (msg.error) reject(Error(msg.error));
            else resolve(msg);
          };
          child.on('message', onMessage);
          child.send({ type, ...payload });
        }),
    );
    chain = result.catch(() => {});
    return result;
  };
  const { hasSender } = await request('init', { senderPath, stateDir });
  if (!hasSender) {
    child.disconnect();
    return undefined;
  }
  return {
    send: obj => child.send({ type: 'send', obj }),
    forceFlush: async () => {
      await request('flush');
    },
    shutdown: async () => {
      const { stats } = await request('shutdown');
      await new Promise(resolve => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      return stats;
    },
  };
}

// --- the block loop ------------------------------------------------------------------------------

async function main() {
  const opts = parseOptions(process.argv.slice(2), process.env);
  let sender;
  try {
    sender = opts.agent === 'process' ? await loadProcess(opts.sender, opts.stateDir) : await loadSelf(opts.sender, opts.stateDir);
  } catch (error) {
    process.stderr.write(`stand-in-node: cannot load the sender ${opts.sender}: ${error?.stack ?? error}\n`);
    process.exit(1);
  }
  if (!sender) {
    process.stderr.write(`stand-in-node: ${opts.sender} returned no sender\n`);
    process.exit(1);
  }
  const emitFd = opts.emit ? fs.openSync(opts.emit, 'w') : null;

  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const chain = makeChain(opts);
  const flushTimes = [];
  const delays = [];
  let total = 0;
  let pendingAfterCommit = null;
  const t0 = performance.now();
  let blocks = 0;
  for (let i = 0; i < opts.blocks && !stopping; i += 1) {
    const scheduled = t0 + i * opts.intervalMs;
    // Timers may fire a fraction of a millisecond early; wait until the schedule is reached.
    while (performance.now() < scheduled) {
      await new Promise(resolve => setTimeout(resolve, Math.max(1, scheduled - performance.now())));
    }
    const blockDelayMs = performance.now() - scheduled;
    const height = opts.startHeight + i;
    const records = chain.block(height, opts.recordsPerBlock);
    // The previous block's after-commit-stats goes out in this block's stream, as on a node.
    const afterCommit = records.at(-1).type === 'cosmic-swingset-after-commit-stats' ? records.pop() : null;
    const lines = [];
    const emit = obj => {
      sender.send(obj);
      if (emitFd !== null) lines.push(serialize(obj));
    };
    if (pendingAfterCommit) emit(pendingAfterCommit);
    pendingAfterCommit = null;
    for (const obj of records) {
      emit(obj);
      // Deliveries are asynchronous on a node: give the event loop a turn after each crank.
      if (!opts.burst && obj.type === 'crank-finish') await new Promise(resolve => setImmediate(resolve));
    }
    const flushStart = performance.now();
    await sender.forceFlush();
    const flushMs = performance.now() - flushStart;
    if (afterCommit) {
      // Sent right after the flush, like chain-main's afterCommit; counted with its block.
      pendingAfterCommit = afterCommit;
    }
    if (emitFd !== null && lines.length) fs.writeSync(emitFd, `${lines.join('\n')}\n`);
    const n = records.length + (afterCommit ? 1 : 0);
    total += n;
    blocks += 1;
    flushTimes.push(flushMs);
    delays.push(blockDelayMs);
    process.stdout.write(
      `${JSON.stringify({ height, records: n, flushMs: round3(flushMs), blockDelayMs: round3(blockDelayMs) })}\n`,
    );
  }
  if (pendingAfterCommit) {
    sender.send(pendingAfterCommit);
    if (emitFd !== null) fs.writeSync(emitFd, `${serialize(pendingAfterCommit)}\n`);
    await sender.forceFlush();
  }
  const finalStats = await sender.shutdown().catch(() => null);
  if (emitFd !== null) fs.closeSync(emitFd);
  process.stdout.write(
    `${JSON.stringify({
      summary: true,
      blocks,
      records: total,
      flushMs: summarize(flushTimes),
      blockDelayMs: summarize(delays),
      stats: finalStats,
    })}\n`,
  );
  process.exit(0);
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}

function summarize(values) {
  if (values.length === 0) return { max: 0, p50: 0, p99: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = q => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { max: round3(sorted.at(-1)), p50: round3(at(0.5)), p99: round3(at(0.99)) };
}

// Last, so that every declaration above is initialized before it runs.
if (process.argv[2] === '--agent-child') runAgentChild();
else await main();
