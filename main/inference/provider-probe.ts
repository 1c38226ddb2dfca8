import * as ort from 'onnxruntime-node';
import { type JobProgress } from '../../app/contract/inference';
import { ExecutionProviderName, type ProviderReport } from '../../app/contract/providers';
import { providerLibraryPresent } from '../engine/onnx/execution';

/**
 * Finds out which execution providers really work here. onnxruntime-node
 * lists what its binary was built with, but a bundled provider can still fail
 * for want of a driver (WebGPU without Vulkan, CUDA without its libraries), so
 * each one runs a one-node graph (y = x + 1) and must answer correctly.
 */
export class ProviderProbe {
  private cached: Promise<ProviderReport[]> | null = null;

  constructor(
    private readonly probeModelPath: string,
    private readonly onProgress: (progress: JobProgress) => void,
  ) {}

  report(refresh: boolean): Promise<ProviderReport[]> {
    if (!this.cached || refresh) this.cached = this.probeAll();
    return this.cached;
  }

  private async probeAll(): Promise<ProviderReport[]> {
    const backends = ort.listSupportedBackends().flatMap((backend) => {
      const name = ExecutionProviderName.safeParse(backend.name);
      return name.success ? [{ name: name.data, bundled: backend.bundled }] : [];
    });
    const jobId = `probe-${Date.now()}`;
    const reports: ProviderReport[] = [];
    for (const [index, backend] of backends.entries()) {
      this.onProgress({ jobId, label: `Probing ${backend.name}`, step: index, total: backends.length });
      reports.push({ ...backend, ...(await this.probeOne(backend.name, backend.bundled)) });
    }
    this.onProgress({ jobId, label: 'Probed execution providers', step: backends.length, total: Math.max(1, backends.length) });
    return reports;
  }

  private async probeOne(name: ExecutionProviderName, bundled: boolean): Promise<{ usable: boolean; detail?: string }> {
    // Asking onnxruntime for a provider whose library is absent only fills the log with its load error.
    if (!bundled && !providerLibraryPresent(name)) return { usable: false, detail: `onnxruntime's ${name} provider library is not installed` };
    let session: ort.InferenceSession | undefined;
    try {
      session = await ort.InferenceSession.create(this.probeModelPath, { executionProviders: [name] });
      const { y } = await session.run({ x: new ort.Tensor('float32', new Float32Array([2]), [1]) });
      const answer = y?.data[0];
      return answer === 3 ? { usable: true } : { usable: false, detail: `probe graph answered ${String(answer)}, expected 3` };
    } catch (thrown) {
      return { usable: false, detail: readableReason(thrown) };
    } finally {
      await session?.release();
    }
  }
}

/**
 * onnxruntime's messages lead with a source location and a C++ signature
 * ("…webgpu_context.cc:136 onnxruntime::…<lambda()> … was false. Failed to get
 * a WebGPU adapter: No supported adapters"); a person wants the last clause.
 */
export function readableReason(thrown: unknown): string {
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
  const reason = /(?:Failed|Cannot|Could not|Unable|Not supported|No )[^]*$/.exec(line)?.[0] ?? line;
  return reason.slice(0, 300);
}
