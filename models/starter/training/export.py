"""Exports the trained starter model (checkpoint.pt) to models/starter/ in the diffusers ONNX layout
with SD 1.x conventions, so the engine runs it as an ordinary SD1-family model:
text_encoder (int32 input_ids -> last_hidden_state), unet (sample, int64 timestep,
encoder_hidden_states -> out_sample), vae_decoder (latent_sample -> sample), vae_encoder
(sample -> latent_parameters), tokenizer (CLIP's files), scheduler config, model_index.json.
Also writes world.json: the world's palette and vocabulary, which the detector and evaluation read.

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


def export(module, args, path, inputs, outputs, dynamic):
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(module.eval(), args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def main():
    saved = torch.load(train.CHECKPOINT)
    state = saved["state"]
    if state["latent_scale"] is None:
        raise SystemExit("The VAE stage has not finished: nothing to export yet")
    vae_encoder, vae_decoder = train.VaeEncoder(), train.VaeDecoder()
    text_encoder = train.TextEncoder(saved["remap"], saved["vocab"])
    unet = train.UNet(train.TEXT_WIDTH, channels=train.UNET_CHANNELS)
    for module, key in ((vae_encoder, "vae_encoder"), (vae_decoder, "vae_decoder"), (text_encoder, "text_encoder"), (unet, "unet")):
        module.load_state_dict(saved[key])
    scale = state["latent_scale"]

    for part in ("text_encoder", "unet", "vae_decoder", "vae_encoder", "tokenizer", "scheduler"):
        shutil.rmtree(OUT / part, ignore_errors=True)
    export(text_encoder, (torch.zeros(1, 77, dtype=torch.int32),), OUT / "text_encoder" / "model.onnx", ["input_ids"], ["last_hidden_state"], {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}})
    export(unet, (torch.zeros(2, 4, 8, 8), torch.ones(2, dtype=torch.int64), torch.zeros(2, 77, train.TEXT_WIDTH)), OUT / "unet" / "model.onnx",
           ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
           {"sample": {0: "batch", 2: "h", 3: "w"}, "timestep": {0: "steps"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": {0: "batch", 2: "h", 3: "w"}})
    export(vae_decoder, (torch.zeros(1, 4, 8, 8),), OUT / "vae_decoder" / "model.onnx", ["latent_sample"], ["sample"], {"latent_sample": {0: "batch", 2: "h", 3: "w"}, "sample": {0: "batch", 2: "H", 3: "W"}})
    export(vae_encoder, (torch.zeros(1, 3, 64, 64),), OUT / "vae_encoder" / "model.onnx", ["sample"], ["latent_parameters"], {"sample": {0: "batch", 2: "H", 3: "W"}, "latent_parameters": {0: "batch", 2: "h", 3: "w"}})
    write_json(OUT / "vae_decoder" / "config.json", {"scaling_factor": scale, "latent_channels": 4})
    # diffusers' UNet config: sample_size is the latent size the model was trained at (64 px images here).
    write_json(OUT / "unet" / "config.json", {"sample_size": 8, "in_channels": 4, "out_channels": 4, "cross_attention_dim": train.TEXT_WIDTH})
    (OUT / "tokenizer").mkdir()
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(train.TOKENIZER / name, OUT / "tokenizer" / name)
    write_json(OUT / "tokenizer" / "tokenizer_config.json", {"model_max_length": 77, "pad_token": "<|endoftext|>", "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>"})
    write_json(OUT / "scheduler" / "scheduler_config.json", {"_class_name": "EulerDiscreteScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
                                                             "num_train_timesteps": 1000, "prediction_type": "epsilon", "steps_offset": 1, "timestep_spacing": "leading"})
    write_json(OUT / "model_index.json", {"_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.25.0", "_wordbrush_starter": {"trained_steps": state["step"], "scenes_seen": state["scene"]},
                                          **{p: ["diffusers", "x"] for p in ("text_encoder", "unet", "vae_decoder", "vae_encoder", "tokenizer", "scheduler")}})
    write_json(OUT / "world.json", {"size": world.SIZE, "shapes": world.SHAPES, "colors": world.COLORS, "backgrounds": world.BACKGROUNDS, "sizes": list(world.SIZES)})
    print("exported", state)


if __name__ == "__main__":
    main()
