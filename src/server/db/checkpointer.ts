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
 */
export const WAL_SAFETY_PAGES = 65_536;

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
const checkpoint = () => {
  pending = undefined;
  lastAt = Date.now();
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'committed') {
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
  close(): Promise<void>;
}

export function startCheckpointer(file: string, options: { everyMs?: number; onError?: (message: string) => void } = {}): Checkpointer {
  const onError = options.onError ?? ((message: string) => process.emitWarning(`SQLite checkpointer: ${message}`));
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  // No inherited execArgv: under --input-type=module the worker would read this CommonJS source as ESM.
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { file, driver, everyMs: options.everyMs ?? 500, minGapMs: MIN_GAP_MS } });
  worker.unref();
  worker.on('message', (m: { error?: string }) => m.error && onError(m.error));
  // A failed checkpointer costs latency, not data: the main connection's backstop keeps checkpointing.
  worker.on('error', (error) => onError(error.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closing = false;
  return {
    committed() {
      if (!closing) worker.postMessage('committed');
    },
    async close() {
      closing = true;
      // Referenced again while it winds down: an unreferenced worker's exit does not keep the process alive, so a
      // CLI command awaiting this close would otherwise end, silently and with code 0, before its last lines.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
