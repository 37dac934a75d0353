export * from './stack-probe';
export * from './app-token';
export * from './codec-probe';
export * from './component-token';
export * from './authorizer-token';
export * from './auth-code';
