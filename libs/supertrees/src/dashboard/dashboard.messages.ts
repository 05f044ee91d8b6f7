/**
 * Every message the dashboard puts in an error or a refusal, in one place: the code and the tests
 * build them from these factories, so a test that matches a message cannot drift from the code.
 */
export const DASHBOARD_MESSAGES = {
  owner: 'SupervisionDashboardModule.register',
  guardRequired: () =>
    'is required: give a CanActivate class or instance that decides who may see the tree (the dashboard is never open by default)',
  guardInvalid: (got: string) => `must be a CanActivate class or an object with a canActivate() method (got ${got})`,
  actionsDisabled: () =>
    'per-node actions are disabled; enable them with SupervisionDashboardModule.register({ actions: true })',
  actionsUnsupported: () =>
    'per-node actions are not supported by this version of nestjs-supertrees (SupervisionService has no terminateChild()/restartChild())',
  actionHeaderMissing: (header: string) =>
    `an action needs the request header "${header}: 1" (a cross-site form cannot set it)`,
  closing: () => 'the application is closing',
  pathMissing: () => 'give the node as ?path=root/...',
  unknownPath: (path: string) => `no node at ${path}`,
  rootNotActionable: (path: string) => `${path} is the root; stop or start the whole tree with SupervisionService instead`,
  actionFailed: (action: string, path: string, message: string) => `${action} ${path} failed: ${message}`,
} as const;
