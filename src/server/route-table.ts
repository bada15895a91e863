import type { IncomingMessage, ServerResponse } from "node:http";

/** A handler on the app's server, as Probot's `addHandler` takes it: true when it answered the request. */
export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;

export interface RouteTable {
  /** Adds a handler; handlers are asked in the order they were added. */
  add(handler: HttpHandler): void;
  /** Asks each handler in turn; false when none answered (the server's own 404 then applies). */
  handle: HttpHandler;
}

/**
 * The app's own HTTP endpoints beside Probot's webhook route (the runner protocol, the model
 * gateway). One handler goes to Probot's server, and the same one to a test's server.
 */
export function createRouteTable(): RouteTable {
  const handlers: HttpHandler[] = [];
  return {
    add: (handler) => void handlers.push(handler),
    async handle(request, response) {
      for (const handler of handlers) if (await handler(request, response)) return true;
      return false;
    },
  };
}
