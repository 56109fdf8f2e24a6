import type { LoginInput, Me } from '../../contracts/auth.js';
import { apiGet, apiPost, setCsrfToken } from './http.js';

export async function fetchMe(): Promise<Me> {
  const me = await apiGet<Me>('/api/auth/me');
  setCsrfToken(me.csrfToken);
  return me;
}

export async function signIn(input: LoginInput): Promise<Me> {
  const result = await apiPost<{ user: Me; csrfToken: string }>('/api/auth/login', input);
  setCsrfToken(result.csrfToken);
  return { ...result.user, csrfToken: result.csrfToken };
}

export async function signOut(): Promise<void> {
  await apiPost<void>('/api/auth/logout');
  setCsrfToken(null);
}
