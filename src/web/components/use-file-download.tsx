import { App, Button, Flex, Modal, Progress, Spin, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { downloadFile, type DownloadProgress, type DownloadResult } from '../api/download.js';
import { useT } from '../i18n/locale.js';
import { formatBytes } from './format-bytes.js';
import { useShowError } from './use-show-error.js';

interface DownloadJob {
  title: string;
  /** CSV and JSON exports put one row per line, so line breaks count rows; XLSX is zipped and cannot be counted. */
  countsRows: boolean;
  progress: DownloadProgress | null;
}

export interface StartDownload {
  title: string;
  fallbackName: string;
  countsRows?: boolean;
}

/** Progress repaints at most this often: a fast download delivers hundreds of chunks a second. */
const REPAINT_MS = 100;

function DownloadProgressModal({ job, onCancel }: { job: DownloadJob | null; onCancel(): void }) {
  const t = useT();
  const p = job?.progress;
  const expected = p?.expectedRows ?? null;
  const rowsDone = p ? Math.max(0, p.lineBreaks - 1) : 0;
  const percent = job?.countsRows && expected ? Math.min(99, Math.floor((Math.min(rowsDone, expected) / Math.max(expected, 1)) * 100)) : null;
  return (
    <Modal
      open={job !== null}
      title={job?.title}
      closable={false}
      mask={{ closable: false }}
      keyboard={false}
      footer={
        <Button danger onClick={onCancel} data-testid="download-cancel">
          {t.reports.export.cancel}
        </Button>
      }
      data-testid="download-progress"
    >
      <Flex vertical gap={8} style={{ paddingBlock: 8 }}>
        {percent !== null ? (
          <Progress percent={percent} status="active" />
        ) : (
          <Flex align="center" gap={12}>
            <Spin size="small" />
            <Typography.Text type="secondary">{p ? t.reports.export.received(formatBytes(p.bytes)) : t.reports.export.preparing}</Typography.Text>
          </Flex>
        )}
        {p && (
          <Typography.Text type="secondary" className="num" data-testid="download-bytes">
            {percent !== null && `${t.reports.export.received(formatBytes(p.bytes))} · `}
            {expected !== null && (percent !== null ? t.reports.export.rowsOf(Math.min(rowsDone, expected), expected) : t.reports.export.rowsTotal(expected))}
          </Typography.Text>
        )}
      </Flex>
    </Modal>
  );
}

/**
 * Downloads a streamed file with a progress dialog and a Cancel button (which aborts the request, so the
 * server stops producing it). Render `element` once; call `start` from a click.
 */
export function useFileDownload(): { start(url: string, what: StartDownload): Promise<DownloadResult | null>; running: boolean; element: ReactNode } {
  const t = useT();
  const { message } = App.useApp();
  const showError = useShowError();
  const [job, setJob] = useState<DownloadJob | null>(null);
  const controller = useRef<AbortController | null>(null);

  // Leaving the page abandons the download rather than leaving it running unseen.
  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback(
    async (url: string, what: StartDownload) => {
      if (controller.current) return null;
      const abort = new AbortController();
      controller.current = abort;
      const countsRows = what.countsRows ?? false;
      setJob({ title: what.title, countsRows, progress: null });
      let painted = 0;
      try {
        const result = await downloadFile(url, {
          signal: abort.signal,
          fallbackName: what.fallbackName,
          onProgress: (progress) => {
            const now = performance.now();
            if (now - painted < REPAINT_MS && progress.bytes > 0) return;
            painted = now;
            setJob({ title: what.title, countsRows, progress });
          },
        });
        message.success(t.reports.export.done(result.filename));
        return result;
      } catch (error) {
        if (abort.signal.aborted) message.info(t.reports.export.cancelled);
        else showError(error);
        return null;
      } finally {
        controller.current = null;
        setJob(null);
      }
    },
    [message, showError, t],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);
  return { start, running: job !== null, element: <DownloadProgressModal job={job} onCancel={cancel} /> };
}
