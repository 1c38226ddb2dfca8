/**
 * Seeded standard normal noise, bit-for-bit the algorithm of PyTorch's CPU
 * `torch.randn(n, generator=torch.Generator().manual_seed(seed))`: MT19937,
 * then for n >= 16 Box-Muller over blocks of 16 uniforms (aten
 * `normal_fill_16`), for n < 16 the scalar double-precision path. So a seed
 * gives the same starting latent as diffusers and ComfyUI with CPU noise,
 * whatever GPU runs the model.
 */
export class TorchGenerator {
  private readonly mt = new Uint32Array(624);
  private index = 625;
  private cachedNormal: number | null = null;

  constructor(seed: number) {
    // std::mt19937 seeded with the low 32 bits (torch keeps the seed as uint64; CPU MT uses its low word).
    this.mt[0] = seed >>> 0;
    // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1]! ^ (this.mt[i - 1]! >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = 624;
  }

  /** The next 32-bit output of MT19937. */
  random32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Standard normal float32 values, as torch.randn(n) draws them. */
  randn(n: number): Float32Array {
    const out = new Float32Array(n);
    if (n < 16) {
      for (let i = 0; i < n; i++) out[i] = this.scalarNormal();
      return out;
    }
    for (let i = 0; i < n; i++) out[i] = this.uniformFloat();
    // Stryker disable next-line ArithmeticOperator: an extra block past the end writes nowhere, and the part block is redrawn below
    for (let i = 0; i + 16 <= n; i += 16) normalFill16(out, i);
    if (n % 16 !== 0) {
      const start = n - 16;
      for (let i = 0; i < 16; i++) out[start + i] = this.uniformFloat();
      normalFill16(out, start);
    }
    return out;
  }

  private uniformFloat(): number {
    return (this.random32() & 0xffffff) * 2 ** -24;
  }

  private uniformDouble(): number {
    const hi = this.random32();
    const lo = this.random32();
    // (hi << 32 | lo) & (2^53 - 1), scaled by 2^-53
    return ((hi & 0x1fffff) * 2 ** 32 + lo) * 2 ** -53;
  }

  private scalarNormal(): number {
    if (this.cachedNormal !== null) {
      const cached = this.cachedNormal;
      this.cachedNormal = null;
      return cached;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  private twist(): void {
    const mt = this.mt;
    // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
    for (let i = 0; i < 624; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % 624]! & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}

const TWO_PI_F32 = Math.fround(2 * Math.PI);

/** aten's AVX2 normal_fill_16: float32 throughout, 2π rounded to float first. */
function normalFill16(data: Float32Array, at: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = Math.fround(1 - data[at + j]!);
    const u2 = data[at + j + 8]!;
    const radius = Math.fround(Math.sqrt(Math.fround(-2 * Math.fround(Math.log(u1)))));
    const theta = Math.fround(TWO_PI_F32 * u2);
    data[at + j] = radius * Math.fround(Math.cos(theta));
    data[at + j + 8] = radius * Math.fround(Math.sin(theta));
  }
}
