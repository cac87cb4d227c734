export * from './boxes';
export * from './peers';
