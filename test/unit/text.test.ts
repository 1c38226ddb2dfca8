import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ClipTokenizer } from '../../app/text/clip-tokenizer';
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

  test('a character the cleaning rewrote maps to what was written, in the middle of the text and at the start of a word', () => {
    for (const [text, written] of [
      ['caf&eacute; au lait', ['caf&eacute;', 'au', 'lait']],
      ['an &eacute;clair, please', ['an', '&eacute;clair', ',', 'please']],
      // One character cleaned into two (the ligature "ﬁ" into "fi"), alone and after another letter.
      ['\ufb01 x', ['\ufb01', 'x']],
      ['a\ufb01 x', ['a\ufb01', 'x']],
    ] as const) {
      assert.deepEqual(tokenizer.pieces(text).map((p) => text.slice(p.start, p.end)), written);
    }
  });

  test('<|startoftext|> and <|endoftext|> in a prompt are the special tokens, in any case (CLIP lower-cases first)', () => {
    const [a, b] = [tokenizer.idOf('a</w>'), tokenizer.idOf('b</w>')];
    assert.deepEqual(tokenizer.encode('a <|endoftext|> b'), [49406, a, 49407, b, 49407]);
    assert.deepEqual(tokenizer.encode('a <|StartOfText|> b'), [49406, a, 49406, b, 49407]);
  });

  test('a token not in the vocabulary is an error naming it', () => assert.throws(() => tokenizer.idOf('no-such-token</w>'), /Token "no-such-token<\/w>" is not in the vocabulary/));

  test("merges as simple_tokenizer reads them: the header skipped, a merge listed twice keeps its first rank, none past the vocabulary's 48,894", () => {
    const vocab = Object.fromEntries(['<|startoftext|>', '<|endoftext|>', 'a', 'b', 'c', 'd', 'ab', 'a</w>', 'b</w>', 'c</w>', 'd</w>', 'bc</w>', 'ab</w>', 'cd</w>', 'abc</w>'].map((t, i) => [t, i]));
    const filler = Array.from({ length: 48_894 - 3 }, (_, i) => `q${i} z`);
    // Ranks: "a b" first, "b c</w>" second, "a b" again (ignored), ..., "ab c</w>" last allowed, "c d</w>" one too many.
    const merges = ['#version: 0.2', 'a b', 'b c</w>', 'a b', ...filler.slice(1), 'ab c</w>', 'c d</w>'].join('\n');
    assert.equal(merges.split('\n').length, 1 + 48_894 + 1);
    const tiny = new ClipTokenizer({ vocab, merges });
    const ids = (text: string) => tiny.encode(text).slice(1, -1);
    // "a b" outranks "b c</w>" (its duplicate's rank would not), then "ab c</w>", the last merge there is room for.
    assert.deepEqual(ids('abc'), [vocab['abc</w>']]);
    assert.deepEqual(ids('cd'), [vocab.c, vocab['d</w>']], 'the merge past the limit is not used');
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

  // The examples in the docstring of A1111's parse_prompt_attention (modules/prompt_parser.py), which merges
  // neighbouring spans of equal weight; here they are merged the same way before comparing.
  const merged = (spans: ReturnType<typeof parsePromptAttention>) =>
    spans.reduce<[string, number][]>((out, s) => {
      const last = out.at(-1);
      if (last && last[1] === s.weight) last[0] += s.text;
      else out.push([s.text, s.weight]);
      return out;
    }, []);
  const a1111: [string, [string, number][]][] = [
    ['normal text', [['normal text', 1.0]]],
    ['an (important) word', [['an ', 1.0], ['important', 1.1], [' word', 1.0]]],
    ['(unbalanced', [['unbalanced', 1.1]]],
    ['\\(literal\\]', [['(literal]', 1.0]]],
    ['(unnecessary)(parens)', [['unnecessaryparens', 1.1]]],
    ['a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).', [['a ', 1.0], ['house', 1.5730000000000004], [' ', 1.1], ['on', 1.0], [' a ', 1.1], ['hill', 0.55], [', sun, ', 1.1], ['sky', 1.4641000000000006], ['.', 1.1]]],
  ];
  for (const [prompt, expected] of a1111) {
    test(`A1111's own example ${JSON.stringify(prompt)}`, () => assert.deepEqual(merged(parsePromptAttention(prompt)), expected));
  }

  const edges: [string, [string, number][]][] = [
    // A weight, or a closing bracket, with nothing open is text.
    ['cat:1.5) dog', [['cat:1.5) dog', 1]]],
    ['cat) dog] end', [['cat) dog] end', 1]]],
    // Signed weights, and a weight that is no number (text, its bracket left open).
    ['(cat:-0.5) (dog:+2)', [['cat', -0.5], [' ', 1], ['dog', 2]]],
    ['(cat:.)', [['cat:.)', 1.1]]],
    ['a [cat', [['a ', 1], ['cat', 1 / 1.1]]],
    // A lone backslash is dropped, an escaped one kept.
    ['a \\ b \\\\ c', [['a  b \\ c', 1]]],
  ];
  for (const [prompt, expected] of edges) {
    test(`edge: ${JSON.stringify(prompt)}`, () => assert.deepEqual(merged(parsePromptAttention(prompt)), expected));
  }

  test('BREAK takes the spaces around it, splits on word boundaries only, and leaves no empty span', () => {
    // A BREAK is a span of no text and weight -1 (A1111's marker).
    const plain = (prompt: string) => parsePromptAttention(prompt).map((s) => (s.isBreak && s.text === '' ? ['BREAK', s.weight] : [s.text, s.weight]));
    assert.deepEqual(plain('cat  BREAK  dog'), [['cat', 1], ['BREAK', -1], ['dog', 1]]);
    assert.deepEqual(plain('cat,BREAK,dog'), [['cat,', 1], ['BREAK', -1], [',dog', 1]]);
    assert.deepEqual(plain('BREAKFAST BREAK'), [['BREAKFAST', 1], ['BREAK', -1]]);
    assert.deepEqual(plain('BREAK cat'), [['BREAK', -1], ['cat', 1]]);
    assert.deepEqual(plain('()cat'), [['cat', 1]]);
  });

  test('keeps where each span starts in the prompt as written', () => {
    for (const prompt of ['a (red cat:1.3) on a mat', 'a \\(red\\) cat BREAK on a [mat] BREAK  by (the door', '(a cat BREAK a dog BREAK a bird)']) {
      const spans = parsePromptAttention(prompt);
      for (const span of spans.filter((s) => !s.isBreak)) assert.equal(prompt.slice(span.start, span.start + span.text.length), span.text);
      for (const span of spans.filter((s) => s.isBreak)) assert.match(prompt.slice(span.start), /^\s*BREAK\b/);
    }
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

  test('without weighting, brackets are words and every weight is 1; padding weighs 1 to the 77th token', () => {
    const { chunks, tokens } = chunkPrompt(tokenizer, 'a (cat:1.5)', { padId, weighting: false });
    assert.deepEqual(tokens.map((t) => t.id), tokenizer.encode('a (cat:1.5)').slice(1, -1));
    assert.ok(tokens.length > 3);
    assert.equal(chunks[0]!.weights.length, 77);
    assert.ok(chunks[0]!.weights.every((w) => w === 1));
    assert.equal(chunks[0]!.sources.length, 77);
    assert.deepEqual(chunks[0]!.sources.slice(tokens.length + 1), new Array(77 - tokens.length - 1).fill(null));
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

  test('the comma backtrack reaches 20 tokens back and no further; without a comma the chunk is cut where it is full', () => {
    const cats = (n: number) => Array.from({ length: n }, () => 'cat').join(' ');
    const firstDog = (prompt: string) => chunkPrompt(tokenizer, prompt, { padId }).tokens.find((t) => t.id === tokenizer.idOf('dog</w>'))!;
    // 54 cats and a comma, then dogs: the comma is token 55 of 75, 20 back from the last.
    assert.deepEqual([firstDog(`${cats(54)}, ${'dog '.repeat(30)}`).chunk, firstDog(`${cats(54)}, ${'dog '.repeat(30)}`).position], [1, 1]);
    // One cat fewer: 21 back, too far; the chunk is cut at 75 tokens.
    const far = firstDog(`${cats(53)}, ${'dog '.repeat(30)}`);
    assert.deepEqual([far.chunk, far.position], [0, 55]);
    const { tokens } = chunkPrompt(tokenizer, cats(80), { padId });
    assert.deepEqual([tokens[74]!.chunk, tokens[75]!.chunk, tokens[75]!.position], [0, 1, 1]);
  });

  test('a range takes the tokens that overlap it, not those that only touch it', () => {
    const prompt = 'red cat';
    const { tokens } = chunkPrompt(tokenizer, prompt, { padId });
    assert.deepEqual(tokensInRange(tokens, 0, 3).map((t) => t.id), [tokenizer.idOf('red</w>')]);
    assert.deepEqual(tokensInRange(tokens, 3, 4), []);
    assert.deepEqual(tokensInRange(tokens, 4, 7).map((t) => t.id), [tokenizer.idOf('cat</w>')]);
    assert.deepEqual(wordSpans('( red ) cat', chunkPrompt(tokenizer, '( red ) cat', { padId }).tokens).map((w) => [w.word, w.start, w.end]), [['red', 2, 5], ['cat', 8, 11]]);
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
