export * from './vocabulary.js';
export * from './catalogue.js';
export * from './registration-events.js';
export * from './task-events.js';
export * from './assignment-events.js';
