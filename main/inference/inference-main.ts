import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { inferenceContract } from '../../app/contract/inference';
import { createEmitter, createRouter } from '../../app/rpc/router';
import { openParentChannel } from './parent-channel';
import { ProviderProbe } from './provider-probe';
import { readModelsDir } from './process-args';

/**
 * Entry of the inference process. onnxruntime-node's `session.run` blocks
 * its thread for the whole run, so sessions live here, never in main or the
 * renderer; a native crash here takes down only this process, which main restarts.
 */
const channel = openParentChannel();
const emit = createEmitter(inferenceContract.events, channel.send);
const probe = new ProviderProbe(join(readModelsDir(process.argv), 'probe', 'add-one.onnx'), (progress) => emit('job.progress', progress));

const router = createRouter(inferenceContract.calls, {
  'engine.hello': () => ({ pid: process.pid, onnxruntime: ort.env.versions.common }),
  'engine.providers': ({ refresh }) => probe.report(refresh),
});

channel.onMessage((raw) => {
  void router.handle(raw, undefined).then(channel.send);
});
