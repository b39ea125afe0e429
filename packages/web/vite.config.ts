import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { serviceWorker } from './sw-build.js';

export default defineConfig({
  // serviceWorker: dist/sw.js, built after the page from src/sw/sw.ts (issue 19).
  plugins: [vue(), serviceWorker('src/sw/sw.ts')],
  // Relative asset URLs: the page also works under a proxy prefix such as /wsline/.
  base: './',
  // markdown-it's `entities` without its tables of named references (src/lib/entities-off.ts).
  resolve: { alias: { entities: fileURLToPath(new URL('./src/lib/entities-off.ts', import.meta.url)) } },
  // The emoji picker's data (lib/emoji-data.ts) is one ~560 KB chunk per language, loaded only when
  // the full list is opened; the warning limit is raised over it (the initial bundle has its own test).
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
    // Everything the page loads up front in one chunk. With several lazy chunks (the uploader, its
    // strip, the lightbox) sharing the client with the entry, Rolldown split that shared part into
    // a chunk of its own, preloaded all the same, and the bindings between the two cost about 1 KB
    // gzipped of the initial budget (test/bundle-size.test.ts).
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'initial', tags: ['$initial'] }] } } },
  },
  // `npm run dev -w @chat/web`: the dev server forwards the API and WebSocket to `npm start`'s server.
  server: {
    proxy: {
      '/ws': { target: 'ws://localhost:3000', ws: true },
      '/healthz': 'http://localhost:3000',
    },
  },
});
