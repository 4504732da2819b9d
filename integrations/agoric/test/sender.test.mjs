// Tests of flight-recorder-sender.js against a JS stand-in recorder (test/support).
// Run: node --test integrations/agoric/test/

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  DEFAULT_MAX_BUFFER,
  SENDER_VERSION,
  makeSlogSender,
  serializeSlogObj,
} from '../flight-recorder-sender.js';
import {
  analyzeStream,
  makeTempDir as makeTempDirRaw,
  startRecorder as startRecorderRaw,
  waitFor,
} from './support/recorder-stand-in.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// Everything a test opens is closed after it, pass or fail, so a failing test cannot leave a
// listener or a connection behind that keeps the test process alive.
const opened = [];
afterEach(async () => {
  for (const close of opened.splice(0)) await close().catch(() => {});
});

const makeTempDir = () => {
  const dir = makeTempDirRaw();
  // Removed after the test, once the recorders and senders in it are closed.
  cleanupDirs.push(dir);
  return dir;
};
const cleanupDirs = [];
afterEach(() => {
  for (const dir of cleanupDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const startRecorder = async (...args) => {
  const recorder = await startRecorderRaw(...args);
  opened.push(() => recorder.kill());
  return recorder;
};

/** Makes a sender whose log lines are collected instead of printed. */
const makeSender = async (env, stateDir) => {
  const logs = [];
  const sender = await makeSlogSender({ env, stateDir, log: line => logs.push(line) });
  opened.push(() => sender.shutdown());
  return { sender, logs };
};

// Generous: the slowest test takes about 3.5 s.
const limits = { timeout: 20000 };

/**
 * Feeds one block of numbered records, the way the aggregator does (object + JSON text), and
 * returns the next sequence number. `pad` makes each record about that many bytes.
 */
const feedBlock = (sender, height, count, seq, pad = 0) => {
  const filler = 'x'.repeat(pad);
  for (let i = 0; i < count; i += 1) {
    const obj =
      i === 0
        ? { type: 'cosmic-swingset-begin-block', blockHeight: height, blockTime: 1750000000 + height, seq }
        : { type: 'deliver', crankNum: seq, seq, body: filler };
    sender(obj, serializeSlogObj(obj));
    seq += 1;
  }
  return seq;
};

const timeFlush = async sender => {
  const start = performance.now();
  await sender.forceFlush();
  return performance.now() - start;
};

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

test('delivers every record in order, after a byte-exact hello', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'flight-recorder.sock');
  const recorder = await startRecorder(socketPath);
  // The default socket is ${stateDir}/flight-recorder.sock.
  const { sender, logs } = await makeSender({}, dir);
  assert.equal(sender.socketPath, socketPath);
  assert.equal(sender.usesJsonObject, true);
  assert.equal(sender.stats().connected, true);

  let seq = 0;
  for (let h = 100; h < 110; h += 1) {
    seq = feedBlock(sender, h, 200, seq, 100);
    const ms = await timeFlush(sender);
    assert.ok(ms < 50, `forceFlush took ${ms} ms`);
  }
  assert.ok(await waitFor(() => sender.stats().acked === seq), 'all records acknowledged');
  await sender.shutdown();

  const lines = recorder.allLines();
  assert.equal(
    lines[0].line,
    `{"type":"flight-recorder-sender-hello","protocol":1,"pid":${process.pid},"sender":"agoric-js","version":"${SENDER_VERSION}"}`,
  );
  const found = analyzeStream(lines);
  assert.equal(found.records, seq);
  assert.equal(found.lossReports.length, 0);
  const stats = sender.stats();
  assert.equal(stats.accepted, seq);
  assert.equal(stats.sent, seq);
  assert.equal(stats.acked, seq);
  assert.equal(stats.dropped, 0);
  assert.equal(stats.height, 109);
  assert.equal(stats.state, 'closed');
  // The bytes on the wire are exactly the aggregator's JSON text.
  const second = JSON.parse(lines[1].line);
  assert.equal(lines[1].line, serializeSlogObj(second));
  assert.deepEqual(logs.filter(l => !l.includes('connected to')), []);
  await recorder.close();
});

test('a paused recorder: forceFlush stays under 50 ms, memory stays capped, drops are exact', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'r.sock');
  const recorder = await startRecorder(socketPath);
  const { sender, logs } = await makeSender({ FLIGHT_RECORDER_SOCKET: socketPath }, undefined);
  assert.equal(sender.stats().maxBuffer, DEFAULT_MAX_BUFFER);

  let seq = 0;
  let height = 1000;
  seq = feedBlock(sender, height++, 100, seq, 200);
  await sender.forceFlush();
  assert.ok(await waitFor(() => sender.stats().acked === seq));

  // Stop reading and acknowledging for 3 s while blocks of ~150 KB keep coming every 50 ms:
  // ~9 MB, well past the kernel's socket buffer and the 4 MiB cap.
  recorder.pause();
  const flushTimes = [];
  let maxHeld = 0;
  const pauseEnd = Date.now() + 3000;
  while (Date.now() < pauseEnd) {
    seq = feedBlock(sender, height++, 500, seq, 300);
    const s = sender.stats();
    maxHeld = Math.max(maxHeld, s.queuedBytes + s.socketBufferedBytes);
    flushTimes.push(await timeFlush(sender));
    await sleep(50);
  }
  const during = sender.stats();
  assert.ok(during.droppedByReason['buffer-full'] > 0, 'the cap was reached');
  assert.ok(maxHeld <= DEFAULT_MAX_BUFFER, `held ${maxHeld} bytes`);
  const sorted = [...flushTimes].sort((x, y) => x - y);
  console.log(`# paused: ${flushTimes.length} flushes, p50 ${sorted[sorted.length >> 1].toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms, held max ${maxHeld}`);
  assert.ok(Math.max(...flushTimes) <= 50, `slowest forceFlush ${Math.max(...flushTimes)} ms`);
  assert.ok(
    logs.some(l => l.includes('not keeping up')),
    'one log line says the recorder is not keeping up',
  );
  assert.equal(logs.filter(l => l.includes('not keeping up')).length, 1);

  recorder.resume();
  // Once the backlog is through, one more block: the last loss report must precede it.
  assert.ok(await waitFor(() => sender.stats().queuedBytes + sender.stats().socketBufferedBytes === 0, 5000));
  seq = feedBlock(sender, height++, 10, seq);
  await sender.forceFlush();
  assert.ok(await waitFor(() => sender.stats().acked + sender.stats().dropped === seq, 5000));
  const stats = sender.stats();
  assert.equal(stats.accepted, seq);
  assert.equal(stats.acked + stats.dropped, seq);
  assert.equal(stats.dropped, stats.droppedByReason['buffer-full'], JSON.stringify({ stats, logs }));

  const found = analyzeStream(recorder.allLines());
  assert.equal(found.records, stats.acked);
  assert.equal(found.lostReported, stats.dropped);
  assert.equal(found.pendingLoss, 0);
  for (const report of found.lossReports) {
    assert.equal(report.reason, 'buffer-full');
    assert.ok(report.firstHeight >= 1001 && report.lastHeight >= report.firstHeight);
  }
  await sender.shutdown();
  await recorder.close();
});

