"""Trains the starter model: a latent diffusion model in Stable Diffusion's design at toy scale,
on the procedural world (world.py). Stages: the VAE (64x64 RGB <-> 8x8x4 latents), then the
text encoder and the UNet together, with caption dropout for classifier-free guidance.

Resumable: state goes to checkpoint.pt every few hundred steps (ignored by git); the loss log to
train-log.csv. Fixed seeds. Run with Debian's python3-torch (or PyTorch with CUDA):

    /usr/bin/python3 models/starter/training/train.py --vae-steps 1500 --unet-minutes 20
    /usr/bin/python3 models/starter/training/export.py          # writes models/starter/
"""
import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "scripts"))
import world  # noqa: E402
from clip_bpe import ClipBpe  # noqa: E402
from make_fixtures import Attention, UNet  # noqa: E402

TOKENIZER = HERE.parents[2] / "test" / "fixtures" / "clip-tokenizer"
CHECKPOINT = HERE / "checkpoint.pt"
LOG = HERE / "train-log.csv"
TEXT_WIDTH = 64
UNET_CHANNELS = 48
DROPOUT = 0.1


class VaeEncoder(nn.Module):
    """64x64 RGB to 8x8 latent moments (mean and log-variance of 4 channels): SD's factor of 8."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 24, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(24, 48, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(48, 64, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.SiLU(),
            nn.Conv2d(64, 8, 3, padding=1),
        )

    def forward(self, x):
        return self.net(x)


class VaeDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        up = lambda cin, cout: [nn.Upsample(scale_factor=2.0, mode="nearest"), nn.Conv2d(cin, cout, 3, padding=1), nn.SiLU()]
        self.net = nn.Sequential(nn.Conv2d(4, 64, 3, padding=1), nn.SiLU(), nn.Conv2d(64, 64, 3, padding=1), nn.SiLU(), *up(64, 48), *up(48, 32), *up(32, 24), nn.Conv2d(24, 3, 3, padding=1))

    def forward(self, z):
        return self.net(z)


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
        mask = torch.triu(torch.full((n, n), -1e4), diagonal=1)
        for layer in self.layers:
            x = x + layer["attn"](layer["ln1"](x), mask=mask)
            x = x + layer["fc2"](nn.functional.gelu(layer["fc1"](layer["ln2"](x))))
        return self.final(x)


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


def sd_alphas():
    betas = torch.linspace(0.00085**0.5, 0.012**0.5, 1000, dtype=torch.float32) ** 2
    return torch.cumprod(1 - betas, 0)


def batch(start, size, bpe, seed=0):
    images, captions = [], []
    for i in range(start, start + size):
        image, text, _, _ = world.scene(i, seed)
        images.append(image)
        captions.append(text)
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 127.5 - 1
    return x, captions


def log(stage, step, loss):
    new = not LOG.exists()
    with LOG.open("a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["stage", "step", "loss", "time"])
        writer.writerow([stage, step, f"{loss:.5f}", f"{time.time():.0f}"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vae-steps", type=int, default=1500)
    parser.add_argument("--unet-minutes", type=float, default=20)
    parser.add_argument("--unet-steps", type=int, default=10**9)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    bpe = ClipBpe(TOKENIZER)
    remap, vocab = world_vocabulary(bpe)
    vae_encoder, vae_decoder = VaeEncoder(), VaeDecoder()
    text_encoder = TextEncoder(remap, vocab)
    unet = UNet(TEXT_WIDTH, channels=UNET_CHANNELS)
    state = {"stage": "vae", "step": 0, "scene": 0, "latent_scale": None}
    vae_opt = torch.optim.AdamW([*vae_encoder.parameters(), *vae_decoder.parameters()], lr=1e-3)
    diffusion_opt = torch.optim.AdamW([*text_encoder.parameters(), *unet.parameters()], lr=3e-4, weight_decay=0.01)
    if CHECKPOINT.exists():
        saved = torch.load(CHECKPOINT)
        for module, key in ((vae_encoder, "vae_encoder"), (vae_decoder, "vae_decoder"), (text_encoder, "text_encoder"), (unet, "unet")):
            module.load_state_dict(saved[key])
        vae_opt.load_state_dict(saved["vae_opt"])
        diffusion_opt.load_state_dict(saved["diffusion_opt"])
        state = saved["state"]
        print(f"resumed at {state}")

    def save():
        torch.save({"vae_encoder": vae_encoder.state_dict(), "vae_decoder": vae_decoder.state_dict(), "text_encoder": text_encoder.state_dict(), "unet": unet.state_dict(),
                    "vae_opt": vae_opt.state_dict(), "diffusion_opt": diffusion_opt.state_dict(), "state": state, "vocab": vocab, "remap": remap}, CHECKPOINT)

    # Stage 1: the VAE, L1 + a light KL so latents stay near unit scale.
    while state["stage"] == "vae" and state["step"] < args.vae_steps:
        x, _ = batch(state["scene"], 32, bpe)
        moments = vae_encoder(x)
        mean, logvar = moments[:, :4], moments[:, 4:].clamp(-20, 10)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
        loss = (vae_decoder(z) - x).abs().mean() + 1e-6 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum() / x.shape[0]
        vae_opt.zero_grad()
        loss.backward()
        vae_opt.step()
        state["step"] += 1
        state["scene"] += 32
        if state["step"] % 50 == 0:
            print(f"vae {state['step']} {loss.item():.4f}", flush=True)
            log("vae", state["step"], loss.item())
        if state["step"] % 500 == 0:
            save()
    if state["stage"] == "vae":
        with torch.no_grad():
            x, _ = batch(10**6, 256, bpe)
            state["latent_scale"] = float(1 / vae_encoder(x)[:, :4].std())
        state.update(stage="unet", step=0)
        save()
        print(f"latent scale {state['latent_scale']:.4f}", flush=True)

    # Stage 2: text encoder and UNet, epsilon prediction on SD's noise schedule, captions dropped 10% of the time.
    alphas = sd_alphas()
    deadline = time.time() + args.unet_minutes * 60
    vae_encoder.eval()
    empty = torch.tensor([bpe.encode("")])
    while time.time() < deadline and state["step"] < args.unet_steps:
        x, captions = batch(state["scene"], args.batch, bpe)
        with torch.no_grad():
            latents = vae_encoder(x)[:, :4] * state["latent_scale"]
        ids = torch.tensor([bpe.encode(c) for c in captions])
        drop = torch.rand(len(captions)) < DROPOUT
        ids[drop] = empty
        t = torch.randint(0, 1000, (len(captions),))
        noise = torch.randn_like(latents)
        a = alphas[t].view(-1, 1, 1, 1)
        noisy = a.sqrt() * latents + (1 - a).sqrt() * noise
        prediction = unet(noisy, t, text_encoder(ids))
        loss = (prediction - noise).pow(2).mean()
        diffusion_opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([*text_encoder.parameters(), *unet.parameters()], 1.0)
        diffusion_opt.step()
        state["step"] += 1
        state["scene"] += args.batch
        if state["step"] % 25 == 0:
            print(f"unet {state['step']} {loss.item():.4f}", flush=True)
            log("unet", state["step"], loss.item())
        if state["step"] % 200 == 0:
            save()
    save()
    print("done", state, flush=True)


if __name__ == "__main__":
    main()
