import { fileURLToPath } from 'node:url';

/** @type {import('next').NextConfig} */
export default {
  poweredByHeader: false,
  // The app is its own root (the repository around it has other lock files).
  turbopack: { root: fileURLToPath(new URL('.', import.meta.url)) },
};
