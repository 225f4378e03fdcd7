// Writes docs/config.md from the zod schema (see src/config/reference.ts).
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../dist/config/reference.js';

writeFileSync(new URL('../docs/config.md', import.meta.url), renderConfigReference());
