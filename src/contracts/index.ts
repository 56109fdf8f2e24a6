export * from './common.js';
export * from './permissions.js';
export * from './auth.js';
export * from './users.js';
export * from './customers.js';
export * from './products.js';
export * from './orders.js';
export * from './roles.js';
