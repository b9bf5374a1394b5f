export * from './check-key.js';
export * from './engine.js';
export * from './safe-text.js';
export * from './state-machine.js';
export * from './types.js';
