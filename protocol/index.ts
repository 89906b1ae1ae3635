export * from './codec.js';
export * from './errors.js';
export * from './messages.js';
export * from './roles.js';
export * from './schemas.js';
export * from './extension-key.js';
export * from './pieces.js';
export * from './hosts.js';
