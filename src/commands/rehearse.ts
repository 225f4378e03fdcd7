import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function rehearseCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('rehearse is not built yet'));
}
