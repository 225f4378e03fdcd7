import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function consumeCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('consume is not built yet'));
}
