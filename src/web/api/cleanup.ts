import type {
  ApproveReviewResult,
  CleanupPreview,
  CleanupRuleView,
  CreateCleanupRule,
  ReviewStatus,
  ReviewSummary,
  ReviewView,
  UpdateCleanupRule,
} from '../../contracts/cleanup.js';
import type { DataQualityReport } from '../../contracts/data-quality.js';
import { apiGet, apiPatch, apiPost, apiRequest } from './http.js';

export const cleanupKeys = {
  rules: ['cleanup', 'rules'] as const,
  reviews: (status?: ReviewStatus) => ['cleanup', 'reviews', status ?? 'all'] as const,
  review: (id: string) => ['cleanup', 'review', id] as const,
  dataQuality: ['data-quality'] as const,
};

/** The form's input type: what the contract accepts before its defaults are applied. */
export type RuleInput = Omit<CreateCleanupRule, 'graceDays'> & { graceDays?: number };

export const fetchRules = () => apiGet<{ items: CleanupRuleView[] }>('/api/cleanup/rules');
export const createRule = (input: RuleInput) => apiPost<CleanupRuleView>('/api/cleanup/rules', input);
export const updateRule = (id: string, patch: UpdateCleanupRule) => apiPatch<CleanupRuleView>(`/api/cleanup/rules/${id}`, patch);
export const deleteRule = (id: string) => apiRequest<null>('DELETE', `/api/cleanup/rules/${id}`);
export const runRule = (id: string) => apiPost<ReviewView>(`/api/cleanup/rules/${id}/run`);
export const previewMatch = (match: RuleInput['match']) => apiPost<CleanupPreview>('/api/cleanup/preview', { match });

export const fetchReviews = (status?: ReviewStatus) => apiGet<{ items: ReviewSummary[] }>('/api/cleanup/reviews', { status });
export const fetchReview = (id: string) => apiGet<ReviewView>(`/api/cleanup/reviews/${id}`);
export const approveReview = (id: string, exclude: string[]) => apiPost<ApproveReviewResult>(`/api/cleanup/reviews/${id}/approve`, { exclude });
export const rejectReview = (id: string, note: string) => apiPost<ReviewView>(`/api/cleanup/reviews/${id}/reject`, { note });
export const openReviewOf = (ids: string[], check?: string) => apiPost<ReviewView>('/api/cleanup/reviews', { ids, check });
/** Confirms the password for actions that need a recent one (deleting more than 100 orders). */
export const stepUp = (password: string) => apiPost<unknown>('/api/auth/step-up', { password });

export const fetchDataQuality = () => apiGet<DataQualityReport>('/api/data-quality');
export const runDataQuality = () => apiPost<DataQualityReport>('/api/data-quality/runs');
