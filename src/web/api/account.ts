import type { AccountView, ChangePasswordInput, TourId, UpdateAccountInput } from '../../contracts/account.js';
import { apiGet, apiPatch, apiPost, apiRequest } from './http.js';

export const accountKey = ['account'] as const;
export const fetchAccount = () => apiGet<AccountView>('/api/me');
export const updateAccount = (input: UpdateAccountInput) => apiPatch<AccountView>('/api/me', input);
export const changePassword = (input: ChangePasswordInput) => apiPost<void>('/api/me/password', input);
export const markTourSeen = (tour: TourId) => apiRequest<void>('PUT', `/api/me/tours/${encodeURIComponent(tour)}`);
export const resetTour = (tour: TourId) => apiRequest<void>('DELETE', `/api/me/tours/${encodeURIComponent(tour)}`);
