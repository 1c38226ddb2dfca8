"""Makes the tiny random-weight Stable Diffusion models the engine's tests run on.

Each fixture is a real SD-style model at toy width, in a real export layout:
  sd1-conversion  the old diffusers conversion script: float `timestep` [batch], `out_sample`,
                  external weights in `unet/weights.pb`, vae_encoder -> `latent_sample`
  sd1-optimum     Hugging Face optimum: int64 `timestep`, `unet/model.onnx_data`,
                  vae_encoder -> `latent_parameters` (mean and log-variance)
  sd1-fp16        fp16 inputs, outputs and weights
  sd1-static      static shapes (batch 2, 64x64 pixels only), no vae_encoder
  sd1-sdpa        attention exported the other common way: heads folded into the batch, Q and K
                  each scaled by a Sqrt computed in-graph (PyTorch 2's SDPA decomposition)
  sd2-v           v-prediction, wider text embeddings (48, as SD 2's 1024 to SD 1's 768), "!" padding
  sdxl            two text encoders, penultimate hidden states, pooled `text_embeds` and `time_ids`
  sdxl-refiner    the SDXL refiner's layout: only text_encoder_2/tokenizer_2, `time_ids` of five
                  (original size, crop, aesthetic score), `requires_aesthetics_score` in model_index.json;
                  the sdxl fixture's VAE, so the two share a latent space as SDXL base and refiner do
  f4c8            a VAE that scales by 4 into 8 latent channels (its configs say so), 64x64 native
The UNet has ResNet blocks, self- and cross-attention transformer blocks at every level, skip
connections and a timestep embedding; the text encoder is a causal transformer over CLIP's BPE ids
(folded to 1024 rows in-graph to stay small); the VAE scales by 8 (by 4 in f4c8).

Run with Debian's python3-torch and python3-onnx (CI needs neither: the outputs are committed):
    /usr/bin/python3 models/scripts/make_fixtures.py         (all of them)
    /usr/bin/python3 models/scripts/make_fixtures.py f4c8    (only f4c8; any fixture's name works)
    /usr/bin/python3 models/scripts/make_fixtures.py sdxl --out DIR --unet-channels 256
                                                             (a wider UNet, for benchmarks: never committed)
    /usr/bin/python3 models/scripts/make_fixtures.py sd15-shaped --out DIR
                                                             (a full-size SD 1.5-shaped model, for benchmarks)
"""
import argparse
import json
import math
import shutil
from pathlib import Path

import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "fixtures"
TOKENIZER = ROOT.parent / "test" / "fixtures" / "clip-tokenizer"
OPSET = 17
VOCAB_ROWS = 1024
UNET_CHANNELS = 32  # --unet-channels widens the UNets (benchmarks' memory measurements)


