export * from './networks.js';
export * from './cities.js';
export * from './users.js';
export * from './audit.js';
export * from './outbox.js';
