import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { ClipTokenizer } from '../../app/text/clip-tokenizer';
import { loadTokenizer } from '../../main/engine/text/load-tokenizer';
import { parsePromptAttention } from '../../app/text/prompt-attention';
import { chunkPrompt, tokensInRange, wordSpans } from '../../app/text/prompt-chunks';
import { repoRoot } from '../helpers/paths';

// The real CLIP ViT-L/14 vocabulary and merges, and ids made by openai/CLIP's own tokenizer.
const tokenizerDir = join(repoRoot, 'test', 'fixtures', 'clip-tokenizer');
const references = JSON.parse(readFileSync(join(tokenizerDir, 'reference-vectors.json'), 'utf8')) as { text: string; ids: number[] }[];
/** Texts CLIP cleans before BPE (ftfy, HTML unescaping twice), with the ids openai/CLIP's own tokenizer gives them (made_by in the file). */
const cleaning = (JSON.parse(readFileSync(join(tokenizerDir, 'cleaning-vectors.json'), 'utf8')) as { cases: { text: string; cleaned: string; source: string; ids: number[] }[] }).cases;
let tokenizer: ClipTokenizer;
let padId: number;

describe('CLIP tokenizer', () => {
  before(async () => ({ tokenizer, padId } = await loadTokenizer(tokenizerDir)));

  for (const { text, ids } of references) {
    test(`matches the reference ids for ${JSON.stringify(text)}`, () => assert.deepEqual(tokenizer.encode(text), ids));
  }

  for (const { text, ids, source } of cleaning) {
    test(`cleans ${JSON.stringify(text)} as CLIP does (${source}) and matches its ids`, () => assert.deepEqual(tokenizer.encode(text), ids));
  }

  test('a token from cleaned text still points at what was written', () => {
    const text = 'Tom &amp; Jerry in a caf&eacute;';
    const pieces = tokenizer.pieces(text);
    assert.deepEqual(
      pieces.map((p) => text.slice(p.start, p.end)),
      ['Tom', '&', 'Jerry', 'in', 'a', 'caf&eacute;'],
    );
  });

  test('pads with <|endoftext|> when the config names no pad token', () => assert.equal(padId, 49407));

  test('reports the characters each token came from', () => {
    const text = 'snow-covered mountains';
    const pieces = tokenizer.pieces(text);
    assert.deepEqual(
      pieces.map((p) => text.slice(p.start, p.end)),
      ['snow', '-', 'covered', 'mountains'],
    );
  });
});

describe('prompt weighting (A1111 syntax)', () => {
  const round = (spans: ReturnType<typeof parsePromptAttention>) => spans.map((s) => [s.text, Math.round(s.weight * 1e4) / 1e4]);
  const cases: [string, [string, number][]][] = [
    ['a cat', [['a cat', 1]]],
    ['a (cat)', [['a ', 1], ['cat', 1.1]]],
    ['a ((cat))', [['a ', 1], ['cat', 1.21]]],
    ['a [cat]', [['a ', 1], ['cat', 0.9091]]],
    ['a (cat:1.5) dog', [['a ', 1], ['cat', 1.5], [' dog', 1]]],
    ['(a (cat:2):0.5)', [['a ', 0.5], ['cat', 1]]],
    ['a \\(cat\\)', [['a ', 1], ['(', 1], ['cat', 1], [')', 1]]],
    ['unclosed (cat', [['unclosed ', 1], ['cat', 1.1]]],
    ['time: 12', [['time', 1], [':', 1], [' 12', 1]]],
  ];
  for (const [prompt, expected] of cases) {
    test(JSON.stringify(prompt), () => assert.deepEqual(round(parsePromptAttention(prompt)), expected));
  }

  test('keeps where each span starts in the prompt as written', () => {
    const prompt = 'a (red cat:1.3) on a mat';
    for (const span of parsePromptAttention(prompt)) assert.equal(prompt.slice(span.start, span.start + span.text.length), span.text);
  });

  test('BREAK starts a new chunk', () => {
    const { chunks } = chunkPrompt(tokenizer, 'a cat BREAK a dog', { padId });
    assert.equal(chunks.length, 2);
    assert.deepEqual(chunks[1]!.ids.slice(0, 4), [49406, 320, 1929, 49407]);
  });
});

describe('prompt chunks', () => {
  test('a short prompt is one padded 77-token chunk with its weights', () => {
    const { chunks } = chunkPrompt(tokenizer, 'a (cat:1.5)', { padId });
    assert.equal(chunks.length, 1);
    const [chunk] = chunks;
    assert.equal(chunk!.ids.length, 77);
    assert.deepEqual(chunk!.ids.slice(0, 4), [49406, 320, 2368, 49407]);
    assert.deepEqual(chunk!.weights.slice(0, 4), [1, 1, 1.5, 1]);
    assert.ok(chunk!.ids.slice(4).every((id) => id === padId));
  });

  test('a long prompt continues in a second chunk instead of being cut', () => {
    const prompt = Array.from({ length: 100 }, (_, i) => (i % 2 ? 'cat' : 'dog')).join(' ');
    const { chunks, tokens } = chunkPrompt(tokenizer, prompt, { padId });
    assert.equal(tokens.length, 100);
    assert.equal(chunks.length, 2);
    assert.equal(chunks[0]!.ids[76], 49407);
    assert.deepEqual(tokens.slice(74, 76).map((t) => [t.chunk, t.position]), [[0, 75], [1, 1]]);
  });

  test('a full chunk breaks after its last comma when that is near the end (A1111 backtrack)', () => {
    const prompt = `${Array.from({ length: 70 }, () => 'cat').join(' ')}, ${Array.from({ length: 10 }, () => 'dog').join(' ')}`;
    const { tokens } = chunkPrompt(tokenizer, prompt, { padId });
    const firstDog = tokens.find((t) => t.id === tokenizer.idOf('dog</w>'))!;
    assert.deepEqual([firstDog.chunk, firstDog.position], [1, 1]);
  });

  test("maps a word or phrase to its tokens, brackets and weights included", () => {
    const prompt = 'a (snow-covered:1.2) mountain at sunrise';
    const { tokens } = chunkPrompt(tokenizer, prompt, { padId });
    const words = wordSpans(prompt, tokens);
    const snow = words.find((w) => w.word.includes('snow'))!;
    assert.deepEqual(snow.tokens.map((t) => [t.id, t.weight, t.position]), [[2583, 1.2, 2], [268, 1.2, 3], [5603, 1.2, 4]]);
    const phrase = tokensInRange(tokens, prompt.indexOf('mountain'), prompt.length);
    assert.deepEqual(phrase.map((t) => t.position), [5, 6, 7]);
  });
});
