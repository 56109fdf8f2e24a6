import type { JobDefinition } from '../../platform/jobs.js';
import { runDataQuality } from './data-quality.service.js';

const DAY_MS = 86_400_000;

/** The daily data-quality run on the lease-based job runner; one instance runs it per day. */
export function dataQualityJob(): JobDefinition {
  return {
    name: 'data-quality',
    intervalMs: DAY_MS,
    leaseMs: 30 * 60_000,
    run: (ctx) => runDataQuality(ctx, null, 'schedule'),
  };
}
