// flight-recorder-sender.js: an Agoric slog sender that streams the slog to a FlightRecorder
// (`slog-record --listen PATH`) over a Unix stream socket.
//
// Enable it on a node with
//
//   SLOGSENDER=/usr/local/share/flight-recorder/flight-recorder-sender.js
//   FLIGHT_RECORDER_SOCKET=/var/lib/agd/flight-recorder.sock      (optional)
//
// It is a plain ES module for node >= 20 with no dependencies, loaded by Agoric's slog sender
// aggregator (@agoric/telemetry make-slog-sender.js) in the node itself or, with
// SLOGSENDER_AGENT=process, in the aggregator's child process. The wire protocol is specified
// byte-exactly in PROTOCOL.md next to this file; README.md is the operator's guide.
//
// Why it looks the way it does. The chain awaits every sender's forceFlush() after each block
// commit before it starts the next block (cosmic-swingset chain-main.js, afterCommitCallback),
// so a sender that waits on a stalled reader stalls the chain: SLOGFILE pointed at a FIFO whose
// reader was stopped delayed the next block by the whole stop (8.8 s measured). Hence:
//
// - the record path only appends to an in-memory queue (and at most hands a full 64 KiB chunk
//   to the non-blocking socket); nothing on it can block or throw;
// - forceFlush() waits at most FLUSH_WAIT_MS (20 ms) for the queue to reach the kernel, and
//   resolves, never rejects, whatever the recorder does;
// - memory is capped (FLIGHT_RECORDER_MAX_BUFFER, default 4 MiB); beyond the cap, and while
//   the recorder is unreachable, records are dropped and counted, and the recorder is told
//   exactly how many were lost, between which block heights, before the next record it gets;
// - the socket is only ever connected to, never created, so a missing recorder never leaves a
//   regular file where the recorder will later listen (SLOGFILE's failure), and a restarted
//   recorder is found again within a second (SLOGFILE never reopens).

import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

/** The version of this module, sent in every connection's hello line. */
export const SENDER_VERSION = '1.0.0';

/** The wire protocol version (PROTOCOL.md). */
export const PROTOCOL_VERSION = 1;

/** Default cap on bytes held in node: queued records plus bytes the socket has not flushed. */
export const DEFAULT_MAX_BUFFER = 4 * 1024 * 1024;

/** The socket's file name inside `stateDir` when FLIGHT_RECORDER_SOCKET is not set. */
export const DEFAULT_SOCKET_NAME = 'flight-recorder.sock';

/** Longest Unix socket path: sun_path is 108 bytes on Linux, one of which is the NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** How long forceFlush() waits for queued bytes to be handed to the kernel. */
export const FLUSH_WAIT_MS = 20;

/** First and largest delay between connection attempts. */
export const RETRY_MIN_MS = 50;
export const RETRY_MAX_MS = 500;

// A chunk of queued records is handed to the socket in one write once it reaches this size
// (or at the next turn of the event loop, or at forceFlush): one syscall per chunk, not per
// record, is what keeps the per-record cost far below a writeSync per line.
const CHUNK_BYTES = 64 * 1024;

// Smallest accepted FLIGHT_RECORDER_MAX_BUFFER; a smaller cap would drop most large records.
const MIN_MAX_BUFFER = 4096;

// Unacknowledged line runs kept per connection. A healthy recorder acknowledges every read
// batch, so there are a handful; a recorder that reads but never acknowledges would make this
// grow by about one run per block, so past this bound the connection is dropped as broken.
const MAX_UNACKED_RUNS = 65536;

// How long shutdown() waits for the last bytes to be flushed and acknowledged.
const SHUTDOWN_WAIT_MS = 200;

const LOG_PREFIX = 'flight-recorder-sender:';

const BEGIN_BLOCK = 'cosmic-swingset-begin-block';
const BEGIN_BLOCK_PREFIX = `{"type":"${BEGIN_BLOCK}"`;

/** @typedef {'recorder-unreachable' | 'buffer-full' | 'connection-lost'} LossReason */

