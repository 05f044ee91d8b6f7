export * from './options.interface.js';
export * from './worker.interface.js';
