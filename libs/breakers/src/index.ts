export * from './breaker';
export * from './breaker-registry';
export * from './breakers.module';
