import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web app lives in src/web and builds into dist/web, which the Fastify server serves
 * (index.html for every non-/api path). In development, /api is proxied to a local server.
 */
export default defineConfig({
  root: 'src/web',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    // Ant Design alone is most of a megabyte; pages are split off lazily.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: { '/api': process.env.ORDERLY_API ?? 'http://127.0.0.1:3000' },
  },
});
