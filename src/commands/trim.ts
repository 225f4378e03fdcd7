import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function trimCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('trim is not built yet'));
}
