/**
 * An AbortSignal fired by Ctrl-C or SIGTERM, for commands that stop cleanly (partial work
 * kept for a resume), and a function that stops listening once the command is done.
 */
export function interruptSignal(reason: unknown = new Error('interrupted')): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort(reason);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
