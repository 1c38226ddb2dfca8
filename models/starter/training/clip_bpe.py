"""CLIP's BPE for the training script, for ASCII text (the world's captions). The studio's own
tokenizer (main/engine/text/clip-tokenizer.ts) is the reference; test/fixtures has its ids."""
import json
import re
from functools import lru_cache
from pathlib import Path

PATTERN = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[a-zA-Z]+|[0-9]|[^\sa-zA-Z0-9]+", re.IGNORECASE)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class ClipBpe:
    def __init__(self, folder):
        folder = Path(folder)
        self.vocab = json.loads((folder / "vocab.json").read_text())
        merges = (folder / "merges.txt").read_text().split("\n")[1 : 49152 - 256 - 2 + 1]
        self.ranks = {tuple(m.split()): i for i, m in enumerate(merges) if m}
        self.byte_chars = bytes_to_unicode()
        self.start, self.end = self.vocab["<|startoftext|>"], self.vocab["<|endoftext|>"]

    @lru_cache(maxsize=20000)
    def bpe(self, piece):
        word = [self.byte_chars[b] for b in piece.encode("utf-8")]
        word = word[:-1] + [word[-1] + "</w>"]
        while len(word) > 1:
            pairs = [(self.ranks.get((a, b), 1e9), i) for i, (a, b) in enumerate(zip(word, word[1:]))]
            rank, _ = min(pairs)
            if rank == 1e9:
                break
            first, second = next((word[i], word[i + 1]) for r, i in pairs if r == rank)
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return tuple(self.vocab[t] for t in word)

    def encode(self, text, length=77):
        """Start token, ids, end token, padded with the end token to `length` (SD 1.x padding), cut at length."""
        ids = [i for piece in PATTERN.findall(text.lower()) for i in self.bpe(piece)]
        ids = [self.start] + ids[: length - 2] + [self.end]
        return ids + [self.end] * (length - len(ids))