test('a recorder closed and reopened: reconnects within 1 s and reports the loss exactly', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'r.sock');
  let recorder = await startRecorder(socketPath);
  const { sender, logs } = await makeSender({ FLIGHT_RECORDER_SOCKET: socketPath });
  let seq = 0;
  seq = feedBlock(sender, 50, 20, seq);
  await sender.forceFlush();
  assert.ok(await waitFor(() => sender.stats().acked === seq));
  const firstLines = recorder.allLines();

  await recorder.close();
  assert.ok(await waitFor(() => sender.stats().state === 'unreachable'));
  // Blocks while the recorder is away: dropped and counted, forceFlush still prompt.
  const dropStart = seq;
  for (let h = 51; h < 54; h += 1) {
    seq = feedBlock(sender, h, 30, seq);
    assert.ok((await timeFlush(sender)) < 50);
    await sleep(100);
  }
  assert.equal(sender.stats().droppedByReason['recorder-unreachable'], seq - dropStart);

  const reopenedAt = Date.now();
  recorder = await startRecorder(socketPath);
  assert.ok(await waitFor(() => sender.stats().connected, 1000), 'reconnected within 1 s');
  const reconnectMs = Date.now() - reopenedAt;
  seq = feedBlock(sender, 54, 10, seq);
  await sender.forceFlush();
  assert.ok(await waitFor(() => sender.stats().acked + sender.stats().dropped === seq));

  const lines = recorder.allLines();
  assert.equal(JSON.parse(lines[0].line).type, 'flight-recorder-sender-hello');
  assert.deepEqual(JSON.parse(lines[1].line), {
    type: 'flight-recorder-sender-lost',
    count: 90,
    firstHeight: 51,
    lastHeight: 53,
    reason: 'recorder-unreachable',
  });
  // Byte-exact: the loss report's field order is part of the protocol.
  assert.equal(
    lines[1].line,
    '{"type":"flight-recorder-sender-lost","count":90,"firstHeight":51,"lastHeight":53,"reason":"recorder-unreachable"}',
  );
  const found = analyzeStream([...firstLines, ...lines.map(l => ({ conn: l.conn + 1, line: l.line }))]);
  assert.equal(found.records + found.lostReported, seq);
  const stats = sender.stats();
  assert.equal(stats.reconnects, 1);
  assert.ok(logs.some(l => l.includes('connection to') && l.includes('lost')));
  assert.ok(logs.some(l => l.includes('lost 90 records between heights 51 and 53')));
  assert.ok(reconnectMs <= 1000, `reconnected after ${reconnectMs} ms`);
  await sender.shutdown();
  await recorder.close();
});

