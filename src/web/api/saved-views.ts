import type { CreateSavedViewInput, SavedViewList, SavedViewPage, SavedViewView } from '../../contracts/saved-views.js';
import { apiGet, apiPatch, apiPost, apiRequest } from './http.js';

export const savedViewKeys = {
  list: (page: SavedViewPage) => ['saved-views', page] as const,
};

/** The request bodies as the form sends them: filters in the list's query-string spelling. */
export type SavedViewBody = Omit<CreateSavedViewInput, 'filters'> & { filters: Record<string, string> };

export const fetchSavedViews = (page: SavedViewPage) => apiGet<SavedViewList>('/api/saved-views', { page });
export const createSavedView = (input: SavedViewBody) => apiPost<SavedViewView>('/api/saved-views', input);
export const updateSavedView = (id: string, input: Partial<Omit<SavedViewBody, 'page'>>) => apiPatch<SavedViewView>(`/api/saved-views/${id}`, input);
export const deleteSavedView = (id: string) => apiRequest<void>('DELETE', `/api/saved-views/${id}`);
