import type { MovementList, StockChangeInput, StockList } from '../../contracts/inventory.js';
import type { ProductView } from '../../contracts/products.js';
import { apiGet, apiPost, type QueryValue } from './http.js';

export const stockKeys = {
  all: ['stock'] as const,
  list: (query: Record<string, QueryValue>) => ['stock', 'list', query] as const,
  movements: (productId: string) => ['stock', 'movements', productId] as const,
};

export const MOVEMENT_PAGE = 50;

export const fetchStock = (query: Record<string, QueryValue>, signal?: AbortSignal) => apiGet<StockList>('/api/inventory/stock', query, signal);

/** One product's journal, newest first, with the running balance after each movement; `before` pages back. */
export const fetchProductMovements = (productId: string, before?: string) =>
  apiGet<MovementList>('/api/inventory/movements', { productId, before, limit: MOVEMENT_PAGE });

export const changeStock = (productId: string, input: StockChangeInput) => apiPost<ProductView>(`/api/products/${productId}/stock`, input);
