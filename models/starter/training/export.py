"""Exports the trained starter model (checkpoint.pt, its EMA weights) to models/starter/ in the
diffusers ONNX layout with SD 1.x conventions, so the engine runs it as an ordinary SD1-family model:
text_encoder (int32 input_ids -> last_hidden_state), unet (sample, int64 timestep,
encoder_hidden_states -> out_sample; v-prediction), vae_decoder (latent_sample -> sample, a
depth-to-space by 4), vae_encoder (sample -> latent_sample, a space-to-depth by 4), tokenizer
(CLIP's files), scheduler config, model_index.json. Also writes world.json: the world's palette and
vocabulary, which the detector and evaluation read.

    /usr/bin/python3 models/starter/training/export.py
"""
import json
import shutil
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import train  # noqa: E402
import world  # noqa: E402

OUT = HERE.parent
OPSET = 17
PARTS = ("text_encoder", "unet", "vae_decoder", "vae_encoder", "tokenizer", "scheduler")


def export(module, args, path, inputs, outputs, dynamic):
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(module.eval(), args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def write_model(out, text_encoder, unet, state, device="cpu"):
    """Writes every part of the model into the folder `out`."""
    text_encoder, unet = text_encoder.to(device).eval(), unet.to(device).eval()
    c, size = train.LATENT_CHANNELS, world.SIZE // train.PATCH
    for part in PARTS:
        shutil.rmtree(out / part, ignore_errors=True)
    export(text_encoder, (torch.zeros(1, 77, dtype=torch.int32),), out / "text_encoder" / "model.onnx", ["input_ids"], ["last_hidden_state"], {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}})
    export(unet, (torch.zeros(2, c, size, size), torch.ones(2, dtype=torch.int64), torch.zeros(2, 77, train.TEXT_WIDTH)), out / "unet" / "model.onnx",
           ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
           {"sample": {0: "batch", 2: "h", 3: "w"}, "timestep": {0: "steps"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": {0: "batch", 2: "h", 3: "w"}})
    export(train.DepthToSpaceDecoder(), (torch.zeros(1, c, size, size),), out / "vae_decoder" / "model.onnx", ["latent_sample"], ["sample"], {"latent_sample": {0: "batch", 2: "h", 3: "w"}, "sample": {0: "batch", 2: "H", 3: "W"}})
    export(train.SpaceToDepthEncoder(), (torch.zeros(1, 3, world.SIZE, world.SIZE),), out / "vae_encoder" / "model.onnx", ["sample"], ["latent_sample"], {"sample": {0: "batch", 2: "H", 3: "W"}, "latent_sample": {0: "batch", 2: "h", 3: "w"}})
    # diffusers reads the VAE's factor as 2 ** (len(block_out_channels) - 1): three entries, factor 4.
    vae_config = {"scaling_factor": state["latent_scale"], "latent_channels": c, "block_out_channels": [c, c, c], "in_channels": 3, "out_channels": 3, "_wordbrush_space_to_depth": train.PATCH}
    write_json(out / "vae_decoder" / "config.json", vae_config)
    write_json(out / "vae_encoder" / "config.json", vae_config)
    # diffusers' UNet config: sample_size is the latent size the model was trained at (64 px images here).
    write_json(out / "unet" / "config.json", {"sample_size": size, "in_channels": c, "out_channels": c, "cross_attention_dim": train.TEXT_WIDTH})
    (out / "tokenizer").mkdir()
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(train.TOKENIZER / name, out / "tokenizer" / name)
    write_json(out / "tokenizer" / "tokenizer_config.json", {"model_max_length": 77, "pad_token": "<|endoftext|>", "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>"})
    write_json(out / "scheduler" / "scheduler_config.json", {"_class_name": "EulerDiscreteScheduler", **train.SCHEDULE, "prediction_type": "v_prediction"})
    write_json(out / "model_index.json", {"_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.25.0", "_wordbrush_starter": {"trained_steps": state["step"], "design": state["design"]},
                                          **{p: ["diffusers", "x"] for p in PARTS}})
    write_json(out / "world.json", {"size": world.SIZE, "shapes": world.SHAPES, "colors": world.COLORS, "backgrounds": world.BACKGROUNDS, "sizes": list(world.SIZES)})


def main():
    saved = torch.load(train.CHECKPOINT, map_location="cpu")
    text_encoder = train.TextEncoder(saved["remap"], saved["vocab"])
    unet = train.StarterUNet()
    text_encoder.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in saved["ema_text_encoder"].items()})
    unet.load_state_dict({k: v.float() for k, v in saved["ema_unet"].items()})
    write_model(OUT, text_encoder, unet, saved["state"])
    print("exported", saved["state"])


if __name__ == "__main__":
    main()
