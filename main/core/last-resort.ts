/**
 * Main's last line: an error nothing caught (a rejected promise no one
 * awaited, a throw from a socket's event handler) is logged and main keeps
 * serving. Every known path answers its caller with a typed error before
 * this; what reaches here is a bug to fix, never a reason to lose the
 * user's work by exiting. Returns the removal (for tests).
 */
export function keepServingOnUncaughtErrors(log: (message: string) => void = (message) => console.error(message)): () => void {
  const onRejection = (reason: unknown) => log(`Wordbrush: an unhandled rejection was caught and main goes on: ${describe(reason)}`);
  const onException = (error: Error) => log(`Wordbrush: an uncaught exception was caught and main goes on: ${describe(error)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
