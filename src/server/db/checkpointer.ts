import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite in WAL mode copies the log back into the database file ("checkpoints") after a commit that takes the
 * log past wal_autocheckpoint pages, inside that commit's call. A command that writes a thousand orders
 * crosses it every time, and as better-sqlite3 is synchronous the checkpoint (~70 ms of page copies and an
 * fsync) blocked the whole server in the middle of that request. This worker thread checkpoints on a
 * connection of its own instead, every `everyMs`, off the event loop. PASSIVE never waits for readers or
 * writers: it copies what it may, and the next writer rewinds the log once everything is copied.
 *
 * The main connection keeps a high wal_autocheckpoint (WAL_SAFETY_PAGES) as a backstop, so the log stays
 * bounded even if this worker stalls or a burst outruns it. The backstop is checked against the log's length after
 * each commit, and one deletion of a thousand orders writes ~10,000 pages by itself: at 16,384 pages a second such
 * command within the worker's half second (or on a busy machine, where the worker falls behind) crossed it and
 * copied the whole log back inside its own commit, ~100 ms more on that request alone — the commit that "varied
 * from run to run". At 65,536 pages (256 MB of log) only a stalled worker lets the request pay for it.
 *
 * The log is rewound (written again from its start) only by a write transaction that began once every frame had
 * been copied back. On a timer alone the copy of a large command's ~7,000 pages started anywhere up to half a
 * second after its commit, so back-to-back commands (delete, then restore, then the next delete) nearly always began
 * while the copy of the previous one was still pending or in flight: measured in process, every commit appended behind
 * ~7,000 uncopied frames and the log grew by a command's worth each time (13,000 → 27,000 → … → 68,000 frames)
 * until the backstop copied all of it inside one request's commit — the worst round. So the connection also
 * tells the worker after each commit (`committed`), and the copy starts at once, at most every MIN_GAP_MS, while
 * the next command is still reading; the timer stays for commits by other processes.
 *
 * The cue alone does not rewind the log when commands come back to back: the copy of a command's ~7,000 pages takes
 * 70–120 ms, and the next command has begun writing by then, so the log still grew a command's worth each time —
 * 38,000–68,000 frames over the bench's five delete-and-restore rounds, where the backstop then copied inside a
 * commit. So once a copy has found the log longer than REWIND_AT_FRAMES, the next transaction waits (asynchronously,
 * `beforeWrite`) for the copy of the last commit to finish before it begins: it then writes from the log's start
 * (measured: the log stayed under 43,000 frames in the same rounds; bench/README.md).
 */
export const WAL_SAFETY_PAGES = 65_536;

/** A log this long (128 MB) is rewound before the next transaction begins, well before the backstop. */
export const REWIND_AT_FRAMES = 32_768;

/** A transaction never waits longer than this for a copy (a stalled worker costs the backstop, not a hang). */
const MAX_WAIT_MS = 2_000;

/** Checkpoints asked for by commits come at most this often: each one that copies anything syncs the database file. */
const MIN_GAP_MS = 100;

// CommonJS, run by the worker as a script: the compiled module graph is not needed there, only the driver.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
let lastAt = 0;
let pending;
// Cues received: a checkpoint covers the commits whose cue came before it started.
let cues = 0;
// Shared with the main thread, which reads it without waiting for its event loop: [cues covered, log, copied].
const report = workerData.report;
const checkpoint = () => {
  pending = undefined;
  lastAt = Date.now();
  const covers = cues;
  try {
    const [state] = db.pragma('wal_checkpoint(PASSIVE)');
    Atomics.store(report, 1, BigInt(state.log));
    Atomics.store(report, 2, BigInt(state.checkpointed));
    Atomics.store(report, 0, BigInt(covers));
    parentPort.postMessage({ checkpointed: true });
  } catch (error) {
    Atomics.store(report, 1, -1n);
    Atomics.store(report, 0, BigInt(covers));
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'committed') {
    cues++;
    if (pending) return;
    const wait = lastAt + workerData.minGapMs - Date.now();
    if (wait <= 0) checkpoint();
    else pending = setTimeout(checkpoint, wait);
    return;
  }
  if (message !== 'close') return;
  clearInterval(timer);
  clearTimeout(pending);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** A write transaction of this process has committed: copy its pages back now rather than at the next tick. */
  committed(): void;
  /**
   * Before a transaction begins: when the last copy found the log long (REWIND_AT_FRAMES) and copied all of it, and
   * the copy of this process's last commit has not finished, a promise that settles once it has (or after
   * MAX_WAIT_MS), so the transaction's first write starts the log afresh; otherwise undefined, and nothing waits.
   */
  beforeWrite(): Promise<void> | undefined;
  /** What the last finished copy found: commits of this process it covers, frames in the log, frames copied. */
  lastCopy(): { commits: number; log: number; copied: number };
  close(): Promise<void>;
}

export function startCheckpointer(file: string, options: { everyMs?: number; rewindAtFrames?: number; onError?: (message: string) => void } = {}): Checkpointer {
  const onError = options.onError ?? ((message: string) => process.emitWarning(`SQLite checkpointer: ${message}`));
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  // No inherited execArgv: under --input-type=module the worker would read this CommonJS source as ESM.
  // The last finished copy: how many of the cues it covers, the log's length and how much of it was copied. Shared
  // memory, so a transaction that begins right after a commit, with no turn of the event loop between, sees it.
  const report = new BigInt64Array(new SharedArrayBuffer(3 * BigInt64Array.BYTES_PER_ELEMENT));
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { file, driver, everyMs: options.everyMs ?? 500, minGapMs: MIN_GAP_MS, report } });
  worker.unref();
  const rewindAt = BigInt(options.rewindAtFrames ?? REWIND_AT_FRAMES);
  const covered = () => Number(Atomics.load(report, 0));
  /** Cues sent to the worker. */
  let cues = 0;
  let waiting: Array<{ upTo: number; resolve: () => void }> = [];
  const release = (all = false) => {
    const done = covered();
    const ready = waiting.filter((w) => all || w.upTo <= done);
    waiting = waiting.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  };
  worker.on('message', (m: { error?: string }) => {
    if (m.error) onError(m.error);
    release();
  });
  // A failed checkpointer costs latency, not data: the main connection's backstop keeps checkpointing.
  worker.on('error', (error) => {
    onError(error.message);
    release(true);
  });
  let closing = false;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      closing = true;
      release(true);
      resolve();
    }),
  );
  return {
    committed() {
      if (closing) return;
      cues++;
      worker.postMessage('committed');
    },
    lastCopy: () => ({ commits: covered(), log: Number(Atomics.load(report, 1)), copied: Number(Atomics.load(report, 2)) }),
    beforeWrite() {
      if (closing || covered() >= cues) return undefined;
      // Waiting only helps when the copy reaches the log's end; a reader holding old pages would stop it short.
      const log = Atomics.load(report, 1);
      if (log < rewindAt || Atomics.load(report, 2) !== log) return undefined;
      const upTo = cues;
      return new Promise<void>((resolve) => {
        const waiter = {
          upTo,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiting = waiting.filter((w) => w !== waiter);
          resolve();
        }, MAX_WAIT_MS);
        timer.unref();
        waiting.push(waiter);
      });
    },
    async close() {
      closing = true;
      release(true);
      // Referenced again while it winds down: an unreferenced worker's exit does not keep the process alive, so a
      // CLI command awaiting this close would otherwise end, silently and with code 0, before its last lines.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
