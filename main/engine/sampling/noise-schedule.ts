/**
 * The training noise schedule of a model, from its `scheduler_config.json`.
 * For SD (scaled_linear, 0.00085 to 0.012, 1000 steps):
 *   beta_i = (sqrt(b0) + i/(N-1) (sqrt(b1) - sqrt(b0)))^2,  alphabar_i = prod_{j<=i}(1 - beta_j),
 *   sigma_i = sqrt((1 - alphabar_i) / alphabar_i)   (sigma_0 ≈ 0.0292, sigma_999 ≈ 14.6146).
 */
export interface NoiseScheduleConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: 'scaled_linear' | 'linear';
}

export const SD_NOISE_SCHEDULE: NoiseScheduleConfig = { numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear' };

export class NoiseSchedule {
  readonly alphasCumprod: Float64Array;
  /** sigma at each training timestep, increasing. */
  readonly sigmas: Float64Array;
  private readonly logSigmas: Float64Array;

  constructor(readonly config: NoiseScheduleConfig) {
    const n = config.numTrainTimesteps;
    this.alphasCumprod = new Float64Array(n);
    this.sigmas = new Float64Array(n);
    this.logSigmas = new Float64Array(n);
    // diffusers builds this table in float32 (torch.linspace, cumprod); doing the same keeps our sigmas within its rounding.
    const f32 = Math.fround;
    const ends =
      config.betaSchedule === 'scaled_linear' ? [f32(Math.sqrt(config.betaStart)), f32(Math.sqrt(config.betaEnd))] : [f32(config.betaStart), f32(config.betaEnd)];
    const betas = torchLinspace(ends[0]!, ends[1]!, n).map((b) => (config.betaSchedule === 'scaled_linear' ? f32(b * b) : b));
    // torch.cumprod accumulates float32 tensors in double and rounds each stored value.
    let accumulated = 1;
    // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
    for (let i = 0; i < n; i++) {
      accumulated *= f32(1 - betas[i]!);
      const product = f32(accumulated);
      this.alphasCumprod[i] = product;
      this.sigmas[i] = f32(Math.sqrt(f32(f32(1 - product) / product)));
      this.logSigmas[i] = Math.log(this.sigmas[i]!);
    }
  }

  get sigmaMin(): number {
    return this.sigmas[0]!;
  }

  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1]!;
  }

  /** sigma at a (possibly fractional) timestep: linear interpolation over the table, as np.interp in diffusers. */
  sigmaAt(t: number): number {
    const n = this.sigmas.length;
    const clamped = Math.min(n - 1, Math.max(0, t));
    const low = Math.floor(clamped);
    const high = Math.min(n - 1, low + 1);
    const w = clamped - low;
    return (1 - w) * this.sigmas[low]! + w * this.sigmas[high]!;
  }

  /** The timestep of a sigma: interpolation in log-sigma (k-diffusion `DiscreteSchedule.sigma_to_t`, diffusers `_sigma_to_t`). */
  timestepOf(sigma: number): number {
    const logSigma = Math.log(Math.max(sigma, 1e-10));
    const log = this.logSigmas;
    // Stryker disable next-line EqualityOperator: at the first sigma exactly, the search below answers 0 too
    if (logSigma <= log[0]!) return 0;
    // Stryker disable next-line EqualityOperator: at the last sigma exactly, the search below answers the last timestep too
    if (logSigma >= log[log.length - 1]!) return log.length - 1;
    let low = 0;
    // Stryker disable next-line ArithmeticOperator: a bound past the end only adds a halving, whose mid reads undefined and lowers it
    let high = log.length - 1;
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      // Stryker disable next-line EqualityOperator: a sigma equal to a table entry interpolates to that entry's timestep from either side
      if (log[mid]! <= logSigma) low = mid;
      else high = mid;
    }
    const w = (log[low]! - logSigma) / (log[low]! - log[high]!);
    return (1 - w) * low + w * high;
  }
}

/** torch.linspace in float32 (steps >= 2, as the scheduler config is checked): the first half counts up from start, the second down from end. */
function torchLinspace(start: number, end: number, steps: number): number[] {
  const f32 = Math.fround;
  const step = f32(f32(end - start) / (steps - 1));
  // Stryker disable next-line all: torch's vectorised linspace rounds by the CPU's vector width, so which half counts from which end moves SD's sigmas less than torch itself does between machines (2.5e-7)
  const half = Math.floor(steps / 2);
  // Stryker disable next-line all: as above
  return Array.from({ length: steps }, (_, i) => (i < half ? f32(start + f32(step * i)) : f32(end - f32(step * (steps - 1 - i)))));
}
