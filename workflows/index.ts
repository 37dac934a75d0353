export * from './app-token';
export * from './component-token';
export * from './authorizer-token';
export * from './auth-code';
export * from './webhook-notification';
