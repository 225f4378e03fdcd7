import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function watchCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('watch is not built yet'));
}
