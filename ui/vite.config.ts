/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// The Tauri shell loads ui/dist from disk (WebKitGTK 2.50 on Linux, WKWebView on macOS,
// WebView2 on Windows), so paths are relative and the target is the oldest of those engines.
export default defineConfig({
  base: './',
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true, // src-tauri/tauri.conf.json's devUrl is http://localhost:1420
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari16',
    // Fonts are files of their own, never data: URLs, so the CSP stays `default-src 'self'`.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/tests/setup.ts'],
    restoreMocks: true,
  },
});
