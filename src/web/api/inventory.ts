import type { MovementList, MovementView } from '../../contracts/inventory.js';
import { apiGet } from './http.js';

export type StockMovement = MovementView;

export const fetchMovements = (filter: { orderId?: string; productId?: string }) => apiGet<MovementList>('/api/inventory/movements', { ...filter, limit: 200 });
