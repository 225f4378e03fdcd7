// Runs rehearsal steps in order against one environment. A step that throws
// ends the rehearsal with a failed section; Ctrl-C (the env's signal) stops
// between steps. Cleanup is the caller's (it owns the environment).
import type { RehearsalEnv } from './environment.js';
import type { RehearsalSection, RehearsalStep } from './step.js';

export interface RehearsalOutcome {
  ok: boolean;
  interrupted: boolean;
  sections: RehearsalSection[];
}

export interface RunRehearsalHooks {
  onStepStart?(step: RehearsalStep): Promise<void> | void;
  onStepEnd?(section: RehearsalSection): Promise<void> | void;
}

export async function runRehearsal(env: RehearsalEnv, steps: readonly RehearsalStep[], hooks: RunRehearsalHooks = {}): Promise<RehearsalOutcome> {
  const sections: RehearsalSection[] = [];
  for (const step of steps) {
    if (env.signal.aborted) break;
    await hooks.onStepStart?.(step);
    let section: RehearsalSection;
    try {
      section = await step.run(env);
    } catch (err) {
      // Errors of our own carry a message meant for people; anything else is summarised.
      const message = err instanceof Error ? err.message : String(err);
      section = { id: step.id, title: step.title, ok: false, lines: [`failed: ${message}`], data: { error: message } };
      sections.push(section);
      await hooks.onStepEnd?.(section);
      break;
    }
    sections.push(section);
    await hooks.onStepEnd?.(section);
  }
  const interrupted = env.signal.aborted;
  return { ok: !interrupted && sections.length === steps.length && sections.every((s) => s.ok), interrupted, sections };
}