class Attention(nn.Module):
    """Multi-head attention written as the baddbmm-style exports do: MatMul, Mul by the scale, Softmax, MatMul."""

    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)

    def forward(self, x, context=None, mask=None):
        context = x if context is None else context
        b, n, d = x.shape
        h = self.heads
        q = self.to_q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.to_k(context).reshape(b, -1, h, d // h).transpose(1, 2)
        v = self.to_v(context).reshape(b, -1, h, d // h).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d // h))
        if mask is not None:
            scores = scores + mask
        out = torch.matmul(scores.softmax(dim=-1), v)
        return self.to_out(out.transpose(1, 2).reshape(b, n, d))


class SdpaAttention(Attention):
    """The other common export pattern: heads folded into the batch ([batch*heads, n, d], as diffusers' old
    baddbmm path), and the scale applied to Q and K separately as the square root of 1/sqrt(d) computed
    in-graph from the shape (PyTorch 2's scaled_dot_product_attention decomposition)."""

    def forward(self, x, context=None, mask=None):
        context = x if context is None else context
        b, n, d = x.shape
        h = self.heads
        fold = lambda t: t.reshape(b, -1, h, d // h).transpose(1, 2).reshape(b * h, -1, d // h)
        q, k, v = fold(self.to_q(x)), fold(self.to_k(context)), fold(self.to_v(context))
        root = torch.sqrt(torch.sqrt(torch.tensor(q.shape[-1], dtype=torch.float32)).reciprocal())
        scores = torch.bmm(q * root, (k * root).transpose(1, 2))
        out = torch.bmm(scores.softmax(dim=-1), v)
        return self.to_out(out.reshape(b, h, n, d // h).transpose(1, 2).reshape(b, n, d))


class TransformerBlock(nn.Module):
    def __init__(self, channels, context_dim, heads=2, attention=Attention):
        super().__init__()
        self.norm = nn.GroupNorm(8, channels)
        self.proj_in = nn.Linear(channels, channels)
        self.norm1 = nn.LayerNorm(channels)
        self.attn1 = attention(channels, channels, heads)
        self.norm2 = nn.LayerNorm(channels)
        self.attn2 = attention(channels, context_dim, heads)
        self.norm3 = nn.LayerNorm(channels)
        self.ff_in = nn.Linear(channels, channels * 4 * 2)
        self.ff_out = nn.Linear(channels * 4, channels)
        self.proj_out = nn.Linear(channels, channels)

    def forward(self, x, context):
        b, c, hgt, wid = x.shape
        residual = x
        x = self.norm(x).reshape(b, c, hgt * wid).transpose(1, 2)
        x = self.proj_in(x)
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        hidden, gate = self.ff_in(self.norm3(x)).chunk(2, dim=-1)
        x = x + self.ff_out(hidden * nn.functional.gelu(gate))
        x = self.proj_out(x).transpose(1, 2).reshape(b, c, hgt, wid)
        return x + residual


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t):
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = h + self.temb(nn.functional.silu(t))[:, :, None, None]
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return self.skip(x) + h


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class UNet(nn.Module):
    """SD's UNet at toy width: two levels, cross-attention at every level and in the middle."""

    def __init__(self, context_dim, channels=None, pooled_dim=None, attention=Attention, latent=4, time_ids=6):
        super().__init__()
        c = channels or UNET_CHANNELS
        block = lambda ch: TransformerBlock(ch, context_dim, attention=attention)
        temb = c * 4
        self.c = c
        self.time_mlp = nn.Sequential(nn.Linear(c, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.add_mlp = nn.Sequential(nn.Linear(pooled_dim + time_ids * 8, temb), nn.SiLU(), nn.Linear(temb, temb)) if pooled_dim else None
        self.conv_in = nn.Conv2d(latent, c, 3, padding=1)
        self.down1 = ResBlock(c, c, temb)
        self.attn_d1 = block(c)
        self.downsample = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.down2 = ResBlock(c, 2 * c, temb)
        self.attn_d2 = block(2 * c)
        self.mid1 = ResBlock(2 * c, 2 * c, temb)
        self.attn_mid = block(2 * c)
        self.mid2 = ResBlock(2 * c, 2 * c, temb)
        self.up2 = ResBlock(4 * c, 2 * c, temb)
        self.attn_u2 = block(2 * c)
        self.upsample = nn.Conv2d(2 * c, c, 3, padding=1)
        self.up1 = ResBlock(2 * c, c, temb)
        self.attn_u1 = block(c)
        self.norm_out = nn.GroupNorm(8, c)
        self.conv_out = nn.Conv2d(c, latent, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states, text_embeds=None, time_ids=None):
        t = timestep.reshape(-1).float().expand(sample.shape[0])
        emb = self.time_mlp(timestep_embedding(t, self.c))
        if self.add_mlp is not None:
            ids = timestep_embedding(time_ids.reshape(-1), 8).reshape(sample.shape[0], -1)
            emb = emb + self.add_mlp(torch.cat([text_embeds, ids], dim=-1))
        ctx = encoder_hidden_states
        h1 = self.attn_d1(self.down1(self.conv_in(sample), emb), ctx)
        h2 = self.attn_d2(self.down2(self.downsample(h1), emb), ctx)
        m = self.mid2(self.attn_mid(self.mid1(h2, emb), ctx), emb)
        u2 = self.attn_u2(self.up2(torch.cat([m, h2], dim=1), emb), ctx)
        u1 = self.upsample(nn.functional.interpolate(u2, scale_factor=2.0, mode="nearest"))
        u1 = self.attn_u1(self.up1(torch.cat([u1, h1], dim=1), emb), ctx)
        return self.conv_out(nn.functional.silu(self.norm_out(u1)))


class TextEncoder(nn.Module):
    """A CLIP-style causal transformer; CLIP's ids are folded to VOCAB_ROWS rows in-graph to keep the file small."""

    def __init__(self, dim, layers=2, projection=False):
        super().__init__()
        self.embed = nn.Embedding(VOCAB_ROWS, dim)
        self.position = nn.Parameter(torch.randn(77, dim) * 0.02)
        self.layers = nn.ModuleList(
            nn.ModuleDict({"ln1": nn.LayerNorm(dim), "attn": Attention(dim, dim, 2), "ln2": nn.LayerNorm(dim), "fc1": nn.Linear(dim, dim * 4), "fc2": nn.Linear(dim * 4, dim)})
            for _ in range(layers)
        )
        self.final = nn.LayerNorm(dim)
        self.projection = nn.Linear(dim, dim, bias=False) if projection else None

    def forward(self, input_ids):
        n = input_ids.shape[1]
        x = self.embed(torch.remainder(input_ids.long(), VOCAB_ROWS)) + self.position[:n]
        mask = torch.triu(torch.full((n, n), -1e4), diagonal=1)
        hidden = [x]
        for layer in self.layers:
            x = x + layer["attn"](layer["ln1"](x), mask=mask)
            x = x + layer["fc2"](nn.functional.gelu(layer["fc1"](layer["ln2"](x))))
            hidden.append(x)
        last = self.final(x)
        pooled = last[torch.arange(last.shape[0]), input_ids.long().argmax(dim=-1)]
        if self.projection is not None:
            return (self.projection(pooled), last, *hidden)
        return (last, pooled, *hidden)


class VaeDecoder(nn.Module):
    def __init__(self, c=32, latent=4, scales=3):
        super().__init__()
        self.conv_in = nn.Conv2d(latent, c, 3, padding=1)
        self.blocks = nn.ModuleList(nn.Conv2d(c, c, 3, padding=1) for _ in range(scales))
        self.norm = nn.GroupNorm(8, c)
        self.conv_out = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, latent_sample):
        x = self.conv_in(latent_sample)
        for block in self.blocks:
            x = nn.functional.silu(block(nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")))
        return self.conv_out(nn.functional.silu(self.norm(x)))


class VaeEncoder(nn.Module):
    def __init__(self, c=32, parameters=False, latent=4, scales=3):
        super().__init__()
        self.conv_in = nn.Conv2d(3, c, 3, padding=1)
        self.blocks = nn.ModuleList(nn.Conv2d(c, c, 3, stride=2, padding=1) for _ in range(scales))
        self.conv_out = nn.Conv2d(c, 2 * latent, 3, padding=1)
        self.latent = latent
        self.parameters_out = parameters

    def forward(self, sample):
        x = self.conv_in(sample)
        for block in self.blocks:
            x = nn.functional.silu(block(x))
        moments = self.conv_out(x)
        # optimum exports the distribution's parameters; the conversion script's graph returned a latent (here its mean).
        return moments if self.parameters_out else moments[:, : self.latent]


def export(module, args, path, inputs, outputs, dynamic, external=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    model = onnx.load(str(path))
    if external:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location=external, size_threshold=0)
    return model


def to_fp16_io(path):
    """Stores every float initializer as fp16 and makes float inputs/outputs fp16, with Casts to float32 inside."""
    model = onnx.load(str(path))
    graph = model.graph
    new_nodes = []
    output_casts = []
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT:
            continue
        array = numpy_helper.to_array(init).astype("float16")
        name = init.name
        half = numpy_helper.from_array(array, name + "_fp16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        new_nodes.append(helper.make_node("Cast", [half.name], [name], to=TensorProto.FLOAT))
    for value in graph.input:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = TensorProto.FLOAT16
            inner = value.name + "_fp32"
            new_nodes.append(helper.make_node("Cast", [value.name], [inner], to=TensorProto.FLOAT))
            for node in graph.node:
                node.input[:] = [inner if i == value.name else i for i in node.input]
    for value in graph.output:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = TensorProto.FLOAT16
            inner = value.name + "_fp32"
            for node in graph.node:
                node.output[:] = [inner if o == value.name else o for o in node.output]
                node.input[:] = [inner if i == value.name else i for i in node.input]
            output_casts.append(helper.make_node("Cast", [inner], [value.name], to=TensorProto.FLOAT16))
    nodes = new_nodes + list(graph.node) + output_casts
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def write_tokenizer(folder, pad="<|endoftext|>"):
    target = folder / "tokenizer"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(TOKENIZER / name, target / name)
    write_json(target / "tokenizer_config.json", {"model_max_length": 77, "pad_token": pad, "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>"})
    return target


def scheduler(folder, prediction="epsilon", cls="PNDMScheduler", spacing="leading"):
    write_json(
        folder / "scheduler" / "scheduler_config.json",
        {"_class_name": cls, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "num_train_timesteps": 1000,
         "prediction_type": prediction, "steps_offset": 1, "timestep_spacing": spacing, "set_alpha_to_one": False, "skip_prk_steps": True},
    )


def model_index(folder, cls, parts):
    write_json(folder / "model_index.json", {"_class_name": cls, "_diffusers_version": "0.25.0", **{p: ["diffusers", "x"] for p in parts}})


def sd_text_encoder(folder, dim, ids_dtype, seed):
    torch.manual_seed(seed)
    encoder = TextEncoder(dim).eval()
    ids = torch.zeros(1, 77, dtype=ids_dtype)
    outputs = ["last_hidden_state", "pooler_output", "hidden_states.0", "hidden_states.1", "hidden_states.2"]
    export(encoder, (ids,), folder / "text_encoder" / "model.onnx", ["input_ids"], outputs, {"input_ids": {0: "batch"}, **{o: {0: "batch"} for o in outputs}})


def vae(folder, seed, encoder="latent_sample", latent=4, scales=3):
    torch.manual_seed(seed)
    decoder = VaeDecoder(latent=latent, scales=scales).eval()
    export(decoder, (torch.zeros(1, latent, 8, 8),), folder / "vae_decoder" / "model.onnx", ["latent_sample"], ["sample"],
           {"latent_sample": {0: "batch", 2: "h", 3: "w"}, "sample": {0: "batch", 2: "H", 3: "W"}})
    config = {"scaling_factor": 0.18215, "latent_channels": latent}
    if scales != 3:
        # diffusers' vae_scale_factor is 2 ** (len(block_out_channels) - 1).
        config["block_out_channels"] = [32] * (scales + 1)
    write_json(folder / "vae_decoder" / "config.json", config)
    if encoder:
        enc = VaeEncoder(parameters=encoder == "latent_parameters", latent=latent, scales=scales).eval()
        export(enc, (torch.zeros(1, 3, 64, 64),), folder / "vae_encoder" / "model.onnx", ["sample"], [encoder],
               {"sample": {0: "batch", 2: "H", 3: "W"}, encoder: {0: "batch", 2: "h", 3: "w"}})


def sd_unet(folder, context_dim, timestep_dtype, external, seed, static=False, attention=Attention):
    torch.manual_seed(seed)
    unet = UNet(context_dim, attention=attention).eval()
    batch = 2
    args = (torch.zeros(batch, 4, 8, 8), torch.ones(batch, dtype=timestep_dtype), torch.zeros(batch, 77, context_dim))
    dynamic = None if static else {"sample": {0: "batch", 2: "h", 3: "w"}, "timestep": {0: "steps"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": {0: "batch", 2: "h", 3: "w"}}
    export(unet, args, folder / "unet" / "model.onnx", ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], dynamic, external)


def make_sd1(name, ids_dtype, timestep_dtype, external, encoder, seed, static=False, attention=Attention):
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    sd_text_encoder(folder, 32, ids_dtype, seed)
    sd_unet(folder, 32, timestep_dtype, external, seed + 1, static, attention)
    vae(folder, seed + 2, encoder)
    write_tokenizer(folder)
    scheduler(folder)
    parts = ["text_encoder", "unet", "vae_decoder", "tokenizer", "scheduler"] + (["vae_encoder"] if encoder else [])
    model_index(folder, "OnnxStableDiffusionPipeline", parts)
    return folder


def make_small_latent():
    """A VAE that scales by 4 into 8 latent channels, as some small and newer models use: the engine reads both from the configs."""
    folder = OUT / "f4c8"
    shutil.rmtree(folder, ignore_errors=True)
    sd_text_encoder(folder, 32, torch.int32, 80)
    torch.manual_seed(81)
    unet = UNet(32, latent=8).eval()
    dynamic = {"sample": {0: "batch", 2: "h", 3: "w"}, "timestep": {0: "steps"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": {0: "batch", 2: "h", 3: "w"}}
    export(unet, (torch.zeros(2, 8, 8, 8), torch.ones(2, dtype=torch.int64), torch.zeros(2, 77, 32)), folder / "unet" / "model.onnx", ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], dynamic)
    write_json(folder / "unet" / "config.json", {"sample_size": 16, "in_channels": 8, "out_channels": 8})
    vae(folder, 82, "latent_parameters", latent=8, scales=2)
    write_tokenizer(folder)
    scheduler(folder)
    model_index(folder, "ORTStableDiffusionPipeline", ["text_encoder", "unet", "vae_decoder", "vae_encoder", "tokenizer", "scheduler"])


def make_sd2v():
    folder = OUT / "sd2-v"
    shutil.rmtree(folder, ignore_errors=True)
    sd_text_encoder(folder, 48, torch.int32, 40)
    sd_unet(folder, 48, torch.int64, "model.onnx_data", 41)
    vae(folder, 42, "latent_parameters")
    write_tokenizer(folder, pad="!")
    scheduler(folder, prediction="v_prediction", cls="EulerDiscreteScheduler")
    model_index(folder, "ORTStableDiffusionPipeline", ["text_encoder", "unet", "vae_decoder", "vae_encoder", "tokenizer", "scheduler"])


def make_sdxl():
    folder = OUT / "sdxl"
    shutil.rmtree(folder, ignore_errors=True)
    d1, d2 = 32, 48
    torch.manual_seed(50)
    te1 = TextEncoder(d1).eval()
    outputs1 = ["last_hidden_state", "pooler_output", "hidden_states.0", "hidden_states.1", "hidden_states.2"]
    export(te1, (torch.zeros(1, 77, dtype=torch.int32),), folder / "text_encoder" / "model.onnx", ["input_ids"], outputs1, {"input_ids": {0: "batch"}, **{o: {0: "batch"} for o in outputs1}})
    te2 = TextEncoder(d2, projection=True).eval()
    outputs2 = ["text_embeds", "last_hidden_state", "hidden_states.0", "hidden_states.1", "hidden_states.2"]
    export(te2, (torch.zeros(1, 77, dtype=torch.int64),), folder / "text_encoder_2" / "model.onnx", ["input_ids"], outputs2, {"input_ids": {0: "batch"}, **{o: {0: "batch"} for o in outputs2}})
    torch.manual_seed(51)
    unet = UNet(d1 + d2, pooled_dim=d2).eval()
    args = (torch.zeros(2, 4, 8, 8), torch.ones(1, dtype=torch.int64), torch.zeros(2, 77, d1 + d2), torch.zeros(2, d2), torch.zeros(2, 6))
    names = ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"]
    dynamic = {"sample": {0: "batch", 2: "h", 3: "w"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}, "text_embeds": {0: "batch"}, "time_ids": {0: "batch"}, "out_sample": {0: "batch", 2: "h", 3: "w"}}
    export(unet, args, folder / "unet" / "model.onnx", names, ["out_sample"], dynamic, "model.onnx_data")
    vae(folder, 52, "latent_parameters")
    write_json(folder / "vae_decoder" / "config.json", {"scaling_factor": 0.13025, "latent_channels": 4})
    write_tokenizer(folder)
    tok2 = write_tokenizer(folder / "tmp", pad="!")
    shutil.move(str(tok2), str(folder / "tokenizer_2"))
    shutil.rmtree(folder / "tmp")
    scheduler(folder, cls="EulerDiscreteScheduler")
    model_index(folder, "ORTStableDiffusionXLPipeline", ["text_encoder", "text_encoder_2", "unet", "vae_decoder", "vae_encoder", "tokenizer", "tokenizer_2", "scheduler"])


def make_sdxl_refiner():
    folder = OUT / "sdxl-refiner"
    shutil.rmtree(folder, ignore_errors=True)
    d2 = 48
    torch.manual_seed(55)
    te2 = TextEncoder(d2, projection=True).eval()
    outputs2 = ["text_embeds", "last_hidden_state", "hidden_states.0", "hidden_states.1", "hidden_states.2"]
    export(te2, (torch.zeros(1, 77, dtype=torch.int64),), folder / "text_encoder_2" / "model.onnx", ["input_ids"], outputs2, {"input_ids": {0: "batch"}, **{o: {0: "batch"} for o in outputs2}})
    torch.manual_seed(56)
    unet = UNet(d2, pooled_dim=d2, time_ids=5).eval()
    args = (torch.zeros(2, 4, 8, 8), torch.ones(1, dtype=torch.int64), torch.zeros(2, 77, d2), torch.zeros(2, d2), torch.zeros(2, 5))
    names = ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"]
    dynamic = {"sample": {0: "batch", 2: "h", 3: "w"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}, "text_embeds": {0: "batch"}, "time_ids": {0: "batch"}, "out_sample": {0: "batch", 2: "h", 3: "w"}}
    export(unet, args, folder / "unet" / "model.onnx", names, ["out_sample"], dynamic, "model.onnx_data")
    vae(folder, 52, "latent_parameters")
    write_json(folder / "vae_decoder" / "config.json", {"scaling_factor": 0.13025, "latent_channels": 4})
    tok2 = write_tokenizer(folder / "tmp", pad="!")
    shutil.move(str(tok2), str(folder / "tokenizer_2"))
    shutil.rmtree(folder / "tmp")
    scheduler(folder, cls="EulerDiscreteScheduler")
    model_index(folder, "ORTStableDiffusionXLImg2ImgPipeline", ["text_encoder_2", "unet", "vae_decoder", "vae_encoder", "tokenizer_2", "scheduler"])
    # As stabilityai/stable-diffusion-xl-refiner-1.0 ships it: no first encoder, aesthetic-score time ids, "" encoded for an empty negative.
    index = json.loads((folder / "model_index.json").read_text())
    write_json(folder / "model_index.json", {**index, "text_encoder": [None, None], "tokenizer": [None, None], "requires_aesthetics_score": True, "force_zeros_for_empty_prompt": False})


class Sd15ResBlock(nn.Module):
    """diffusers' ResnetBlock2D: GroupNorm(32), SiLU, 3x3 conv, the time embedding added, again, a 1x1 shortcut when widths differ."""

    def __init__(self, cin, cout, temb=1280):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(32, cin, eps=1e-5), nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2, self.conv2 = nn.GroupNorm(32, cout, eps=1e-5), nn.Conv2d(cout, cout, 3, padding=1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t):
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = h + self.time_emb_proj(nn.functional.silu(t))[:, :, None, None]
        return self.shortcut(x) + self.conv2(nn.functional.silu(self.norm2(h)))


class Sd15Transformer(nn.Module):
    """diffusers' Transformer2DModel as SD 1.5 has it: GroupNorm, 1x1 proj_in, self-attention, cross-attention and a GEGLU
    feed-forward each after a LayerNorm, 1x1 proj_out, the input added back. Eight heads."""

    def __init__(self, c, context_dim=768, heads=8):
        super().__init__()
        self.norm, self.proj_in, self.proj_out = nn.GroupNorm(32, c, eps=1e-6), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.norm1, self.attn1 = nn.LayerNorm(c), Attention(c, c, heads)
        self.norm2, self.attn2 = nn.LayerNorm(c), Attention(c, context_dim, heads)
        self.norm3, self.ff_in, self.ff_out = nn.LayerNorm(c), nn.Linear(c, c * 8), nn.Linear(c * 4, c)

    def forward(self, x, context):
        b, c, h, w = x.shape
        y = self.proj_in(self.norm(x)).reshape(b, c, h * w).transpose(1, 2)
        y = y + self.attn1(self.norm1(y))
        y = y + self.attn2(self.norm2(y), context)
        hidden, gate = self.ff_in(self.norm3(y)).chunk(2, dim=-1)
        y = y + self.ff_out(hidden * nn.functional.gelu(gate))
        return x + self.proj_out(y.transpose(1, 2).reshape(b, c, h, w))


class Sd15UNet(nn.Module):
    """SD 1.5's UNet2DConditionModel in shape (860M parameters): blocks of 320, 640, 1280 and 1280 channels, two ResNet layers
    down and three up, cross-attention in the first three levels and the middle, skip connections, a 1280-wide time embedding."""

    def __init__(self, widths=(320, 640, 1280, 1280), context_dim=768):
        super().__init__()
        self.c0 = widths[0]
        self.time_mlp = nn.Sequential(nn.Linear(widths[0], 1280), nn.SiLU(), nn.Linear(1280, 1280))
        self.conv_in = nn.Conv2d(4, widths[0], 3, padding=1)
        self.down, skips, cin = nn.ModuleList(), [widths[0]], widths[0]
        for level, cout in enumerate(widths):
            attend = level < 3
            layers = nn.ModuleList()
            for _ in range(2):
                layers.append(nn.ModuleList([Sd15ResBlock(cin, cout), Sd15Transformer(cout, context_dim) if attend else nn.Identity()]))
                cin = cout
                skips.append(cout)
            sample = nn.Conv2d(cout, cout, 3, stride=2, padding=1) if level < 3 else None
            if sample is not None:
                skips.append(cout)
            self.down.append(nn.ModuleDict({"layers": layers, **({"sample": sample} if sample is not None else {})}))
        self.mid1, self.mid_attn, self.mid2 = Sd15ResBlock(cin, cin), Sd15Transformer(cin, context_dim), Sd15ResBlock(cin, cin)
        self.up = nn.ModuleList()
        for level, cout in enumerate(reversed(widths)):
            attend = level > 0
            layers = nn.ModuleList()
            for _ in range(3):
                layers.append(nn.ModuleList([Sd15ResBlock(cin + skips.pop(), cout), Sd15Transformer(cout, context_dim) if attend else nn.Identity()]))
                cin = cout
            sample = nn.Conv2d(cout, cout, 3, padding=1) if level < 3 else None
            self.up.append(nn.ModuleDict({"layers": layers, **({"sample": sample} if sample is not None else {})}))
        self.norm_out, self.conv_out = nn.GroupNorm(32, widths[0]), nn.Conv2d(widths[0], 4, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        t = self.time_mlp(timestep_embedding(timestep.reshape(-1).float().expand(sample.shape[0]), self.c0))
        h = self.conv_in(sample)
        skips = [h]
        for block in self.down:
            for res, attn in block["layers"]:
                h = res(h, t)
                h = attn(h, encoder_hidden_states) if isinstance(attn, Sd15Transformer) else h
                skips.append(h)
            if "sample" in block:
                h = block["sample"](h)
                skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, t), encoder_hidden_states), t)
        for block in self.up:
            for res, attn in block["layers"]:
                h = res(torch.cat([h, skips.pop()], dim=1), t)
                h = attn(h, encoder_hidden_states) if isinstance(attn, Sd15Transformer) else h
            if "sample" in block:
                h = block["sample"](nn.functional.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(nn.functional.silu(self.norm_out(h)))


def make_sd15_shaped():
    """A full-size SD 1.5-shaped model with random weights, for benchmarks only (3.4 GB of UNet weights: never committed):
    the old conversion script's layout, weights in unet/weights.pb; a 768-wide text encoder and the small fixture VAE."""
    folder = OUT / "sd15-shaped"
    shutil.rmtree(folder, ignore_errors=True)
    sd_text_encoder(folder, 768, torch.int32, 90)
    torch.manual_seed(91)
    unet = Sd15UNet().eval()
    dynamic = {"sample": {0: "batch", 2: "h", 3: "w"}, "timestep": {0: "steps"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": {0: "batch", 2: "h", 3: "w"}}
    with torch.no_grad():
        export(unet, (torch.zeros(2, 4, 8, 8), torch.ones(2), torch.zeros(2, 77, 768)), folder / "unet" / "model.onnx", ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], dynamic, "weights.pb")
    # Past 2 GB torch writes each weight to a file of its own; the graph now names weights.pb alone.
    for stray in (folder / "unet").iterdir():
        if stray.name not in ("model.onnx", "weights.pb"):
            stray.unlink()
    write_json(folder / "unet" / "config.json", {"sample_size": 64, "in_channels": 4, "out_channels": 4, "block_out_channels": [320, 640, 1280, 1280], "cross_attention_dim": 768})
    vae(folder, 92, "latent_sample")
    write_tokenizer(folder)
    scheduler(folder)
    model_index(folder, "OnnxStableDiffusionPipeline", ["text_encoder", "unet", "vae_decoder", "vae_encoder", "tokenizer", "scheduler"])


# Made only when named, into --out: too large to commit.
BENCH_MAKERS = {"sd15-shaped": make_sd15_shaped}

MAKERS = {
    "sd1-conversion": lambda: make_sd1("sd1-conversion", torch.int32, torch.float32, "weights.pb", "latent_sample", 10),
    "sd1-optimum": lambda: make_sd1("sd1-optimum", torch.int32, torch.int64, "model.onnx_data", "latent_parameters", 20),
    "sd1-fp16": lambda: [to_fp16_io(make_sd1("sd1-fp16", torch.int32, torch.float32, None, "latent_sample", 30) / part / "model.onnx") for part in ("text_encoder", "unet", "vae_decoder", "vae_encoder")],
    "sd1-static": lambda: make_sd1("sd1-static", torch.int32, torch.float32, None, None, 60, static=True),
    "sd1-sdpa": lambda: make_sd1("sd1-sdpa", torch.int64, torch.int64, "model.onnx_data", "latent_parameters", 70, attention=SdpaAttention),
    "sd2-v": make_sd2v,
    "sdxl": make_sdxl,
    "sdxl-refiner": make_sdxl_refiner,
    "f4c8": make_small_latent,
}


def main():
    global OUT, UNET_CHANNELS
    parser = argparse.ArgumentParser()
    parser.add_argument("only", nargs="?", choices=[*MAKERS, *BENCH_MAKERS], help="make this fixture only")
    parser.add_argument("--out", type=Path, default=OUT, help="where the fixtures go (default models/fixtures)")
    parser.add_argument("--unet-channels", type=int, default=UNET_CHANNELS)
    args = parser.parse_args()
    OUT, UNET_CHANNELS = args.out, args.unet_channels
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in {**MAKERS, **BENCH_MAKERS}.items():
        if args.only == name or (args.only is None and name in MAKERS):
            make()
    print("fixtures written to", OUT)


if __name__ == "__main__":
    main()
