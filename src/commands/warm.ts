import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function warmCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('warm is not built yet'));
}
