export * from './networks.js';
export * from './cities.js';
export * from './users.js';
export * from './audit.js';
export * from './outbox.js';
export * from './pledges.js';
export * from './rounds.js';
export * from './endorsements.js';
