import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// The app embeds ui/dist at compile time; there is deliberately no dev-server URL in
// tauri.conf.json (a debug binary would load it and show a blank window without Vite).
export default defineConfig({
  plugins: [preact()],
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari15',
    // Inline nothing: the CSP allows scripts and styles from the app's own origin only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    environment: 'happy-dom',
    // Mocks the Tauri IPC once for every test file, resets it and unmounts after each test.
    setupFiles: ['./src/test/setup.ts'],
  },
});
