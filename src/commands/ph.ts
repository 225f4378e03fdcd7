import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export function phStatusCommand(_ctx: CommandContext): Promise<number> {
  return Promise.reject(new UsageError('ph is not built yet'));
}
export const phHistoryCommand = phStatusCommand;
export const phLeaderboardCommand = phStatusCommand;
