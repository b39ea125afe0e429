import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [vue()],
  // Relative asset URLs: the page also works under a proxy prefix such as /wsline/.
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', reportCompressedSize: true },
  // `npm run dev -w @chat/web`: the dev server forwards the API and WebSocket to `npm start`'s server.
  server: {
    proxy: {
      '/ws': { target: 'ws://localhost:3000', ws: true },
      '/healthz': 'http://localhost:3000',
    },
  },
});
