import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [vue()],
  resolve: {
    // Tests import the protocol from source, so they never run against a stale build.
    alias: {
      '@chat/protocol': fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)),
      // As in the web build (packages/web/vite.config.ts): markdown-it without named entities.
      entities: fileURLToPath(new URL('./packages/web/src/lib/entities-off.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Bundled through the aliases above rather than loaded by Node, as the build bundles it.
    server: { deps: { inline: ['markdown-it'] } },
  },
});