/**
 * Counters and state of a sender, for tests, benchmarks and diagnostics.
 *
 * Invariant: `accepted = acked + dropped + queuedRecords + unackedRecords`, where
 * `unackedRecords` are records written on the current connection and not yet acknowledged
 * (they become acked, or dropped with reason connection-lost).
 *
 * @typedef {object} SenderStats
 * @property {string} socketPath the socket the sender connects to
 * @property {'connecting' | 'connected' | 'unreachable' | 'closed'} state
 * @property {boolean} connected whether a connection is up (hello written)
 * @property {number} accepted records passed to the sender
 * @property {number} sent record lines written to a socket (all connections)
 * @property {number} acked record lines the recorder acknowledged (all connections)
 * @property {number} dropped records that will never reach the recorder (all reasons)
 * @property {Record<LossReason | 'shutdown', number>} droppedByReason
 * @property {number} lossReportsSent loss report lines written (including re-sent ones)
 * @property {number} queuedRecords records queued in the sender, not yet written
 * @property {number} queuedBytes bytes of those records (UTF-16 code units; = bytes for ASCII)
 * @property {number} socketBufferedBytes bytes written to the socket not yet flushed to the kernel
 * @property {number} maxBuffer the cap on queuedBytes + socketBufferedBytes
 * @property {number} unackedRecords records written on this connection, not yet acknowledged
 * @property {number} connects successful connections
 * @property {number} reconnects successful connections after the first
 * @property {number} connectFailures failed connection attempts
 * @property {number | null} height blockHeight of the latest begin-block record seen
 * @property {string | null} lastError the last socket error code or message
 * @property {number} internalErrors exceptions caught inside the sender (should stay 0)
 */

/**
 * A slog sender as Agoric's aggregator expects it: called synchronously once per slog record.
 *
 * @typedef {((obj: unknown, jsonText?: string) => void) & {
 *   usesJsonObject: true,
 *   forceFlush: () => Promise<void>,
 *   shutdown: () => Promise<void>,
 *   stats: () => SenderStats,
 *   socketPath: string,
 * }} FlightRecorderSender
 */

/**
 * Makes a slog sender that streams every record to the FlightRecorder listening on a Unix
 * socket. Agoric's aggregator calls this once, with the node's environment and state
 * directory; nothing else needs to change on the node.
 *
 * The socket path is `env.FLIGHT_RECORDER_SOCKET` if set and non-empty, else
 * `${stateDir}/flight-recorder.sock`, else (no stateDir) `${os.tmpdir()}/flight-recorder.sock`;
 * a relative path is resolved against the working directory once, here. The sender connects
 * to it and never creates anything there. `env.FLIGHT_RECORDER_MAX_BUFFER` (bytes, default
 * 4 MiB, at least 4096) caps the memory the sender holds.
 *
 * The returned sender never throws, never blocks the event loop, and its `forceFlush()`
 * resolves within 50 ms whatever the recorder does (normally as soon as the queued records
 * reach the kernel, at most after 20 ms). It never returns `undefined`: a socket path that is
 * too long is logged and every record is dropped and counted, so `stats()` stays meaningful.
 *
 * Example:
 *
 *     const sender = await makeSlogSender({ env: process.env, stateDir });
 *     sender(record, JSON.stringify(record));   // per record
 *     await sender.forceFlush();                // after each block
 *     await sender.shutdown();                  // at exit
 *
 * @param {object} [opts]
 * @param {Record<string, string | undefined>} [opts.env] the node's environment
 *   (`SLOGSENDER_AGENT_*` already unprefixed by the aggregator); defaults to `process.env`
 * @param {string} [opts.stateDir] directory for the default socket path
 * @param {(line: string) => void} [opts.log] where state-change lines go (default: stderr)
 * @returns {Promise<FlightRecorderSender>}
 */
export const makeSlogSender = async (opts = {}) => {
  let env;
  let stateDir;
  let log;
  try {
    ({ env = process.env, stateDir, log } = opts ?? {});
  } catch {
    env = process.env;
  }
  const sender = createSender({ env: env ?? {}, stateDir, log });
  // Give the first connection attempt a moment, so the node's startup log says whether the
  // recorder is there, and the first block's records do not wait for a retry. A Unix socket
  // connect completes or fails at once, so this rarely waits; it is bounded regardless.
  await sender.whenFirstAttemptSettles(100);
  return sender.api;
};

// ---------------------------------------------------------------------------------------------
// Serialization

// Agoric serializes slog objects with JSON.stringify and a replacer that turns bigints into
// numbers (accepting the loss of precision) and Errors into plain objects (serialize-slog-obj.js).
// We do the same, so a line is byte-identical whichever sender serialized it.
const { hasOwn } = Object;
const slogReplacer = (_key, value) => {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null && value instanceof Error) {
    const plain = { errorType: value.name, message: value.message };
    if (hasOwn(value, 'cause')) plain.cause = value.cause;
    if (hasOwn(value, 'errors')) plain.errors = value.errors;
    if (value.stack) plain.stack = value.stack;
    return plain;
  }
  return value;
};

/**
 * Serializes a slog object the way Agoric does.
 *
 * @param {unknown} obj
 * @returns {string | undefined} the JSON text; undefined if JSON has no text for `obj`
 * @throws when `obj` cannot be serialized (a cycle, a throwing getter)
 */