test('a recorder killed with unread bytes: every unacknowledged record is reported lost, exactly', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'r.sock');
  let recorder = await startRecorder(socketPath);
  const { sender } = await makeSender({ FLIGHT_RECORDER_SOCKET: socketPath });
  let seq = 0;
  seq = feedBlock(sender, 7, 50, seq);
  await sender.forceFlush();
  assert.ok(await waitFor(() => sender.stats().acked === seq));
  const firstLines = () => recorder.allLines();
  const kept = [];

  // Paused, so the kernel buffer holds records the recorder never reads; then killed.
  recorder.pause();
  for (let h = 8; h < 12; h += 1) {
    seq = feedBlock(sender, h, 200, seq, 200);
    await sender.forceFlush();
  }
  const beforeKill = sender.stats();
  assert.ok(beforeKill.unackedRecords > 0);
  kept.push(...firstLines());
  await recorder.kill();
  assert.ok(await waitFor(() => sender.stats().state !== 'connected'));
  const afterKill = sender.stats();
  assert.equal(afterKill.droppedByReason['connection-lost'], beforeKill.unackedRecords);

  recorder = await startRecorder(socketPath);
  assert.ok(await waitFor(() => sender.stats().connected, 1000));
  seq = feedBlock(sender, 12, 5, seq);
  await sender.forceFlush();
  assert.ok(await waitFor(() => sender.stats().acked + sender.stats().dropped === seq));
  const lines = recorder.allLines().map(l => ({ conn: l.conn + 1, line: l.line }));
  const report = JSON.parse(lines[1].line);
  assert.equal(report.type, 'flight-recorder-sender-lost');
  assert.equal(report.reason, 'connection-lost');
  assert.ok(report.firstHeight >= 8 && report.lastHeight <= 11);
  const found = analyzeStream([...kept, ...lines]);
  assert.equal(found.records, sender.stats().acked);
  assert.equal(found.records + found.lostReported, seq);
  await sender.shutdown();
  await recorder.close();
});

