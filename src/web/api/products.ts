import type { CreateProductInput, ProductView } from '../../contracts/products.js';
import { apiGet, apiPost } from './http.js';

export const PRODUCT_PAGE_LIMIT = 200;

export const productKeys = {
  all: ['products'] as const,
  search: (q: string, limit: number) => ['products', 'search', q, limit] as const,
  detail: (id: string) => ['products', 'detail', id] as const,
  movements: (id: string) => ['products', 'movements', id] as const,
};

export const searchProducts = (q: string, limit = 20) => apiGet<{ items: ProductView[] }>('/api/products', { q, limit });
export const fetchProduct = (id: string) => apiGet<ProductView>(`/api/products/${id}`);
export const createProduct = (input: CreateProductInput) => apiPost<ProductView>('/api/products', input);
