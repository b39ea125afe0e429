// A Fastify plugin whose hooks and decorators land in the context that registers it (the root)
// instead of its own encapsulated one: what the fastify-plugin package does, without the package.
// Fastify skips the encapsulation of any plugin function carrying this symbol.
import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';

export function rootPlugin<Options extends FastifyPluginOptions = Record<never, never>>(name: string, plugin: FastifyPluginAsync<Options>): FastifyPluginAsync<Options> {
  const marked = plugin as FastifyPluginAsync<Options> & Record<symbol, unknown>;
  marked[Symbol.for('skip-override')] = true;
  marked[Symbol.for('fastify.display-name')] = name;
  return plugin;
}
