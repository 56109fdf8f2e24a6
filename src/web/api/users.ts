import { apiGet } from './http.js';

export interface DirectoryUser {
  id: string;
  username: string;
  displayName: string | null;
}

/** Active users' names for pickers and filters; any signed-in user may read it (unlike GET /api/users). */
export const fetchUserDirectory = () => apiGet<{ items: DirectoryUser[] }>('/api/users/directory');