test('no recorder at start: creates nothing at the path, counts drops, connects when it appears', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'later.sock');
  const { sender, logs } = await makeSender({ FLIGHT_RECORDER_SOCKET: socketPath });
  let seq = 0;
  // Records before any begin-block: heights are null in the report.
  for (let i = 0; i < 3; i += 1) {
    sender({ type: 'kernel-init-start', seq }, undefined);
    seq += 1;
  }
  seq = feedBlock(sender, 1, 40, seq);
  assert.ok((await timeFlush(sender)) < 50);
  await sleep(700);
  assert.equal(fs.existsSync(socketPath), false, 'nothing was created at the socket path');
  assert.deepEqual(fs.readdirSync(dir), []);
  const stats = sender.stats();
  assert.equal(stats.dropped, seq);
  assert.equal(stats.droppedByReason['recorder-unreachable'], seq);
  assert.equal(stats.lastError, 'ENOENT');
  // One line for the whole outage, not one per retry or per record.
  assert.equal(logs.filter(l => l.includes('unreachable')).length, 1);
  assert.ok(logs[0].includes('ENOENT'));

  const recorder = await startRecorder(socketPath);
  const appearedAt = Date.now();
  assert.ok(await waitFor(() => sender.stats().connected, 1000));
  assert.ok(Date.now() - appearedAt <= 1000);
  seq = feedBlock(sender, 2, 10, seq);
  await sender.forceFlush();
  assert.ok(await waitFor(() => sender.stats().acked === 10));
  const lines = recorder.allLines();
  assert.deepEqual(JSON.parse(lines[1].line), {
    type: 'flight-recorder-sender-lost',
    count: 43,
    firstHeight: null,
    lastHeight: 1,
    reason: 'recorder-unreachable',
  });
  const found = analyzeStream(lines);
  assert.equal(found.records, 10);
  assert.equal(found.lostReported, 43);
  await sender.shutdown();
  await recorder.close();
});

test('never throws, whatever it is given', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'r.sock');
  const recorder = await startRecorder(socketPath);
  const { sender } = await makeSender({ FLIGHT_RECORDER_SOCKET: socketPath });

  const circular = { type: 'circular' };
  circular.self = circular;
  const hostile = new Proxy(
    {},
    {
      get() {
        throw Error('hostile getter');
      },
    },
  );
  const inputs = [
    [circular, undefined],
    [{ type: 'big', n: 12345678901234567890n }, undefined],
    [undefined, undefined],
    [null, undefined],
    [42, undefined],
    ['a string', undefined],
    [() => {}, undefined],
    [Symbol('s'), undefined],
    [hostile, undefined],
    [{ type: 'error', err: Error('boom', { cause: 'why' }) }, undefined],
    [{ type: 'pretty' }, '{\n  "type": "pretty"\n}'],
    [{ type: 'not-a-string-json' }, 17],
    [{ type: 'empty-json' }, ''],
    [{ type: 'cosmic-swingset-begin-block', blockHeight: 77n }, undefined],
    [{ type: 'cosmic-swingset-begin-block', blockHeight: 'nope' }, undefined],
    [undefined, '{"type":"cosmic-swingset-begin-block","blockHeight":78}'],
    [{ type: 'unicode', s: 'é😀\u2028' }, undefined],
  ];
  for (const [obj, json] of inputs) {
    assert.doesNotThrow(() => sender(obj, json));
  }
  assert.doesNotThrow(() => sender());
  await sender.forceFlush();
  assert.ok(await waitFor(() => sender.stats().acked === inputs.length + 1));
  const lines = recorder.allLines().slice(1).map(l => l.line);
  assert.equal(lines.length, inputs.length + 1);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  const parsed = lines.map(l => JSON.parse(l));
  assert.deepEqual(parsed[0], {
    type: 'flight-recorder-sender-unserializable',
    recordType: 'circular',
    error: parsed[0].error,
  });
  assert.match(parsed[0].error, /circular/i);
  assert.equal(parsed[1].n, 12345678901234567000); // bigint → number, as Agoric does
  assert.equal(parsed[2].type, 'flight-recorder-sender-unserializable');
  assert.equal(parsed[3], null);
  assert.equal(parsed[4], 42);
  assert.equal(parsed[8].type, 'flight-recorder-sender-unserializable');
  assert.equal(parsed[9].err.errorType, 'Error');
  assert.equal(parsed[9].err.cause, 'why');
  assert.equal(lines[10], '{   "type": "pretty" }');
  assert.deepEqual(parsed[11], { type: 'not-a-string-json' });
  assert.deepEqual(parsed[12], { type: 'empty-json' });
  assert.equal(parsed[16].s, 'é😀\u2028');
  // Heights: 77 from a bigint, 'nope' ignored, 78 read from the text when no object is given.
  assert.equal(sender.stats().height, 78);
  assert.equal(sender.stats().internalErrors, 0);

  // A record larger than the whole cap is dropped and counted, not thrown.
  assert.doesNotThrow(() => sender({ type: 'huge' }, `{"type":"huge","s":"${'y'.repeat(DEFAULT_MAX_BUFFER)}"}`));
  assert.equal(sender.stats().droppedByReason['buffer-full'], 1);

  await assert.doesNotReject(sender.shutdown());
  await assert.doesNotReject(sender.shutdown());
  await assert.doesNotReject(sender.forceFlush());
  assert.doesNotThrow(() => sender({ type: 'after-shutdown' }));
  assert.equal(sender.stats().droppedByReason.shutdown, 1);
  await recorder.close();

  // makeSlogSender itself tolerates odd options.
  for (const opts of [undefined, null, {}, { env: null }, { env: { FLIGHT_RECORDER_MAX_BUFFER: 'lots' } }]) {
    const s = await makeSlogSender({ ...(opts ?? {}), log: () => {} });
    assert.doesNotThrow(() => s({ type: 'x' }));
    await s.shutdown();
  }
});

