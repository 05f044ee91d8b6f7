import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Header,
  HttpCode,
  Inject,
  Logger,
  NotFoundException,
  NotImplementedException,
  ServiceUnavailableException,
  Param,
  Post,
  Query,
  Req,
  Res,
  Sse,
  Get,
  Injectable,
  type MessageEvent,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { asyncScheduler, concat, defer, map, merge, of, throttleTime, type Observable } from 'rxjs';
import { EVENT_TYPES, ROOT_NAME, SupervisionService, type NodeSnapshot } from '../index.js';
import { resolveDashboardActions, type DashboardActions } from './dashboard.actions.js';
import { DASHBOARD_CSS, DASHBOARD_JS, dashboardHtml } from './dashboard.assets.js';
import { DashboardEventLog } from './dashboard.event-log.js';
import { DASHBOARD_MESSAGES } from './dashboard.messages.js';
import { DASHBOARD_OPTIONS, type ResolvedDashboardOptions } from './dashboard.options.js';

/** The header an action request must carry: a cross-site form or image cannot set it. */
export const DASHBOARD_ACTION_HEADER = 'x-supertrees-dashboard';

/** What the page is told first on its live stream. */
export interface DashboardHello {
  /** `enabled`: buttons shown; `disabled`: by the options; `unsupported`: the library has no per-node control. */
  readonly actions: 'enabled' | 'disabled' | 'unsupported';
  /** Changes when the server restarts, so a reconnecting page starts its log afresh. */
  readonly bootId: string;
  readonly eventTypes: readonly string[];
}

// Nothing on the page comes from elsewhere: the policy blocks any request to another origin, and
// inline script and style, so a string that slipped through as markup still could not run.
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The dashboard's routes. Not decorated with `@Controller()` here: `register()` makes a subclass
 * per mount, with the user's path and guard, since a decorator's arguments are fixed where it is
 * written. `@Injectable()` makes TypeScript emit the constructor's types for Nest's injector.
 */
@Injectable()
export class DashboardController {
  private readonly logger = new Logger('SupervisionDashboard');
  private readonly bootId = randomUUID();
  private readonly control: DashboardActions | undefined;

  constructor(
    private readonly supervision: SupervisionService,
    private readonly log: DashboardEventLog,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
  ) {
    this.control = resolveDashboardActions(supervision);
  }

  /**
   * The page, at the mount path without a trailing slash (Fastify tells the two apart; Express
   * does not, so a slash is redirected away). Its links are relative to the request's own URL, so
   * it works below any global prefix or proxy.
   */
  @Get()
  page(@Req() request: unknown, @Res() response: unknown): void {
    const adapter = this.adapterHost.httpAdapter;
    const pathname = String(adapter.getRequestUrl(request) ?? '/').split('?')[0]!;
    const trimmed = pathname.replace(/\/+$/, '');
    const last = trimmed.slice(trimmed.lastIndexOf('/') + 1);
    if (trimmed !== pathname && last) {
      adapter.redirect(response, 302, `../${last}`);
      return;
    }
    adapter.setHeader(response, 'Content-Type', 'text/html; charset=utf-8');
    adapter.setHeader(response, 'Content-Security-Policy', PAGE_CSP);
    adapter.setHeader(response, 'X-Frame-Options', 'DENY');
    adapter.setHeader(response, 'X-Content-Type-Options', 'nosniff');
    adapter.setHeader(response, 'Referrer-Policy', 'no-referrer');
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.reply(response, dashboardHtml(last ? `${last}/` : ''), 200);
  }

  @Get('assets/dashboard.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  css(): string {
    return DASHBOARD_CSS;
  }

  @Get('assets/dashboard.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  js(): string {
    return DASHBOARD_JS;
  }

