// A stand-in for `slog-record --listen PATH`, the recorder side of PROTOCOL.md, for the
// sender's tests: it accepts connections on a Unix socket, keeps every complete line it reads,
// and after each read batch writes back the number of complete lines read on that connection.
// It can stop reading (pause), resume, close gracefully and be killed (connections destroyed
// with whatever the kernel still holds unread).
//
// node --test runs every module under test/, this one included: it only defines exports.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory for sockets; short, because sun_path holds 107 bytes. */
export const makeTempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'frs-'));

/**
 * @typedef {object} Connection
 * @property {net.Socket} socket
 * @property {string[]} lines complete lines read on this connection, without '\n'
 * @property {number} bytes bytes read
 * @property {boolean} ended whether the sender closed its side
 */

/**
 * Starts a recorder stand-in listening at `socketPath`.
 *
 * @param {string} socketPath
 * @param {{ ack?: boolean | ((count: number) => string) }} [options] `ack: false` never
 *   acknowledges; a function returns the text to send instead of `${count}\n`
 */
export const startRecorder = async (socketPath, options = {}) => {
  const { ack = true } = options;
  /** @type {Connection[]} */
  const connections = [];
  let paused = false;
  const server = net.createServer(socket => {
    /** @type {Connection} */
    const c = { socket, lines: [], bytes: 0, ended: false };
    connections.push(c);
    let partial = '';
    socket.on('data', data => {
      c.bytes += data.length;
      const text = partial + data.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) c.lines.push(line);
      if (ack === true) socket.write(`${c.lines.length}\n`);
      else if (typeof ack === 'function') socket.write(ack(c.lines.length));
    });
    socket.on('end', () => {
      c.ended = true;
      // A trailing partial line at EOF is discarded: it was never a complete record.
      socket.end();
    });
    socket.on('error', () => {});
    if (paused) socket.pause();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });

  return {
    server,
    connections,
    /** Every line of every connection, in order, tagged with its connection index. */
    allLines: () => connections.flatMap((c, i) => c.lines.map(line => ({ conn: i, line }))),
    /** Stops reading (and so acknowledging) on every connection, present and future. */
    pause() {
      paused = true;
      for (const c of connections) c.socket.pause();
    },
    resume() {
      paused = false;
      for (const c of connections) c.socket.resume();
    },
    /** Closes the listener and every connection after reading what has arrived. */
    async close() {
      const closed = new Promise(resolve => server.close(() => resolve(undefined)));
      for (const c of connections) c.socket.end();
      await closed;
    },
    /** Closes the listener and destroys every connection at once: unread bytes are lost. */
    async kill() {
      const closed = new Promise(resolve => server.close(() => resolve(undefined)));
      for (const c of connections) c.socket.destroy();
      await closed;
    },
  };
};

/** Polls `predicate` every 5 ms until it holds or `timeoutMs` passes. */
export const waitFor = async (predicate, timeoutMs = 2000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (predicate()) return true;
    if (Date.now() > deadline) return false;
    await new Promise(resolve => setTimeout(resolve, 5));
  }
};

/**
 * Checks a received stream against PROTOCOL.md for a sender fed records carrying `seq`
 * 0, 1, 2, ... in order: every connection starts with a hello; records arrive in order, never
 * twice; and every gap in `seq` is exactly the sum of the loss reports received since the last
 * record. Returns what it found; throws an Error describing the first violation.
 *
 * @param {{conn: number, line: string}[]} lines
 */
export const analyzeStream = lines => {
  const result = {
    hellos: 0,
    records: 0,
    lossReports: [],
    lostReported: 0,
    nextSeq: 0,
    pendingLoss: 0,
    heightsSeen: [],
  };
  let currentConn = -1;
  for (const { conn, line } of lines) {
    let obj;
    try {
      obj = JSON.parse(line);
    } catch {
      throw Error(`line is not JSON: ${line.slice(0, 80)}`);
    }
    if (conn !== currentConn) {
      if (obj.type !== 'flight-recorder-sender-hello') {
        throw Error(`connection ${conn} starts with ${line.slice(0, 80)}, not a hello`);
      }
      currentConn = conn;
      result.hellos += 1;
      continue;
    }
    if (obj.type === 'flight-recorder-sender-hello') throw Error('a second hello on one connection');
    if (obj.type === 'flight-recorder-sender-lost') {
      result.lossReports.push(obj);
      result.lostReported += obj.count;
      result.pendingLoss += obj.count;
      continue;
    }
    if (typeof obj.seq !== 'number') continue; // not a numbered test record
    const gap = obj.seq - result.nextSeq;
    if (gap < 0) throw Error(`record ${obj.seq} after ${result.nextSeq - 1}: out of order or repeated`);
    if (gap !== result.pendingLoss) {
      throw Error(`records ${result.nextSeq}..${obj.seq - 1} missing (${gap}) but ${result.pendingLoss} reported lost`);
    }
    result.pendingLoss = 0;
    result.nextSeq = obj.seq + 1;
    result.records += 1;
  }
  return result;
};
