import type { AccountView, ChangePasswordInput, UpdateAccountInput } from '../../contracts/account.js';
import { apiGet, apiPatch, apiPost } from './http.js';

export const accountKey = ['account'] as const;
export const fetchAccount = () => apiGet<AccountView>('/api/me');
export const updateAccount = (input: UpdateAccountInput) => apiPatch<AccountView>('/api/me', input);
export const changePassword = (input: ChangePasswordInput) => apiPost<void>('/api/me/password', input);
