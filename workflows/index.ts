export * from './stack-probe';
export * from './app-token';
export * from './codec-probe';
