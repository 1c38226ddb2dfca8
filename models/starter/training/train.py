"""Trains the starter model: a latent diffusion model in Stable Diffusion's design at toy scale, on the
procedural world (world.py), within what a 2-core CPU does in a few hours.

Design (issue #19; docs/starter-model.md has the measured table):
- The autoencoder is not learned. Its encoder is a space-to-depth by 4 (64x64x3 pixels to 16x16x48
  latents) and its decoder the inverse, so reconstruction is exact and the UNet is the only thing
  that limits what the model draws. It is still a diffusers-layout `vae_encoder`/`vae_decoder`
  (export.py) whose config says `latent_channels: 48` and three `block_out_channels` (diffusers'
  factor 2**(3-1) = 4), which the engine reads.
- The training set is rendered, tokenised and turned into latents once (cached under .cache/);
  the loop spends the CPU on the UNet and the small text encoder only.
- The UNet (StarterUNet) has cross-attention at 16x16 and self- plus cross-attention at 8x8, where
  paint-with-words acts; no self-attention at 16x16, whose 256-token batched matmuls dominate a
  step in this torch (measured: 0.75 s per step at batch 64 on 2 cores instead of 1.6 s).
- v-prediction with min-SNR weighting (gamma 5), an EMA of the weights (what is exported), a
  warm-up then cosine learning rate, 10% caption dropout for classifier-free guidance.
- DDPM's linear noise schedule (alpha-bar at t=999 is 4e-5) with trailing timesteps, not SD's
  scaled-linear one (alpha-bar 0.0047): these latents are pixels in disguise, and a flat object
  spread over ~900 values keeps an object-level SNR near 4 at SD's highest noise level, so a model
  trained on it reads the layout from the noise and, sampling from pure noise, draws blobs where
  the noise points. The schedule is exported in scheduler_config.json, so the engine samples as
  diffusers would. A checkpoint of the earlier design warm-starts this one (recorded in its state).

Resumable in stretches: checkpoint.pt holds the weights, the EMA, the optimiser (in bfloat16, to
stay under 40 MB) and the data position; it is replaced every few hundred steps. Every
--eval-every steps the EMA is exported to a scratch folder and judged by the project's held-out
control evaluation (bench/control-eval.ts); its rows go to eval-log.csv.

    /usr/bin/python3 models/starter/training/train.py --hours 2.5          # resumes if checkpoint.pt exists
    /usr/bin/python3 models/starter/training/train.py --device cuda         # the same recipe on a GPU
    /usr/bin/python3 models/starter/training/export.py                      # writes models/starter/
"""
import argparse
import copy
import csv
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "scripts"))
import world  # noqa: E402
from clip_bpe import ClipBpe  # noqa: E402
from make_fixtures import Attention, ResBlock, TransformerBlock, timestep_embedding  # noqa: E402

