import type { BackupList, BackupSummary, BackupVerification } from '../../contracts/backup.js';
import { apiGet, apiPost } from './http.js';

export const backupKeys = { list: ['backups'] as const };

export const fetchBackups = () => apiGet<BackupList>('/api/backups');
export const createBackup = () => apiPost<BackupSummary>('/api/backups');
export const verifyBackup = (name: string) => apiPost<BackupVerification>(`/api/backups/${encodeURIComponent(name)}/verify`);