export const serializeSlogObj = obj => JSON.stringify(obj, slogReplacer);

// A record that cannot be serialized still takes its place in the stream, so the black box
// shows that something happened there. This never throws.
const unserializableLine = (obj, error) => {
  let recordType = null;
  try {
    if (obj && typeof obj === 'object' && typeof obj.type === 'string') recordType = obj.type;
  } catch {
    // a throwing getter: leave it null
  }
  let message = 'no JSON text for this value';
  try {
    if (error !== undefined) message = String(error?.message ?? error);
  } catch {
    message = 'unprintable error';
  }
  return JSON.stringify({
    type: 'flight-recorder-sender-unserializable',
    recordType,
    error: message.slice(0, 200),
  });
};

// One line of text (no newline) for a record, given what the aggregator passed.
const recordLine = (obj, jsonText) => {
  let text = jsonText;
  if (typeof text !== 'string' || text.length === 0) {
    try {
      text = serializeSlogObj(obj);
    } catch (error) {
      return unserializableLine(obj, error);
    }
    if (typeof text !== 'string') return unserializableLine(obj, undefined);
  }
  // Framing is one record per '\n'. JSON.stringify never emits a raw newline, but text handed
  // in by a caller might be pretty-printed; in valid JSON a raw newline can only be whitespace
  // between tokens, so a space keeps the JSON valid and the framing intact.
  if (text.indexOf('\n') !== -1) text = text.replace(/\n/g, ' ');
  return text;
};

// ---------------------------------------------------------------------------------------------
// The sender

const CONNECTING = 'connecting';
const CONNECTED = 'connected';
const UNREACHABLE = 'unreachable';
const CLOSED = 'closed';

// Queue entries and unacknowledged runs are one of these kinds.
const RECORDS = 0;
const LOSS = 1;
const HELLO = 2;

const parseMaxBuffer = (value, warn) => {
  if (value === undefined || value === null || value === '') return DEFAULT_MAX_BUFFER;
  const text = String(value).trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) {
    warn(`FLIGHT_RECORDER_MAX_BUFFER=${JSON.stringify(text)} is not a byte count; using ${DEFAULT_MAX_BUFFER}`);
    return DEFAULT_MAX_BUFFER;
  }
  if (n < MIN_MAX_BUFFER) {
    warn(`FLIGHT_RECORDER_MAX_BUFFER=${n} is below ${MIN_MAX_BUFFER}; using ${MIN_MAX_BUFFER}`);
    return MIN_MAX_BUFFER;
  }
  return n;
};

const resolveSocketPath = (env, stateDir) => {
  const configured = env.FLIGHT_RECORDER_SOCKET;
  if (typeof configured === 'string' && configured !== '') return path.resolve(configured);
  const dir = typeof stateDir === 'string' && stateDir !== '' ? stateDir : os.tmpdir();
  return path.resolve(dir, DEFAULT_SOCKET_NAME);
};

const heightOf = value => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
};

const describeError = error => {
  if (!error) return 'closed by the recorder';
  const code = error.code ? `${error.code}` : '';
  switch (error.code) {
    case 'ENOENT':
      return 'ENOENT (no socket there: is `slog-record --listen` running?)';
    case 'ECONNREFUSED':
      return 'ECONNREFUSED (a socket file but nobody listening: the recorder stopped or crashed)';
    case 'EACCES':
      return 'EACCES (permission denied: the node user needs write permission on the socket)';
    case 'EAGAIN':
      return 'EAGAIN (the recorder is not accepting connections fast enough)';
    case 'ENOTSOCK':
      return 'ENOTSOCK (the path exists but is not a socket)';
    default:
      return code || String(error.message ?? error);
  }
};

const heightText = h => (h === null ? 'none' : String(h));

