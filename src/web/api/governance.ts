import type { ApprovalRequestResult, HoldResult, PurgeRequestList, PurgeRequestStatus, PurgeRequestView, StepUpResult } from '../../contracts/governance.js';
import type { Settings, SettingsPatch } from '../../contracts/settings.js';
import type { z } from 'zod';
import { apiGet, apiPatch, apiPost, apiRequest } from './http.js';

/** Governance over HTTP (SPEC §5): settings, legal hold, purge requests, step-up and approval requests. */
export const fetchSettings = () => apiGet<Settings>('/api/settings');
export const saveSettings = (patch: SettingsPatch) => apiPatch<Settings>('/api/settings', patch);

export const stepUp = (password: string) => apiPost<StepUpResult>('/api/auth/step-up', { password });

export const holdOrder = (id: string, reason: string) => apiPost<HoldResult>(`/api/orders/${id}/hold`, { reason });
export const releaseHold = (id: string) => apiRequest<HoldResult>('DELETE', `/api/orders/${id}/hold`);

export const fetchPurgeRequests = (status?: z.infer<typeof PurgeRequestStatus>) => apiGet<PurgeRequestList>('/api/purge-requests', { status });
export const decidePurgeRequest = (id: string, decision: 'approve' | 'reject', note?: string) => apiPost<PurgeRequestView>(`/api/purge-requests/${id}/${decision}`, note ? { note } : {});

export const requestApproval = (orderId: string) => apiPost<ApprovalRequestResult>(`/api/orders/${orderId}/approval-request`, {});
