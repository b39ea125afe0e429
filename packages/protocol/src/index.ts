export * from './message.js';
export * from './changes.js';
export * from './frames.js';
export * from './limits.js';
export * from './mentions.js';
export * from './validate.js';
export * from './push.js';
export * from './notify.js';
