import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [vue()],
  // Relative asset URLs: the page also works under a proxy prefix such as /wsline/.
  base: './',
  // markdown-it's `entities` without its tables of named references (src/lib/entities-off.ts).
  resolve: { alias: { entities: fileURLToPath(new URL('./src/lib/entities-off.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', reportCompressedSize: true },
  // `npm run dev -w @chat/web`: the dev server forwards the API and WebSocket to `npm start`'s server.
  server: {
    proxy: {
      '/ws': { target: 'ws://localhost:3000', ws: true },
      '/healthz': 'http://localhost:3000',
    },
  },
});
