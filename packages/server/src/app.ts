import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Store } from './store/store.js';

export interface AppOptions {
  config: Config;
  /** Overrides the store that the config selects (tests inject failing or shared stores). */
  store?: Store;
}

export async function buildApp(_options: AppOptions): Promise<FastifyInstance> {
  throw new Error('not yet built');
}
