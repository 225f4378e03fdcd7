import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function stateCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('state is not built yet'));
}