test('the module version in the hello is the package version', limits, async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(here, '..', 'package.json'), 'utf8'));
  assert.equal(SENDER_VERSION, pkg.version);
  assert.equal(pkg.type, 'module');
});

test('a socket path longer than sun_path: says why, creates nothing, drops and counts', limits, async () => {
  const dir = makeTempDir();
  const long = path.join(dir, `${'d'.repeat(100)}.sock`);
  const { sender, logs } = await makeSender({ FLIGHT_RECORDER_SOCKET: long });
  sender({ type: 'x' });
  await sender.forceFlush();
  assert.equal(sender.stats().dropped, 1);
  assert.equal(sender.stats().lastError, 'ENAMETOOLONG');
  assert.ok(logs.some(l => l.includes('longer than the 107 bytes')));
  assert.deepEqual(fs.readdirSync(dir), []);
  await sender.shutdown();
});

test('the memory cap is configurable and counts bytes on the socket', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'r.sock');
  const recorder = await startRecorder(socketPath);
  recorder.pause();
  const { sender } = await makeSender({ FLIGHT_RECORDER_SOCKET: socketPath, FLIGHT_RECORDER_MAX_BUFFER: '65536' });
  assert.equal(sender.stats().maxBuffer, 65536);
  let seq = 0;
  let maxHeld = 0;
  for (let h = 1; h <= 40; h += 1) {
    seq = feedBlock(sender, h, 100, seq, 500);
    const s = sender.stats();
    maxHeld = Math.max(maxHeld, s.queuedBytes + s.socketBufferedBytes);
    await sender.forceFlush();
  }
  assert.ok(maxHeld <= 65536, `held ${maxHeld}`);
  assert.ok(sender.stats().droppedByReason['buffer-full'] > 0);
  recorder.resume();
  assert.ok(await waitFor(() => sender.stats().acked + sender.stats().dropped === seq));
  const found = analyzeStream(recorder.allLines());
  assert.equal(found.records + found.lostReported, seq);
  await sender.shutdown();
  await recorder.close();
});

test('a recorder that breaks the protocol is dropped and retried, with exact accounting', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'r.sock');
  const recorder = await startRecorder(socketPath, { ack: () => 'garbage\n' });
  const { sender, logs } = await makeSender({ FLIGHT_RECORDER_SOCKET: socketPath });
  sender({ type: 'x', seq: 0 });
  await sender.forceFlush();
  assert.ok(await waitFor(() => logs.some(l => l.includes('protocol error'))));
  assert.ok(await waitFor(() => sender.stats().connects >= 2, 1500), 'retried');
  const s = sender.stats();
  assert.equal(s.droppedByReason['connection-lost'] >= 1, true);
  await sender.shutdown();
  await recorder.close();
});

