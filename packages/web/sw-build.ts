// Builds the service worker (src/sw/sw.ts) into dist/sw.js once the page's build is written: a
// build of its own (one classic script, no hash in its name, nothing shared with the page's
// chunks, so none of it enters the page's initial bundle), told the list of the app shell's files
// and their hash. The list is read from the built index.html (the entry script, its stylesheet
// and preloads, the manifest, the touch icon) and the manifest's icons, plus the lazy chunks but
// the biggest, so it follows the build without a second list to keep.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, type Plugin } from 'vite';

/** The shell's files, relative to the page: './' (the page) first. */
export function shellFiles(indexHtml: string, manifestJson: string | null): string[] {
  const refs = [...indexHtml.matchAll(/\s(?:src|href)="(\.\/[^"]+)"/g)].map((m) => m[1]!);
  const icons = manifestJson ? ((JSON.parse(manifestJson) as { icons?: { src: string }[] }).icons ?? []).map((i) => i.src) : [];
  return [...new Set(['./', ...refs, ...icons.map((src) => (src.startsWith('./') ? src : `./${src}`))])];
}

/** Lazily loaded chunks larger than this (the emoji picker's data) are left to the network. */
const LAZY_CHUNK_MAX_BYTES = 64 * 1024;

/**
 * The lazily loaded JS and CSS chunks (menus, dialogs, the search panel, the uploader): cached
 * with the shell, so that an app opened offline can still open them (a chunk first wanted while
 * offline would fail to load).
 */
export function lazyChunks(outDir: string, shell: readonly string[]): string[] {
  return readdirSync(resolve(outDir, 'assets'))
    .filter((name) => /\.(js|css)$/.test(name))
    .map((name) => `./assets/${name}`)
    .filter((file) => !shell.includes(file) && statSync(resolve(outDir, file)).size <= LAZY_CHUNK_MAX_BYTES)
    .sort();
}

export function serviceWorker(entry: string): Plugin {
  let root = '';
  let outDir = '';
  return {
    name: 'chat-service-worker',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const read = (file: string) => readFileSync(resolve(outDir, file === './' ? 'index.html' : file));
      let manifest: string | null = null;
      try {
        manifest = read('manifest.webmanifest').toString('utf8');
      } catch {
        // No manifest: the shell is the page and its assets.
      }
      const shell = shellFiles(read('index.html').toString('utf8'), manifest);
      const files = [...shell, ...lazyChunks(outDir, shell)];
      const hash = createHash('sha256');
      for (const f of files) hash.update(f).update(read(f));
      await build({
        configFile: false,
        root,
        publicDir: false,
        logLevel: 'warn',
        define: { __SW_PRECACHE__: JSON.stringify(files), __SW_VERSION__: JSON.stringify(hash.digest('hex').slice(0, 16)) },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          target: 'es2020',
          minify: true,
          // Module service workers are recent in Firefox and Safari: a classic script everywhere.
          lib: { entry: resolve(root, entry), formats: ['iife'], name: 'chatServiceWorker', fileName: () => 'sw.js' },
        },
      });
    },
  };
}
