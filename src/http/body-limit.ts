import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingLimit } from 'hono/body-limit';

/**
 * Refuses bodies over `maxSize` bytes. A declared Content-Length is enough to decide: the HTTP
 * parser (Node's, and the Workers runtime's) never delivers more bytes than it declares, so the
 * common case costs one header read. Only chunked bodies, which declare nothing, go through Hono's
 * streaming limiter, which counts bytes as they arrive (and is far slower per request).
 */
export function bodyLimit(maxSize: number, onError: (c: Context) => Response): MiddlewareHandler {
  const streaming = streamingLimit({ maxSize, onError });
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared === undefined) return c.req.raw.body ? streaming(c, next) : next();
    const size = Number(declared);
    if (!Number.isSafeInteger(size) || size < 0 || size > maxSize) return onError(c);
    // `return next()`, not `await next()`: a held long-poll keeps no extra frame per layer.
    return next();
  };
}
