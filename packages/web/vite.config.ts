import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [vue()],
  // Relative asset URLs: the page also works under a proxy prefix such as /wsline/.
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', reportCompressedSize: true },
});