TOKENIZER = ROOT / "test" / "fixtures" / "clip-tokenizer"
CHECKPOINT = HERE / "checkpoint.pt"
LOG = HERE / "train-log.csv"
EVAL_LOG = HERE / "eval-log.csv"
CACHE = HERE / ".cache"
TEXT_WIDTH = 64
UNET_CHANNELS = 64
PATCH = 4
LATENT_CHANNELS = 3 * PATCH * PATCH
DROPOUT = 0.1
EDGE_WEIGHT = 4.0  # from step 11,250 (state["edge_weighted_from"]); see edge_weights
TRAIN_SEED = 0  # the held-out evaluation uses world seed 777 (make_eval_sets.py)
DESIGN = "space-to-depth-4/v-prediction/linear-trailing"
EARLIER_DESIGNS = ("space-to-depth-4/v-prediction",)  # same networks on SD's schedule: their weights warm-start this one
# diffusers' scheduler_config fields for the noise schedule; export.py writes them as they are.
SCHEDULE = {"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02, "num_train_timesteps": 1000, "timestep_spacing": "trailing", "steps_offset": 0}


class TextEncoder(nn.Module):
    """A small causal transformer over CLIP's ids, remapped in-graph to the world's few hundred tokens."""

    def __init__(self, remap, vocab, dim=TEXT_WIDTH, layers=3):
        super().__init__()
        self.register_buffer("remap", remap)
        self.embed = nn.Embedding(vocab, dim)
        self.position = nn.Parameter(torch.randn(77, dim) * 0.02)
        self.layers = nn.ModuleList(
            nn.ModuleDict({"ln1": nn.LayerNorm(dim), "attn": Attention(dim, dim, 4), "ln2": nn.LayerNorm(dim), "fc1": nn.Linear(dim, dim * 4), "fc2": nn.Linear(dim * 4, dim)}) for _ in range(layers)
        )
        self.final = nn.LayerNorm(dim)

    def forward(self, input_ids):
        n = input_ids.shape[1]
        x = self.embed(self.remap[input_ids.long()]) + self.position[:n]
        mask = torch.triu(torch.full((n, n), -1e4, device=x.device), diagonal=1)
        for layer in self.layers:
            x = x + layer["attn"](layer["ln1"](x), mask=mask)
            x = x + layer["fc2"](nn.functional.gelu(layer["fc1"](layer["ln2"](x))))
        return self.final(x)


class CrossBlock(nn.Module):
    """A transformer block with cross-attention only: the prompt reaches the 16x16 level without
    the cost of 256-token self-attention."""

    def __init__(self, channels, context_dim, heads=2):
        super().__init__()
        self.norm = nn.GroupNorm(8, channels)
        self.proj_in = nn.Linear(channels, channels)
        self.norm2 = nn.LayerNorm(channels)
        self.attn2 = Attention(channels, context_dim, heads)
        self.proj_out = nn.Linear(channels, channels)

    def forward(self, x, context):
        b, c, h, w = x.shape
        y = self.proj_in(self.norm(x).reshape(b, c, h * w).transpose(1, 2))
        y = y + self.attn2(self.norm2(y), context)
        return x + self.proj_out(y).transpose(1, 2).reshape(b, c, h, w)


class StarterUNet(nn.Module):
    """SD's UNet shape at toy width over 16x16x48 latents: 16x16 (ResNet + cross-attention) and 8x8
    (ResNet + self/cross-attention transformer) levels, a middle block, skip connections."""

    def __init__(self, context_dim=TEXT_WIDTH, channels=UNET_CHANNELS, latent=LATENT_CHANNELS):
        super().__init__()
        c, temb = channels, 4 * channels
        self.c = c
        self.time_mlp = nn.Sequential(nn.Linear(c, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(latent, c, 3, padding=1)
        self.down1 = ResBlock(c, c, temb)
        self.cross_d1 = CrossBlock(c, context_dim)
        self.down1b = ResBlock(c, c, temb)
        self.downsample = nn.Conv2d(c, 2 * c, 3, stride=2, padding=1)
        self.down2 = ResBlock(2 * c, 2 * c, temb)
        self.attn_d2 = TransformerBlock(2 * c, context_dim)
        self.mid1 = ResBlock(2 * c, 2 * c, temb)
        self.attn_mid = TransformerBlock(2 * c, context_dim)
        self.mid2 = ResBlock(2 * c, 2 * c, temb)
        self.up2 = ResBlock(4 * c, 2 * c, temb)
        self.attn_u2 = TransformerBlock(2 * c, context_dim)
        self.upsample = nn.Conv2d(2 * c, c, 3, padding=1)
        self.up1 = ResBlock(2 * c, c, temb)
        self.cross_u1 = CrossBlock(c, context_dim)
        self.up1b = ResBlock(2 * c, c, temb)
        self.norm_out = nn.GroupNorm(8, c)
        self.conv_out = nn.Conv2d(c, latent, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        ctx = encoder_hidden_states
        emb = self.time_mlp(timestep_embedding(timestep.reshape(-1).float().expand(sample.shape[0]), self.c))
        h0 = self.conv_in(sample)
        h1 = self.down1b(self.cross_d1(self.down1(h0, emb), ctx), emb)
        h2 = self.attn_d2(self.down2(self.downsample(h1), emb), ctx)
        m = self.mid2(self.attn_mid(self.mid1(h2, emb), ctx), emb)
        u2 = self.attn_u2(self.up2(torch.cat([m, h2], dim=1), emb), ctx)
        u1 = self.upsample(nn.functional.interpolate(u2, scale_factor=2.0, mode="nearest"))
        u1 = self.cross_u1(self.up1(torch.cat([u1, h1], dim=1), emb), ctx)
        u1 = self.up1b(torch.cat([u1, h0], dim=1), emb)
        return self.conv_out(nn.functional.silu(self.norm_out(u1)))


class SpaceToDepthEncoder(nn.Module):
    """Pixels in [-1, 1] to latents: each 4x4 patch's 48 values become one latent position's channels."""

    def forward(self, sample):
        return nn.functional.pixel_unshuffle(sample, PATCH)


class DepthToSpaceDecoder(nn.Module):
    """The exact inverse of SpaceToDepthEncoder."""

    def forward(self, latent_sample):
        return nn.functional.pixel_shuffle(latent_sample, PATCH)


def world_vocabulary(bpe, samples=20000):
    """The CLIP ids the world's captions use (plus start, end and '!'); everything else maps to one unknown row."""
    ids = {bpe.start, bpe.end, bpe.vocab["!"]}
    for i in range(samples):
        ids.update(bpe.encode(world.scene(i, 99)[1]))
    ordered = sorted(ids)
    remap = torch.zeros(49408, dtype=torch.long)  # row 0: unknown
    for local, clip_id in enumerate(ordered, start=1):
        remap[clip_id] = local
    return remap, len(ordered) + 1


def schedule_alphas():
    """alpha-bar for each training timestep of SCHEDULE (diffusers' `linear` betas)."""
    betas = torch.linspace(SCHEDULE["beta_start"], SCHEDULE["beta_end"], SCHEDULE["num_train_timesteps"], dtype=torch.float64)
    return torch.cumprod(1 - betas, 0).float()


def training_set(bpe, scenes):
    """Rendered images (uint8, NCHW) and token ids of world scenes 0..scenes-1, cached on disk."""
    path = CACHE / f"scenes-{TRAIN_SEED}-{scenes}.npz"
    if path.exists():
        data = np.load(path)
        return data["images"], data["ids"]
    images = np.empty((scenes, 3, world.SIZE, world.SIZE), np.uint8)
    ids = np.empty((scenes, 77), np.int32)
    for i in range(scenes):
        image, text, _, _ = world.scene(i, TRAIN_SEED)
        images[i] = image.transpose(2, 0, 1)
        ids[i] = bpe.encode(text)
        if i % 10000 == 0:
            print(f"rendering scenes {i}/{scenes}", flush=True)
    CACHE.mkdir(exist_ok=True)
    np.savez(path, images=images, ids=ids)
    return images, ids


def append_csv(path, header, row):
    new = not path.exists()
    with path.open("a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(header)
        writer.writerow(row)


def edge_weights(images):
    """Per-latent-value loss weights: EDGE_WEIGHT at objects' outlines (a pixel whose object differs from a
    neighbour's, and the pixels next to it), 1 elsewhere, in the latents' space-to-depth layout.
    The world is flat colours, so nearly every value of the loss sits inside a flat area; shapes are
    decided by the few at their outlines, which the plain loss underweights (measured: shape at chance
    through 10,500 steps while the loss kept falling). Objects are painted in exact palette colours and
    backgrounds never are, so the object under each pixel is read from the uint8 image; textured
    backgrounds' own edges are not outlines."""
    rgb = images.to(torch.int32)
    key = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    owner = torch.zeros_like(key)
    for index, (r, g, b) in enumerate(world.COLORS.values(), start=1):
        owner[key == ((r << 16) | (g << 8) | b)] = index
    owner = owner.unsqueeze(1)
    change = torch.zeros_like(owner, dtype=torch.float32)
    dx = (owner[:, :, :, 1:] != owner[:, :, :, :-1]).float()
    dy = (owner[:, :, 1:, :] != owner[:, :, :-1, :]).float()
    change[:, :, :, 1:] += dx
    change[:, :, :, :-1] += dx
    change[:, :, 1:, :] += dy
    change[:, :, :-1, :] += dy
    edges = nn.functional.max_pool2d((change > 0).float(), 3, stride=1, padding=1)
    return nn.functional.pixel_unshuffle((1 + (EDGE_WEIGHT - 1) * edges).expand(-1, 3, -1, -1), PATCH)


def learning_rate(step, peak, total, warmup=300):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def to_bf16(state):
    return {k: (v.to(torch.bfloat16) if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in state.items()}


def optimiser_state(optimiser, dtype):
    """The optimiser's state with its moment tensors cast (bfloat16 to save, float32 to resume)."""
    saved = copy.deepcopy(optimiser.state_dict())
    for slot in saved["state"].values():
        for key in ("exp_avg", "exp_avg_sq"):
            if key in slot:
                slot[key] = slot[key].to(dtype)
    return saved


def evaluate(ema_text, ema_unet, state, args):
    """Exports the EMA weights to a scratch folder and runs the held-out control evaluation on it."""
    import export  # noqa: PLC0415 (export imports this module)

    with tempfile.TemporaryDirectory(prefix="wordbrush-starter-eval-") as folder:
        export.write_model(Path(folder), ema_text, ema_unet, state, device="cpu")
        command = ["node", "--import", "tsx", "bench/control-eval.ts", "--preset", args.eval_preset, "--model", folder, "--out", str(Path(folder) / "report")]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    rows = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] in ("no control", "paint-with-words", "regional masks", "latent composition", "layout boxes", "scene graph") and not rows.get(cells[0]):
            rows[cells[0]] = cells[1:]
    if not rows:
        print(f"evaluation failed: {done.stderr[-2000:]}", flush=True)
        return
    for mode, cells in rows.items():
        append_csv(EVAL_LOG, ["step", "mode", "presence", "shape", "region_hit", "box_iou", "relations", "preset"], [state["step"], mode, *cells, args.eval_preset])
    print("eval", state["step"], {m: c[:3] for m, c in rows.items()}, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=2.5, help="stop (and save) after this long")
    parser.add_argument("--total-steps", type=int, default=30000, help="the learning-rate schedule's length")
    parser.add_argument("--scenes", type=int, default=60000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--eval-every", type=int, default=1500)
    parser.add_argument("--eval-preset", default="small")
    parser.add_argument("--from-scratch", action="store_true", help="ignore checkpoint.pt")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    bpe = ClipBpe(TOKENIZER)
    remap, vocab = world_vocabulary(bpe)
    images, ids = training_set(bpe, args.scenes)
    text_encoder, unet = TextEncoder(remap, vocab).to(device), StarterUNet().to(device)
    ema_text, ema_unet = copy.deepcopy(text_encoder).eval(), copy.deepcopy(unet).eval()
    parameters = [*text_encoder.parameters(), *unet.parameters()]
    optimiser = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    encode = SpaceToDepthEncoder()
    state = {"step": 0, "position": 0, "latent_scale": None, "design": DESIGN}
    if CHECKPOINT.exists() and not args.from_scratch:
        saved = torch.load(CHECKPOINT, map_location=device)
        design = saved.get("state", {}).get("design")
        if design == DESIGN or design in EARLIER_DESIGNS:
            text_encoder.load_state_dict(saved["text_encoder"])
            unet.load_state_dict(saved["unet"])
            ema_text.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in saved["ema_text_encoder"].items()})
            ema_unet.load_state_dict({k: v.float() for k, v in saved["ema_unet"].items()})
            optimiser.load_state_dict(saved["optimiser"])
            for slot in optimiser.state.values():
                for key in ("exp_avg", "exp_avg_sq"):
                    slot[key] = slot[key].float()
            state = saved["state"]
            if design != DESIGN:
                state = {**state, "design": DESIGN, "warm_start": {"design": design, "step": state["step"]}}
            print(f"resumed at {state}", flush=True)
        else:
            print("checkpoint.pt is from an earlier design: starting from scratch", flush=True)
    if state["latent_scale"] is None:
        sample = torch.from_numpy(images[:4096]).float() / 127.5 - 1
        state["latent_scale"] = float(1 / encode(sample).std())
    scale = state["latent_scale"]
    state.setdefault("edge_weighted_from", state["step"])

    def save():
        # EMA weights in bfloat16 cost ~1e-3 relative per save; the export reads them in float32.
        torch.save({"text_encoder": text_encoder.state_dict(), "unet": unet.state_dict(), "ema_text_encoder": to_bf16(ema_text.state_dict()), "ema_unet": to_bf16(ema_unet.state_dict()),
                    "optimiser": optimiser_state(optimiser, torch.bfloat16), "state": state, "vocab": vocab, "remap": remap}, CHECKPOINT.with_suffix(".tmp"))
        CHECKPOINT.with_suffix(".tmp").replace(CHECKPOINT)

    alphas = schedule_alphas().to(device)
    empty = torch.tensor(bpe.encode(""), dtype=torch.int32)
    order = np.random.default_rng(1).permutation(len(images))
    deadline = time.time() + args.hours * 3600
    started, losses = time.time(), []
    while time.time() < deadline and state["step"] < args.total_steps:
        picks = order[[(state["position"] + k) % len(order) for k in range(args.batch)]]
        pixels = torch.from_numpy(images[picks]).to(device)
        x = pixels.float() / 127.5 - 1
        latents = encode(x) * scale
        tokens = torch.from_numpy(ids[picks]).clone()
        tokens[torch.rand(args.batch) < DROPOUT] = empty
        t = torch.randint(0, 1000, (args.batch,), device=device)
        noise = torch.randn_like(latents)
        a = alphas[t].view(-1, 1, 1, 1)
        noisy = a.sqrt() * latents + (1 - a).sqrt() * noise
        target = a.sqrt() * noise - (1 - a).sqrt() * latents
        snr = (a / (1 - a)).view(-1)
        weight = torch.clamp(snr, max=5.0) / (snr + 1)  # min-SNR-5 for v-prediction
        prediction = unet(noisy, t, text_encoder(tokens.to(device)))
        error = (prediction - target).pow(2) * edge_weights(pixels)
        loss = (error.mean(dim=(1, 2, 3)) * weight).mean()
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(state["step"], args.lr, args.total_steps)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimiser.step()
        decay = min(0.999, (1 + state["step"]) / (10 + state["step"]))
        with torch.no_grad():
            for ema, live in ((ema_text, text_encoder), (ema_unet, unet)):
                for e, p in zip(ema.parameters(), live.parameters()):
                    e.lerp_(p, 1 - decay)
        state["step"] += 1
        state["position"] = (state["position"] + args.batch) % len(order)
        losses.append(loss.item())
        if state["step"] % 50 == 0:
            mean = sum(losses) / len(losses)
            losses = []
            print(f"step {state['step']} loss {mean:.4f} {(time.time() - started) / 50:.2f} s/step", flush=True)
            started = time.time()
            append_csv(LOG, ["stage", "step", "loss", "time"], ["unet", state["step"], f"{mean:.5f}", f"{time.time():.0f}"])
        if state["step"] % 250 == 0:
            save()
        if state["step"] % args.eval_every == 0:
            evaluate(ema_text, ema_unet, state, args)
    save()
    print("stopped", state, flush=True)


if __name__ == "__main__":
    main()
