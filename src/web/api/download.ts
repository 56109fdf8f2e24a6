import type { Problem } from '../../contracts/common.js';
import { EXPORT_ROWS_HEADER } from '../../contracts/export.js';
import { ProblemError } from './http.js';

/**
 * Downloads a file the server streams (exports), reporting bytes as they arrive and stopping when the
 * signal aborts, then hands it to the browser as a normal download named by Content-Disposition.
 */

export interface DownloadProgress {
  bytes: number;
  /** Line breaks received so far: one per row for CSV and JSON exports (a rough count; notes may span lines). */
  lineBreaks: number;
  /** What the server announced in X-Export-Rows, when it did. */
  expectedRows: number | null;
}

export interface DownloadResult {
  filename: string;
  bytes: number;
}

/** `attachment; filename="a.csv"` or RFC 5987 `filename*=UTF-8''%E8%AE%A2%E5%8D%95.csv` → the bare file name. */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  let name: string | null = null;
  const extended = /filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      name = decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ''));
    } catch {
      /* badly encoded: fall back to the plain parameter */
    }
  }
  if (!name) {
    const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header);
    if (plain) name = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2].trim();
  }
  // A name is a name, never a path: a server (or proxy) cannot make the browser write elsewhere.
  const base = name?.split(/[\\/]/).pop()?.trim();
  return base ? base : null;
}

async function problemOf(response: Response): Promise<ProblemError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON */
  }
  const problem =
    body && typeof body === 'object' && 'title' in body
      ? (body as Problem & Record<string, unknown>)
      : { type: 'about:blank', title: response.statusText || 'Download failed', status: response.status };
  return new ProblemError(response.status, problem);
}

function countLineBreaks(chunk: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++;
  return n;
}

/** An <a download> click: the browser's own download (and what browser tests wait for). */
export function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = filename;
  anchor.style.display = 'none';
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // Revoked later, not at once: the browser may still be reading the blob when click() returns.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

export async function downloadFile(
  url: string,
  options: { signal: AbortSignal; fallbackName: string; onProgress?(progress: DownloadProgress): void },
): Promise<DownloadResult> {
  const response = await fetch(url, { credentials: 'same-origin', signal: options.signal, headers: { accept: '*/*' } });
  if (!response.ok) throw await problemOf(response);
  const announced = response.headers.get(EXPORT_ROWS_HEADER);
  const progress: DownloadProgress = { bytes: 0, lineBreaks: 0, expectedRows: announced !== null && /^\d+$/.test(announced) ? Number(announced) : null };
  options.onProgress?.({ ...progress });

  const chunks: Uint8Array[] = [];
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      progress.bytes += value.byteLength;
      progress.lineBreaks += countLineBreaks(value);
      options.onProgress?.({ ...progress });
    }
  }
  const filename = filenameFromDisposition(response.headers.get('content-disposition')) ?? options.fallbackName;
  const type = response.headers.get('content-type') ?? 'application/octet-stream';
  saveBlob(new Blob(chunks as BlobPart[], { type }), filename);
  return { filename, bytes: progress.bytes };
}
