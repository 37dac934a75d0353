/**
 * The workflow bundle tests run: every production workflow plus small probes that exist only to
 * test the stack itself (timers and messages, payload encryption).
 */
export * from '../../workflows';
export * from './stack-probe';
export * from './codec-probe';
