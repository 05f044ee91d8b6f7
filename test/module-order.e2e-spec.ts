// The tree stops before any other module's onModuleDestroy closes what workers use, wherever
// SupervisionModule is imported, and starts only after every other module bootstrapped.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type Type,
} from '@nestjs/common';
import { SupervisionModule, Worker, type SupervisedWorker, type WorkerContext } from '../libs/supertrees/src/index.js';
import { aborted, Cleanup, compileTree } from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const LOG = 'LOG';

/** What happened, in order, shared by the modules of one test. */
class Log {
  readonly entries: string[] = [];
}

/** Something workers use that another module closes at shutdown, like a database pool. */
@Injectable()
class Database implements OnApplicationBootstrap, OnModuleDestroy {
  private open = false;
  constructor(@Inject(LOG) private readonly log: Log) {}

  onApplicationBootstrap(): void {
    this.open = true;
    this.log.entries.push('database bootstrapped');
  }

  query(what: string): string {
    if (!this.open) throw new Error(`query "${what}" on a closed database`);
    return what;
  }

  onModuleDestroy(): void {
    this.open = false;
    this.log.entries.push('database destroyed');
  }
}

@Worker()
class Writer implements SupervisedWorker {
  constructor(
    private readonly db: Database,
    @Inject(LOG) private readonly log: Log,
  ) {}

  async run(ctx: WorkerContext): Promise<void> {
    this.log.entries.push(`worker ran: ${this.db.query('select 1')}`);
    await aborted(ctx.signal);
    this.log.entries.push('worker signal aborted');
    // Flushing on the way out still needs the database.
    this.log.entries.push(`worker flushed: ${this.db.query('flush')}`);
  }
}

/** The log itself lives in a global module so every arrangement below can inject it. */
function logModule(log: Log): DynamicModule {
  return { module: LogModule, global: true, providers: [{ provide: LOG, useValue: log }], exports: [LOG] };
}
@Module({})
class LogModule {}

@Module({ providers: [Database], exports: [Database] })
class DatabaseModule {}

@Global()
@Module({ providers: [Database], exports: [Database] })
class GlobalDatabaseModule {}

@Module({ imports: [DatabaseModule], providers: [Writer] })
class FeatureModule {}

@Module({ imports: [FeatureModule] })
class OuterFeatureModule {}

const supervision = (isGlobal = true) =>
  SupervisionModule.forRoot({ onTreeFailure: 'keep-running', logging: false, defaultIsolation: 'none', isGlobal });

interface Arrangement {
  name: string;
  imports: (DynamicModule | Type<unknown>)[];
  providers: Type<unknown>[];
}

const ARRANGEMENTS: Arrangement[] = [
  { name: 'SupervisionModule imported before the database module', imports: [supervision(), DatabaseModule], providers: [Writer] },
  { name: 'SupervisionModule imported after the database module', imports: [DatabaseModule, supervision()], providers: [Writer] },
  { name: 'worker in a feature module imported before SupervisionModule', imports: [FeatureModule, supervision()], providers: [] },
  { name: 'worker in a feature module imported after SupervisionModule', imports: [supervision(), FeatureModule], providers: [] },
  { name: 'worker two modules deep', imports: [OuterFeatureModule, supervision()], providers: [] },
  { name: 'database provided by the root module itself', imports: [supervision()], providers: [Database, Writer] },
  { name: 'database in a @Global() module', imports: [GlobalDatabaseModule, supervision()], providers: [Writer] },
  { name: 'SupervisionModule with isGlobal: false', imports: [DatabaseModule, supervision(false)], providers: [Writer] },
];

describe('order against other modules', () => {
  it.each(ARRANGEMENTS)('$name: the tree starts after other modules bootstrapped and stops before their onModuleDestroy', async ({ imports, providers }) => {
    const log = new Log();
    const tree = cleanup.track(await compileTree({ imports: [logModule(log), ...imports], providers }));
    await tree.moduleRef.init();
    await tree.close();

    expect(log.entries).toEqual([
      'database bootstrapped',
      'worker ran: select 1',
      'worker signal aborted',
      'worker flushed: flush',
      'database destroyed',
    ]);
    expect(tree.recorder.of({ type: 'failed' })).toHaveLength(0);
    expect(tree.recorder.trace({ where: (e) => e.path === 'root/Writer' })).toEqual([
      'starting root/Writer',
      'started root/Writer',
      'stopping root/Writer',
      'stopped root/Writer',
    ]);
  });
});