  /**
   * Server-Sent Events: `hello`, then `history` (the recent events), then `snapshot` whenever the
   * tree changes (at most every `throttleMs`) and `event` for each event. All of it is read in one
   * synchronous step, so no event falls between the history and the live part. When the
   * application closes, `closed`, and the connection is closed too.
   */
  @Sse('stream')
  stream(@Req() request: PlatformMessage, @Res({ passthrough: true }) response: PlatformMessage): Observable<MessageEvent> {
    // A closing app answers with an error, which an EventSource does not retry.
    if (this.log.ended) throw new ServiceUnavailableException(DASHBOARD_MESSAGES.closing());
    const ended = defer(() => {
      closeConnectionAfter(request, response);
      return of<MessageEvent>({ type: 'closed', data: {} });
    });
    return defer(() => {
      const hello: DashboardHello = { actions: this.actionsMode(), bootId: this.bootId, eventTypes: EVENT_TYPES };
      const trees = this.supervision.snapshot$.pipe(
        throttleTime(this.options.throttleMs, asyncScheduler, { leading: true, trailing: true }),
        map((tree): MessageEvent => ({ type: 'snapshot', data: { now: Date.now(), tree } })),
      );
      const events = this.supervision.events$.pipe(
        map((event): MessageEvent => ({ type: 'event', id: String(event.seq), data: event })),
      );
      const opening: MessageEvent[] = [
        { type: 'hello', data: hello },
        { type: 'history', data: this.log.recent() },
      ];
      return concat(of(...opening), merge(trees, events), ended);
    });
  }

  /** `terminate` or `restart` the node at `?path=`; only with `actions: true` and a library that supports it. */
  @Post('actions/:action')
  @HttpCode(200)
  async act(
    @Param('action') action: string,
    @Query('path') path: string | undefined,
    @Req() request: { headers?: Record<string, string | string[] | undefined> },
  ): Promise<{ action: string; path: string }> {
    if (!this.options.actions) throw new ForbiddenException(DASHBOARD_MESSAGES.actionsDisabled());
    if (action !== 'terminate' && action !== 'restart') throw new NotFoundException(`no action "${action}" (terminate, restart)`);
    if (request.headers?.[DASHBOARD_ACTION_HEADER] !== '1') {
      throw new ForbiddenException(DASHBOARD_MESSAGES.actionHeaderMissing(DASHBOARD_ACTION_HEADER));
    }
    if (!this.control) throw new NotImplementedException(DASHBOARD_MESSAGES.actionsUnsupported());
    if (!path) throw new BadRequestException(DASHBOARD_MESSAGES.pathMissing());
    if (path === ROOT_NAME) throw new BadRequestException(DASHBOARD_MESSAGES.rootNotActionable(path));
    if (!find(this.supervision.snapshot(), path)) throw new NotFoundException(DASHBOARD_MESSAGES.unknownPath(path));
    try {
      await this.control[action](path);
    } catch (error) {
      // The node's state did not allow it (or it changed meanwhile): tell the page why.
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(DASHBOARD_MESSAGES.actionFailed(action, path, message));
      throw new ConflictException(DASHBOARD_MESSAGES.actionFailed(action, path, message));
    }
    this.logger.log(`${action} ${path}`);
    return { action, path };
  }

  private actionsMode(): DashboardHello['actions'] {
    if (!this.options.actions) return 'disabled';
    return this.control ? 'enabled' : 'unsupported';
  }
}

/** A request or response of Express (Node's own objects) or of Fastify (which wraps them as `raw`). */
interface PlatformMessage {
  raw?: PlatformMessage;
  socket?: { end(): void } | null;
  once?(event: 'finish', listener: () => void): unknown;
}

/**
 * Ends the connection once the response has been sent. Otherwise the browser keeps it alive and
 * reconnects through it, and `app.close()` waits for a connection that never goes idle.
 */
function closeConnectionAfter(request: PlatformMessage, response: PlatformMessage): void {
  const socket = (request.raw ?? request).socket;
  (response.raw ?? response).once?.('finish', () => socket?.end());
}

function find(node: NodeSnapshot, path: string): NodeSnapshot | undefined {
  if (node.path === path) return node;
  for (const child of node.children ?? []) {
    const found = find(child, path);
    if (found) return found;
  }
  return undefined;
}
