import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Four pages, one bundle each with shared chunks, content-hashed under assets/. Relative asset
 * URLs (base './'), so the pages work wherever a service is mounted. No inline scripts or styles
 * and no module-preload polyfill: the Content-Security-Policy allows scripts from 'self' only.
 */
export default defineConfig({
  root: here('.'),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { index: here('index.html'), me: here('me.html'), coordinator: here('coordinator.html'), site: here('site.html') },
    },
  },
});