test('the sender never keeps a process alive', limits, async () => {
  // A child process connects a sender and forgets it; it must exit on its own.
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'r.sock');
  const recorder = await startRecorder(socketPath);
  const { spawn } = await import('node:child_process');
  const moduleUrl = new URL('../flight-recorder-sender.js', import.meta.url).href;
  const script = `
    const { makeSlogSender } = await import(${JSON.stringify(moduleUrl)});
    const s = await makeSlogSender({ env: { FLIGHT_RECORDER_SOCKET: ${JSON.stringify(socketPath)} } });
    s({ type: 'from-child' });
    await s.forceFlush();
    const u = await makeSlogSender({ env: { FLIGHT_RECORDER_SOCKET: ${JSON.stringify(path.join(dir, 'none.sock'))} } });
    u({ type: 'dropped' });
  `;
  const started = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  opened.push(async () => child.kill());
  let stderr = '';
  child.stderr.on('data', d => {
    stderr += d;
  });
  const code = await new Promise(resolve => child.on('exit', resolve));
  assert.equal(code, 0, stderr);
  assert.ok(Date.now() - started < 3000, 'exited promptly');
  assert.ok(await waitFor(() => recorder.allLines().some(l => l.line.includes('from-child'))));
  assert.match(stderr, /flight-recorder-sender: connected to/);
  assert.match(stderr, /flight-recorder-sender: recorder unreachable at .*none\.sock: ENOENT/);
  await recorder.close();
});

test('the stand-in node drives the sender like the chain does', limits, async () => {
  const dir = makeTempDir();
  const socketPath = path.join(dir, 'r.sock');
  const recorder = await startRecorder(socketPath);
  const { spawn } = await import('node:child_process');
  const env = { ...process.env, FLIGHT_RECORDER_SOCKET: socketPath };
  delete env.NODE_TEST_CONTEXT;
  for (const agent of ['self', 'process']) {
    const before = recorder.allLines().length;
    const child = spawn(
      process.execPath,
      [path.join(here, 'stand-in-node.mjs'), '--blocks', '5', '--records-per-block', '60', '--interval-ms', '40', '--start-height', '300', '--agent', agent],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    opened.push(async () => child.kill());
    let out = '';
    let err = '';
    child.stdout.on('data', d => {
      out += d;
    });
    child.stderr.on('data', d => {
      err += d;
    });
    const code = await new Promise(resolve => child.on('exit', resolve));
    assert.equal(code, 0, err);
    const rows = out.trim().split('\n').map(l => JSON.parse(l));
    assert.equal(rows.length, 6);
    assert.deepEqual(
      rows.slice(0, 5).map(r => r.height),
      [300, 301, 302, 303, 304],
    );
    for (const row of rows.slice(0, 5)) {
      assert.equal(row.records, 60);
      // With the process agent the flush is an IPC round trip to the child on top of the
      // sender's own bound, and on a loaded host a cold child can take longer than 50 ms.
      const bound = agent === 'self' ? 50 : 250;
      assert.ok(row.flushMs < bound, `${agent}: ${JSON.stringify(rows)}`);
      assert.ok(row.blockDelayMs >= 0);
    }
    const summary = rows[5];
    assert.equal(summary.summary, true);
    assert.equal(summary.records, 300);
    assert.equal(summary.stats.accepted, 300);
    assert.equal(summary.stats.acked, 300, JSON.stringify(summary.stats));
    assert.ok(await waitFor(() => recorder.allLines().length - before === 301));
    const lines = recorder.allLines().slice(before);
    const types = lines.slice(1).map(l => JSON.parse(l.line).type);
    assert.equal(types[0], 'cosmic-swingset-begin-block');
    assert.ok(types.includes('crank-finish'));
    assert.equal(types.filter(t => t === 'cosmic-swingset-commit-block-finish').length, 5);
    if (agent === 'process') assert.match(err, /child process/);
  }
  await recorder.close();
});
