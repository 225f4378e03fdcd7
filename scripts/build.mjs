// Compiles src/ to dist/ and copies the assets tsc does not know about
// (Lua scripts live beside the code that loads them).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
} catch (err) {
  // tsc already printed the type errors; a stack trace here would only bury them.
  console.error('build failed: TypeScript errors above');
  process.exit(typeof err.status === 'number' ? err.status : 1);
}

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) copyAssets(full);
    else if (name.endsWith('.lua')) cpSync(full, join(root, 'dist', relative(join(root, 'src'), full)));
  }
}
copyAssets(join(root, 'src'));
