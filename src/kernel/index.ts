// The kernel: what factors, the orchestrator and the routes share. The step context and result,
// the factor contract, the services and the ports. It imports policy and store types and the
// ports' own adapters' types, never a factor, the orchestrator, a route or a runtime.
export * from './factor.js';
export * from './ports.js';
export * from './services.js';
export * from './step.js';
export * from './fields.js';
export * from './post-auth.js';
