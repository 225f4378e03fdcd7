// `npm run test:unit`: the pure modules' tests beside the code (src/**), with no
// redis-server, no stand-ins and no build: the inner loop, in a few seconds.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
  },
});
