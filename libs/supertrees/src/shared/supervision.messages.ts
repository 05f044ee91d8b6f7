/**
 * Every message the library puts in an error, in one place: the errors and the tests build them
 * from these factories, so a test that matches a message cannot drift from the code.
 */
const MAIN_TS_FIX =
  'in main.ts, start the app inside bootstrapSupervised: ' +
  'await bootstrapSupervised(AppModule, async () => { const app = await NestFactory.create(AppModule); await app.listen(3000); }) ' +
  '(a supervisor process then boots only the tree and never runs the callback), ' +
  'or point forRoot({ process: { entry } }) at a script that calls bootstrapSupervised';

export const MESSAGES = {
  placementWithoutCluster: (cls: string, placement: string) =>
    `${cls}: placement ${placement} needs cluster mode: SupervisionModule.forRoot({ cluster: { redis } }); without it every node runs in every replica`,
  nestedPlacement: (cls: string, ancestor: string) =>
    `${cls}: is placed, but its ancestor ${ancestor} is already placed and carries its whole subtree; place one of them only`,
  placedPool: (cls: string) =>
    `${cls}: a pool (instances) cannot be placed; use placement { partitions: N } instead of instances, or place its supervisor`,
  placedDynamic: (cls: string) =>
    `${cls}: a dynamic worker (started by startChild()) cannot be placed; place its dynamic supervisor instead`,
  placedName: (cls: string, path: string) =>
    `${cls}: a placed node's path "${path}" names its lease, and must match [A-Za-z0-9_.:/-]{1,200}; give it another "name"`,
  invalidOption: (owner: string, option: string, problem: string) =>
    `${owner}: option "${option}" ${problem}`,
  unregisteredChild: (supervisor: string, child: string) =>
    `${supervisor}: child ${child} is not a provider of any module; add it to a module's "providers"`,
  notAClass: (supervisor: string, index: number, value: string) =>
    `${supervisor}: children[${index}] is not a class (got ${value})`,
  notSupervised: (supervisor: string, child: string) =>
    `${supervisor}: child ${child} has neither @Worker() nor @Supervisor()`,
  duplicateChild: (child: string, first: string, second: string) =>
    first === second
      ? `${child} is listed twice in the children of ${first}; a node appears once`
      : `${child} is a child of two supervisors, ${first} and ${second}; a node has one parent`,
  duplicatePath: (path: string, first: string, second: string) =>
    `${first} and ${second} would share the path "${path}"; give one of them another "name"`,
  cycle: (cycle: string[]) => `supervisors form a cycle: ${cycle.join(' -> ')}`,
  workerWithoutRun: (worker: string) => `${worker}: a @Worker() class must have a run() method`,
  bothDecorators: (cls: string) => `${cls}: a class cannot be both a @Worker() and a @Supervisor()`,
  scoped: (cls: string, scope: string) =>
    `${cls}: a ${scope}-scoped provider cannot be supervised; workers and supervisors must be singletons (Scope.DEFAULT)`,
  gaveUp: (path: string, maxRestarts: number, withinMs: number) =>
    `supervisor ${path} exceeded its restart intensity (more than ${maxRestarts} restarts within ${withinMs} ms) and gave up`,
  abandoned: (path: string, timeoutMs: number) =>
    `${path} did not stop within its shutdownTimeoutMs (${timeoutMs} ms); abandoned, shutdown goes on`,
  processExited: (path: string, code: number | null, signal: string | null) =>
    `supervisor process ${path} exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`})`,
  heartbeatTimeout: (path: string, pid: number, timeoutMs: number) =>
    `supervisor process ${path} (pid ${pid}) sent no heartbeat for ${timeoutMs} ms; killed as hung`,
  memoryLimit: (path: string, pid: number, rssBytes: number, limitMiB: number) =>
    `supervisor process ${path} (pid ${pid}) uses ${(rssBytes / 1_048_576).toFixed(1)} MiB of memory (RSS), above its process.maxMemoryMiB (${limitMiB} MiB); restarted`,
  startTimeout: (path: string, timeoutMs: number) =>
    `supervisor process ${path} did not start within startTimeoutMs (${timeoutMs} ms)`,
  noEntry: () =>
    'cannot fork a supervisor process: no entry script (process.argv[1] is empty); set forRoot({ process: { entry } })',
  unsupervisedBoot: (path: string, entry: string) =>
    `supervisor process ${path} exited at once: its script ${entry} booted the app itself instead of calling bootstrapSupervised(); ${MAIN_TS_FIX}`,
  unsupervisedBootHere: (entry: string) =>
    `this process was forked as a supervisor process, but its script ${entry} booted the app itself instead of calling bootstrapSupervised(); exiting before anything starts or listens. Fix: ${MAIN_TS_FIX}`,
  handlerUnknownType: (handler: string, type: string) =>
    `${handler}: @OnSupervisionEvent() names an unknown event type ${JSON.stringify(type)}; use one of EVENT_TYPES or '*'`,
  handlerBadPath: (handler: string, path: string) =>
    `${handler}: @OnSupervisionEvent() names path ${path}, which is not a node of the supervision tree`,
  handlerScoped: (handler: string, scope: string) =>
    `${handler}: a ${scope}-scoped provider cannot have @OnSupervisionEvent() handlers; events go to singletons (Scope.DEFAULT)`,
  handlerFailed: (handler: string, type: string, path: string, message: string) =>
    `${handler} threw on the ${type} event of ${path}: ${message}`,
  dynamicWorkerAsChild: (supervisor: string, child: string) =>
    `${supervisor}: child ${child} is a dynamic worker (@Worker({ dynamic: true })); start it with startChild() instead`,
  notStarted: () => 'the supervision tree has not been built yet (before app.init())',
  initTimeout: (path: string, timeoutMs: number) =>
    `${path}: init() did not settle within its initTimeoutMs (${timeoutMs} ms); the start failed and its signal was aborted`,
  unknownNode: (node: string) => `${node} is not a node of the supervision tree`,
  notCallable: (path: string, why: 'supervisor' | 'no-handle') =>
    why === 'supervisor'
      ? `${path} is a supervisor; only a worker can be called`
      : `${path} cannot be called: its class has no handle(message, ctx) method`,
  mailboxFull: (path: string, capacity: number) =>
    `${path}: mailbox full (${capacity} messages waiting or being handled); try again later or raise mailbox.capacity`,
  callTimeout: (path: string, timeoutMs: number, state: 'queued' | 'handling') =>
    state === 'queued'
      ? `call to ${path} timed out after ${timeoutMs} ms while waiting its turn in the mailbox`
      : `call to ${path} timed out after ${timeoutMs} ms while handle() was running`,
  workerRestarting: (path: string, timeoutMs: number) =>
    `call to ${path} timed out after ${timeoutMs} ms: the worker was down and not restarted in time`,
  workerCrashed: (path: string, ended: 'failed' | 'exited') =>
    ended === 'failed'
      ? `${path} failed while the call was waiting or being handled; the call was not completed`
      : `${path} ended its run() while the call was waiting or being handled; the call was not completed`,
  workerStopped: (path: string) => `${path} is stopped; the call was not delivered`,
  invalidMessage: (path: string, field: string, problem: string) => `call to ${path}: ${field} ${problem}`,
  callRejected: (path: string, message: string) => `${path} handle() threw: ${message}`,
  notDynamic: (path: string) => `${path} is not a dynamic supervisor; declare it with @Supervisor({ dynamic: true })`,
  childIdTaken: (path: string, id: string) => `${path} already has a child with id "${id}"`,
  maxChildren: (path: string, max: number) => `${path} already runs its maxChildren (${max}) children`,
  notAWorker: (cls: string) => `${cls} is not a @Worker() provider of any module; add @Worker() and list it in a module's "providers"`,
  invalidChildSpec: (field: string, problem: string) => `startChild spec: "${field}" ${problem}`,
  childStartFailed: (path: string, cause: unknown) =>
    `${path} failed to start: ${cause instanceof Error ? cause.message : String(cause)}`,
  childState: (path: string, operation: string, state: string) =>
    `${operation}: ${path} is ${state}; ${operation === 'restartChild' ? 'only a terminated child can be restarted' : 'only a terminated static child can be deleted'}`,
  notAPool: (path: string) => `${path} is not a pool; declare it with @Worker({ instances })`,
  notASupervisor: (path: string) => `${path} is not a supervisor`,
  requestTimeout: (op: string, path: string, timeoutMs: number) =>
    `${op} on ${path} got no reply within ${timeoutMs} ms`,
  processNotRunning: (path: string) => `its supervisor process ${path} is not running (starting, restarting or stopped)`,
  processStopped: (path: string, reason: string) => `its supervisor process ${path} is being stopped (${reason})`,
  processExitedBeforeReply: (path: string) => `its supervisor process ${path} exited before it replied`,
  nodeUnavailable: (op: string, path: string, reason: string) => `${op} on ${path} failed: ${reason}`,
  unknownOperation: (op: string, path: string) =>
    `${op} on ${path}: no such operation in the process that hosts it (do both processes run the same code?)`,
} as const;
