import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function ingestCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('ingest is not built yet'));
}
