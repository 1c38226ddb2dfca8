import type { UtilityProcess } from 'electron';
import { inferenceArgs, type InferenceEntry, type LaunchInference } from '../core/inference-child';

type ForkUtility = (modulePath: string, args: string[], options: { serviceName: string; stdio: 'inherit' }) => UtilityProcess;

/** Under Electron the inference process is a utility process (the runAsNode fuse is off, so no child_process.fork of Electron). */
export function utilityLauncher(forkUtility: ForkUtility, entry: InferenceEntry): LaunchInference {
  return () => {
    const child = forkUtility(entry.script, inferenceArgs(entry), { serviceName: 'Wordbrush inference', stdio: 'inherit' });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.once('exit', (code) => listener(`exit code ${code}`)),
      kill: () => void child.kill(),
    };
  };
}
