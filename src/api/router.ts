import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** path parameters, already percent-decoded */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

type RouteHandler = (ctx: RequestContext) => Promise<void> | void;

export interface Route {
  readonly method: HttpMethod;
  /** e.g. `/api/v1/targets/{id}` — OpenAPI path template syntax, so the spec test can match */
  readonly path: string;
  /** routes outside /api/v1 (status page, health) may be public; the API is not */
  readonly isPublic: boolean;
  readonly handler: RouteHandler;
}

interface CompiledRoute extends Route {
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not_found' };

/**
 * A small table router. Literal segments win over parameters because routes are tried in
 * the order given (`/targets/test` is listed before `/targets/{id}`).
 */
export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => {
      const paramNames: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          const param = /^\{(\w+)\}$/.exec(segment);
          if (param?.[1] === undefined) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          paramNames.push(param[1]);
          return '([^/]+)';
        })
        .join('/');
      return { ...route, pattern: new RegExp(`^${source}$`), paramNames };
    });
  }

  list(): readonly Route[] {
    return this.routes;
  }

  match(method: string, pathname: string): RouteMatch {
    const allow = new Set<string>();
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname);
      if (m === null) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        allow.add(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, i) => {
        params[name] = decodeParam(m[i + 1] ?? '', name);
      });
      return { kind: 'found', route, params };
    }
    if (allow.size > 0) {
      if (allow.has('GET')) allow.add('HEAD');
      return { kind: 'method_not_allowed', allow: [...allow].sort() };
    }
    return { kind: 'not_found' };
  }
}

function decodeParam(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, 'invalid_field', `path parameter ${name} is not valid percent-encoding`, name);
  }
}
