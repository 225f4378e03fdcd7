import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function checklistCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('checklist is not built yet'));
}