// Builds the sender; split from makeSlogSender only so the latter can await the first attempt.
const createSender = ({ env, stateDir, log: logOption }) => {
  const log =
    typeof logOption === 'function'
      ? line => {
          try {
            logOption(`${LOG_PREFIX} ${line}`);
          } catch {
            // logging must never break the sender
          }
        }
      : line => {
          try {
            process.stderr.write(`${LOG_PREFIX} ${line}\n`);
          } catch {
            // stderr gone: nothing useful to do
          }
        };

  const socketPath = resolveSocketPath(env, stateDir);
  const maxBuffer = parseMaxBuffer(env.FLIGHT_RECORDER_MAX_BUFFER, log);
  const pathBytes = Buffer.byteLength(socketPath);
  const pathTooLong = pathBytes > MAX_SOCKET_PATH_BYTES;

  // --- state -----------------------------------------------------------------------------------

  let state = CONNECTING;
  // Set by shutdown(): records are refused and nothing reconnects, while the last bytes drain.
  let closing = false;
  /** @type {number | null} blockHeight of the latest begin-block record */
  let height = null;

  // The queue: records and loss reports not yet written, oldest first. A RECORDS chunk holds
  // the concatenated lines of up to CHUNK_BYTES of records and, in `segs`, their heights as
  // [height, count, height, count, ...]; a LOSS entry holds one pending loss report.
  /** @type {any[]} */
  let chunks = [];
  let chunksHead = 0;
  let queuedBytes = 0;
  let queuedRecords = 0;

  /** The current connection attempt or connection. */
  let conn = null;
  let retryTimer = null;
  let retryDelay = RETRY_MIN_MS;
  let pumpScheduled = false;
  let everConnected = false;
  let outageLogged = false; // one "unreachable" line per outage
  let lastOutageCode = '';
  let bufferFullEpisode = false; // one "buffer full" line per episode

  /** forceFlush() callers waiting for the queue to reach the kernel. */
  let flushWaiters = [];
  let flushTimer = null;
  // Bytes the kernel has taken from us (write callbacks), ever: progress, for stall detection.
  let progress = 0;
  // `progress` when a forceFlush() last gave up waiting; -1 when the last one did not.
  let stalledAtProgress = -1;

  let firstAttemptSettled = false;
  let firstAttemptWaiters = [];

  const stats = {
    accepted: 0,
    sent: 0,
    acked: 0,
    dropped: 0,
    droppedByReason: {
      'recorder-unreachable': 0,
      'buffer-full': 0,
      'connection-lost': 0,
      shutdown: 0,
    },
    lossReportsSent: 0,
    connects: 0,
    reconnects: 0,
    connectFailures: 0,
    lastError: null,
    internalErrors: 0,
  };

  const internalError = error => {
    stats.internalErrors += 1;
    if (stats.internalErrors === 1) {
      log(`internal error (reported once): ${error?.stack ?? error}`);
    }
  };

  // --- the queue ---------------------------------------------------------------------------------

  const queueEmpty = () => chunksHead === chunks.length;

  const takeChunk = () => {
    const chunk = chunks[chunksHead];
    chunks[chunksHead] = undefined;
    chunksHead += 1;
    if (chunksHead === chunks.length) {
      chunks = [];
      chunksHead = 0;
    }
    return chunk;
  };

  const appendRecord = (line, bytes) => {
    const last = chunks.length > chunksHead ? chunks[chunks.length - 1] : undefined;
    if (last !== undefined && last.kind === RECORDS && last.bytes < CHUNK_BYTES) {
      last.text += line;
      last.bytes += bytes;
      last.count += 1;
      const segs = last.segs;
      if (segs[segs.length - 2] === height) segs[segs.length - 1] += 1;
      else segs.push(height, 1);
    } else {
      chunks.push({ kind: RECORDS, text: line, bytes, count: 1, segs: [height, 1] });
    }
    queuedBytes += bytes;
    queuedRecords += 1;
  };

  /**
   * Counts `count` lost records and queues the loss report that precedes the next record.
   * Consecutive losses for the same reason share one report.
   */
  const noteLoss = (reason, count, firstHeight, lastHeight) => {
    stats.dropped += count;
    stats.droppedByReason[reason] += count;
    const last = chunks.length > chunksHead ? chunks[chunks.length - 1] : undefined;
    if (last !== undefined && last.kind === LOSS && last.reason === reason) {
      last.count += count;
      last.lastHeight = lastHeight;
    } else {
      chunks.push({ kind: LOSS, reason, count, firstHeight, lastHeight });
    }
  };

  // --- the record path -------------------------------------------------------------------------

  // Updates `height` from a begin-block record. Separate, and guarded, because `obj` may be
  // anything (a Proxy whose getters throw), and that must not cost the record its place.
  const trackHeight = (obj, jsonText) => {
    try {
      if (obj !== null && typeof obj === 'object') {
        if (obj.type === BEGIN_BLOCK) {
          const h = heightOf(obj.blockHeight);
          if (h !== undefined) height = h;
        }
      } else if (typeof jsonText === 'string' && jsonText.startsWith(BEGIN_BLOCK_PREFIX)) {
        // Called without the object (not the aggregator's way): read the height from the text.
        const h = heightOf(JSON.parse(jsonText).blockHeight);
        if (h !== undefined) height = h;
      }
    } catch {
      // a throwing getter, or text that is not JSON after all: no height from this record
    }
  };

  /**
   * The slog sender: queues one record. Never throws, never blocks.
   *
   * @param {unknown} obj the slog object
   * @param {string} [jsonText] its JSON text, as serialized by the aggregator
   */
  const send = (obj, jsonText) => {
    try {
      stats.accepted += 1;
      if (closing) {
        stats.dropped += 1;
        stats.droppedByReason.shutdown += 1;
        return;
      }
      // Track the height first: a dropped begin-block record belongs to its own block.
      trackHeight(obj, jsonText);
      if (state === UNREACHABLE) {
        noteLoss('recorder-unreachable', 1, height, height);
        return;
      }
      const line = `${recordLine(obj, jsonText)}\n`;
      const bytes = line.length;
      if (queuedBytes + (conn?.inSocketBytes ?? 0) + bytes > maxBuffer) {
        if (!bufferFullEpisode) {
          bufferFullEpisode = true;
          log(
            `recorder is not keeping up: ${maxBuffer} bytes buffered (FLIGHT_RECORDER_MAX_BUFFER); ` +
              `dropping records from height ${heightText(height)}`,
          );
        }
        noteLoss('buffer-full', 1, height, height);
        return;
      }
      appendRecord(line, bytes);
      if (state === CONNECTED) {
        // A full chunk goes to the socket now (a non-blocking write), so a long burst within
        // one turn of the event loop fills the kernel's socket buffer instead of our cap.
        if (chunks[chunks.length - 1].bytes >= CHUNK_BYTES) pump();
        else if (!pumpScheduled) {
          pumpScheduled = true;
          setImmediate(scheduledPump);
        }
      }
    } catch (error) {
      internalError(error);
    }
  };

  // --- writing -----------------------------------------------------------------------------------

  const scheduledPump = () => {
    pumpScheduled = false;
    try {
      pump();
    } catch (error) {
      internalError(error);
    }
  };

  const lossLine = entry =>
    `{"type":"flight-recorder-sender-lost","count":${entry.count},` +
    `"firstHeight":${entry.firstHeight === null ? 'null' : entry.firstHeight},` +
    `"lastHeight":${entry.lastHeight === null ? 'null' : entry.lastHeight},` +
    `"reason":"${entry.reason}"}\n`;

  // Records an unacknowledged run of lines [start, end) on the connection.
  const pushRun = (c, kind, count, h, entry) => {
    const start = c.linesWritten;
    c.linesWritten += count;
    const runs = c.runs;
    const last = runs.length > c.runsHead ? runs[runs.length - 1] : undefined;
    if (kind === RECORDS && last !== undefined && last.kind === RECORDS && last.height === h) {
      last.end = c.linesWritten;
    } else {
      runs.push({ kind, start, end: c.linesWritten, height: h, entry });
    }
  };

  // Writes one string to the connection's socket, counting its bytes until flushed.
  const writeText = (c, text) => {
    const bytes = text.length;
    c.inSocketBytes += bytes;
    c.socket.write(text, () => {
      // Called once the bytes reach the kernel (or with an error when the socket dies; the
      // 'close' handler does the accounting then, and this connection is no longer current).
      c.inSocketBytes -= bytes;
      progress += 1;
      if (c === conn && c.inSocketBytes === 0 && queueEmpty()) releaseFlushWaiters();
    });
  };

  /** Hands queued chunks to the socket while it accepts them without buffering. */
  const pump = () => {
    const c = conn;
    if (state !== CONNECTED || c === null) return;
    while (!queueEmpty() && !c.socket.writableNeedDrain) {
      const chunk = takeChunk();
      if (chunk.kind === RECORDS) {
        queuedBytes -= chunk.bytes;
        queuedRecords -= chunk.count;
        const segs = chunk.segs;
        for (let i = 0; i < segs.length; i += 2) pushRun(c, RECORDS, segs[i + 1], segs[i], null);
        stats.sent += chunk.count;
        writeText(c, chunk.text);
      } else {
        pushRun(c, LOSS, 1, null, chunk);
        stats.lossReportsSent += 1;
        log(
          `lost ${chunk.count} records between heights ${heightText(chunk.firstHeight)} and ` +
            `${heightText(chunk.lastHeight)} (${chunk.reason}); reported to the recorder`,
        );
        writeText(c, lossLine(chunk));
      }
      if (c.runs.length - c.runsHead > MAX_UNACKED_RUNS) {
        log('the recorder is not acknowledging what it reads; dropping the connection');
        c.socket.destroy(new Error('recorder not acknowledging'));
        return;
      }
    }
    // The episode of a full buffer ends once the recorder has taken back half of it; until
    // then a record that happens to fit between drops does not earn another log line.
    if (bufferFullEpisode && queuedBytes + c.inSocketBytes < maxBuffer / 2) bufferFullEpisode = false;
    if (queueEmpty() && c.inSocketBytes === 0) releaseFlushWaiters();
  };

  // --- acknowledgements --------------------------------------------------------------------------

  // Applies "the recorder has read `ack` lines of this connection".
  const applyAck = (c, ack) => {
    const runs = c.runs;
    while (c.runsHead < runs.length) {
      const run = runs[c.runsHead];
      const from = run.start > c.ackedLines ? run.start : c.ackedLines;
      const to = run.end < ack ? run.end : ack;
      if (run.kind === RECORDS && to > from) stats.acked += to - from;
      if (run.end > ack) break;
      runs[c.runsHead] = undefined;
      c.runsHead += 1;
    }
    if (c.runsHead === runs.length) {
      c.runs = [];
      c.runsHead = 0;
    } else if (c.runsHead > 1024 && c.runsHead * 2 > runs.length) {
      c.runs = runs.slice(c.runsHead);
      c.runsHead = 0;
    }
    c.ackedLines = ack;
    if (!c.acknowledged) {
      // The recorder speaks the protocol: a later failure starts its retries from the minimum.
      c.acknowledged = true;
      retryDelay = RETRY_MIN_MS;
    }
  };

  const onData = (c, data) => {
    if (c !== conn) return;
    // Acks are short ASCII decimals; keep at most one partial line between reads.
    const text = c.ackPartial + data.toString('latin1');
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline === -1) {
      c.ackPartial = text.length > 32 ? '' : text;
      if (text.length > 32) protocolError(c, 'an acknowledgement line longer than 32 bytes');
      return;
    }
    c.ackPartial = text.slice(lastNewline + 1);
    // Only the latest complete ack matters: acks are cumulative.
    const previousNewline = text.lastIndexOf('\n', lastNewline - 1);
    const value = text.slice(previousNewline + 1, lastNewline);
    if (!/^\d{1,15}$/.test(value)) {
      protocolError(c, `an acknowledgement that is not a line count: ${JSON.stringify(value.slice(0, 40))}`);
      return;
    }
    const ack = Number(value);
    if (ack < c.ackedLines || ack > c.linesWritten) {
      protocolError(c, `acknowledged ${ack} lines; ${c.ackedLines} acknowledged before, ${c.linesWritten} written`);
      return;
    }
    applyAck(c, ack);
  };

  const protocolError = (c, what) => {
    log(`protocol error from the recorder: ${what}; dropping the connection`);
    c.socket.destroy(new Error('protocol error'));
  };

  // --- connection lifecycle ----------------------------------------------------------------------

  const settleFirstAttempt = () => {
    if (firstAttemptSettled) return;
    firstAttemptSettled = true;
    for (const resolve of firstAttemptWaiters) resolve();
    firstAttemptWaiters = [];
  };

  const connect = () => {
    retryTimer = null;
    if (closing) return;
    state = CONNECTING;
    const c = {
      socket: null,
      linesWritten: 0,
      ackedLines: 0,
      runs: [],
      runsHead: 0,
      inSocketBytes: 0,
      ackPartial: '',
      connected: false,
      acknowledged: false,
      error: null,
    };
    conn = c;
    let socket;
    try {
      // Connect only. Nothing here creates a file, so a missing recorder leaves the path free.
      socket = net.createConnection({ path: socketPath });
    } catch (error) {
      // createConnection reports failures asynchronously; this is belt and braces.
      c.error = error;
      conn = null;
      onAttemptFailed(error);
      return;
    }
    c.socket = socket;
    // The sender must never keep a process alive: not the node, not the aggregator's child.
    socket.unref();
    // Without an 'error' listener a socket error would be an uncaught exception in the node.
    socket.on('error', error => {
      c.error = error;
    });
    socket.once('connect', () => onConnected(c));
    socket.on('data', data => {
      try {
        onData(c, data);
      } catch (error) {
        internalError(error);
      }
    });
    socket.on('drain', () => {
      if (c !== conn) return;
      try {
        pump();
      } catch (error) {
        internalError(error);
      }
    });
    socket.once('close', () => {
      try {
        onClose(c);
      } catch (error) {
        internalError(error);
      }
    });
  };

  const onConnected = c => {
    if (c !== conn) return;
    if (closing) {
      c.socket.destroy();
      return;
    }
    c.connected = true;
    state = CONNECTED;
    stats.connects += 1;
    if (everConnected) stats.reconnects += 1;
    everConnected = true;
    outageLogged = false;
    lastOutageCode = '';
    log(`connected to ${socketPath}${stats.connects > 1 ? ` (connection ${stats.connects})` : ''}`);
    settleFirstAttempt();
    const hello =
      `{"type":"flight-recorder-sender-hello","protocol":${PROTOCOL_VERSION},` +
      `"pid":${process.pid},"sender":"agoric-js","version":"${SENDER_VERSION}"}\n`;
    pushRun(c, HELLO, 1, null, null);
    writeText(c, hello);
    pump();
  };

  const onAttemptFailed = error => {
    stats.connectFailures += 1;
    stats.lastError = error?.code ?? String(error?.message ?? error);
    const code = error?.code ?? '';
    if (!outageLogged || code !== lastOutageCode) {
      outageLogged = true;
      lastOutageCode = code;
      log(
        `recorder unreachable at ${socketPath}: ${describeError(error)}; ` +
          `dropping and counting records until it is back (retrying every ${RETRY_MAX_MS} ms at most)`,
      );
    }
    becomeUnreachable();
  };

  const becomeUnreachable = () => {
    if (state !== CLOSED) state = UNREACHABLE;
    releaseFlushWaiters();
    settleFirstAttempt();
    if (closing || retryTimer !== null) return;
    retryTimer = setTimeout(connect, retryDelay);
    // The retry timer must never keep a process alive either.
    retryTimer.unref();
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  };

  const onClose = c => {
    if (c !== conn) return;
    conn = null;
    if (!c.connected) {
      if (closing) return;
      onAttemptFailed(c.error ?? new Error('connection closed before it was established'));
      return;
    }
    if (c.error) stats.lastError = c.error.code ?? String(c.error.message ?? c.error);
    // Everything written on this connection beyond the last acknowledgement is lost: the
    // recorder may have read none of it. Rebuild, in stream order, the reports that go before
    // whatever is still queued: unacknowledged records become one connection-lost report per
    // stretch, and unacknowledged loss reports are sent again as they were.
    const before = [];
    let lostRecords = 0;
    let pending = null;
    for (let i = c.runsHead; i < c.runs.length; i += 1) {
      const run = c.runs[i];
      const from = run.start > c.ackedLines ? run.start : c.ackedLines;
      const n = run.end - from;
      if (n <= 0) continue;
      if (run.kind === RECORDS) {
        lostRecords += n;
        if (pending === null) {
          pending = { kind: LOSS, reason: 'connection-lost', count: 0, firstHeight: run.height, lastHeight: run.height };
          before.push(pending);
        }
        pending.count += n;
        pending.lastHeight = run.height;
      } else if (run.kind === LOSS) {
        before.push(run.entry);
        pending = null;
      }
    }
    if (lostRecords > 0) {
      stats.dropped += lostRecords;
      stats.droppedByReason['connection-lost'] += lostRecords;
    }
    if (before.length > 0) chunks.splice(chunksHead, 0, ...before);
    if (closing) {
      if (state !== CLOSED) state = UNREACHABLE;
      releaseFlushWaiters();
      return;
    }
    const why = c.error ? describeError(c.error) : 'closed by the recorder';
    log(
      `connection to ${socketPath} lost: ${why}; ` +
        `${lostRecords} records written were not acknowledged and are counted lost; reconnecting`,
    );
    // The recorder was there a moment ago: it is probably restarting, so the outage line
    // ("unreachable") is still worth one log line if the next attempt fails.
    outageLogged = false;
    becomeUnreachable();
  };

  // --- flushing and shutdown ---------------------------------------------------------------------

  const releaseFlushWaiters = () => {
    if (flushTimer !== null) {
      clearTimeout(flushTimer);
      flushTimer = null;
    }
    if (flushWaiters.length === 0) return;
    const waiters = flushWaiters;
    flushWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const flushTimedOut = () => {
    flushTimer = null;
    if (state === CONNECTED && !isFlushed()) stalledAtProgress = progress;
    releaseFlushWaiters();
  };

  const isFlushed = () => queueEmpty() && (conn === null || conn.inSocketBytes === 0);

  /**
   * Waits until the queued records are handed to the kernel, at most FLUSH_WAIT_MS.
   * Resolves at once when there is nothing to flush or no connection. Never rejects.
   */
  const forceFlush = () => {
    try {
      if (state === CONNECTED) pump();
      if (isFlushed() || (state !== CONNECTED && state !== CONNECTING)) return Promise.resolve();
      // A recorder that took nothing since the last forceFlush() gave up is still stalled:
      // waiting again would only delay every block by FLUSH_WAIT_MS (plus whatever timer
      // lateness a loaded host adds), so resolve now. Any progress re-arms the wait.
      if (state === CONNECTED && stalledAtProgress === progress) return Promise.resolve();
      stalledAtProgress = -1;
      return new Promise(resolve => {
        flushWaiters.push(resolve);
        if (flushTimer === null) flushTimer = setTimeout(flushTimedOut, FLUSH_WAIT_MS);
      });
    } catch (error) {
      internalError(error);
      return Promise.resolve();
    }
  };

  let shutdownPromise = null;
  /**
   * Stops the sender: hands what is queued to the recorder (waiting at most ~200 ms for it to be
   * written and acknowledged), closes the connection and stops reconnecting. Records sent
   * afterwards are dropped (counted as 'shutdown'). Idempotent; never rejects.
   */
  const shutdown = () => {
    if (shutdownPromise === null) shutdownPromise = closeConnection();
    return shutdownPromise;
  };
  const closeConnection = async () => {
    try {
      closing = true;
      const c = conn;
      const wasConnected = state === CONNECTED;
      if (wasConnected) pump();
      if (retryTimer !== null) {
        clearTimeout(retryTimer);
        retryTimer = null;
      }
      if (!wasConnected || c === null) {
        state = CLOSED;
        c?.socket?.destroy();
        releaseFlushWaiters();
        return;
      }
      // Wait for the queue to drain and the recorder to acknowledge it, bounded.
      const deadline = Date.now() + SHUTDOWN_WAIT_MS;
      while (Date.now() < deadline && conn === c) {
        pump();
        if (isFlushed() && c.ackedLines === c.linesWritten) break;
        await new Promise(resolve => setTimeout(resolve, 5));
      }
      state = CLOSED;
      releaseFlushWaiters();
      if (conn === c) {
        // end() sends what is left and then EOF; the recorder reads to EOF and closes.
        // The timer is not unref()ed: a process awaiting shutdown() must stay alive until it
        // resolves (the socket itself is unref()ed), and it is bounded.
        const closed = new Promise(resolve => {
          c.socket.once('close', resolve);
          setTimeout(resolve, 50);
        });
        c.socket.end();
        await closed;
        c.socket.destroy();
      }
      conn = null;
    } catch (error) {
      internalError(error);
      state = CLOSED;
    }
  };

  const snapshot = () => {
    let unackedRecords = 0;
    const c = conn;
    if (c !== null) {
      for (let i = c.runsHead; i < c.runs.length; i += 1) {
        const run = c.runs[i];
        if (run.kind !== RECORDS) continue;
        const from = run.start > c.ackedLines ? run.start : c.ackedLines;
        if (run.end > from) unackedRecords += run.end - from;
      }
    }
    return {
      socketPath,
      state,
      connected: state === CONNECTED,
      accepted: stats.accepted,
      sent: stats.sent,
      acked: stats.acked,
      dropped: stats.dropped,
      droppedByReason: { ...stats.droppedByReason },
      lossReportsSent: stats.lossReportsSent,
      queuedRecords,
      queuedBytes,
      socketBufferedBytes: c === null ? 0 : c.inSocketBytes,
      maxBuffer,
      unackedRecords,
      connects: stats.connects,
      reconnects: stats.reconnects,
      connectFailures: stats.connectFailures,
      height,
      lastError: stats.lastError,
      internalErrors: stats.internalErrors,
    };
  };

  /** @type {FlightRecorderSender} */
  const api = Object.assign(send, {
    // In Agoric's contract `usesJsonObject: true` means "pass me the JSON text as the second
    // argument": the aggregator then serializes each record once for all senders that want it.
    usesJsonObject: /** @type {const} */ (true),
    forceFlush,
    shutdown,
    stats: () => {
      try {
        return snapshot();
      } catch (error) {
        internalError(error);
        return /** @type {any} */ ({});
      }
    },
    socketPath,
  });

  // --- start -------------------------------------------------------------------------------------

  if (pathTooLong) {
    // connect() would fail (or, with older libuv, silently truncate the path and reach the
    // wrong socket). Say why once, and drop and count every record.
    log(
      `cannot connect: the socket path ${socketPath} is ${pathBytes} bytes, longer than the ` +
        `${MAX_SOCKET_PATH_BYTES} bytes a Unix socket address holds (sun_path); set ` +
        'FLIGHT_RECORDER_SOCKET to a shorter path. Records are dropped and counted.',
    );
    stats.lastError = 'ENAMETOOLONG';
    state = UNREACHABLE;
    settleFirstAttempt();
  } else {
    connect();
  }

  const whenFirstAttemptSettles = ms =>
    firstAttemptSettled
      ? Promise.resolve()
      : new Promise(resolve => {
          firstAttemptWaiters.push(resolve);
          // Not unref()ed: `await makeSlogSender()` must not find an empty event loop.
          setTimeout(resolve, ms);
        });

  return { api, whenFirstAttemptSettles };
};
