export * from './engine';
export * from './options';
export * from './replicated-redis-with-stable-readers-base';
export * from './replicated-redis-with-stable-readers';
