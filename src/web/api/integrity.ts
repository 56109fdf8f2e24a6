import type { IntegrityReport } from '../../contracts/integrity.js';
import { apiGet } from './http.js';

export const integrityKeys = { report: ['integrity'] as const };

export const fetchIntegrityReport = () => apiGet<IntegrityReport>('/api/integrity');
