// Vite builds the browser app into dist/, which the FastAPI server serves at `/`. Asset paths are
// relative (base './') so the app works wherever it is mounted; the API is same-origin at /api.
// `npm run dev` proxies /api to the server (SKYLABEL_API, default http://127.0.0.1:8000; the mock in
// mock/server.mjs listens on 8010).
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: {
      '/api': { target: process.env.SKYLABEL_API ?? 'http://127.0.0.1:8000', changeOrigin: true },
    },
  },
});
