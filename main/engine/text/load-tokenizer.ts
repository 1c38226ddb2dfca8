import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from '../model/model-error';
import { ClipTokenizer, END_OF_TEXT, type TokenizerFiles } from '../../../app/text/clip-tokenizer';
import { parseBoundedJson } from '../../../app/domain/bounded-json';

export interface LoadedTokenizer {
  readonly tokenizer: ClipTokenizer;
  /** Padding id from the tokenizer's config: SD 1.x pads with <|endoftext|>, SD 2.x with "!" (id 0). */
  readonly padId: number;
  readonly maxLength: number;
}

interface TokenizerJson {
  model?: { vocab?: Record<string, number>; merges?: (string | [string, string])[] };
}

/**
 * Reads a model's `tokenizer/` folder: `vocab.json` + `merges.txt` as the
 * diffusers layout ships them, or a `tokenizer.json` (Hugging Face tokenizers
 * format) where only that exists; padding and length from `tokenizer_config.json`.
 */
export async function loadTokenizer(dir: string): Promise<LoadedTokenizer> {
  try {
    return await readTokenizer(dir);
  } catch (error) {
    if (error instanceof ModelError) throw error;
    throw new ModelError('unreadable-part', `The tokenizer in ${dir} cannot be read: ${(error as Error).message}`);
  }
}

async function readTokenizer(dir: string): Promise<LoadedTokenizer> {
  const { files, padToken, maxLength } = await readTokenizerSource(dir);
  const tokenizer = new ClipTokenizer(files);
  return { tokenizer, padId: tokenizer.idOf(padToken), maxLength };
}

/** What a tokenizer is built from: its files, its padding token and its length (the studio's renderer builds its own from these). */
export async function readTokenizerSource(dir: string): Promise<{ files: TokenizerFiles; padToken: string; maxLength: number }> {
  const files = await readTokenizerFiles(dir);
  const config = await readJsonIfPresent<{ pad_token?: string | { content?: string }; model_max_length?: number }>(join(dir, 'tokenizer_config.json'));
  const special = await readJsonIfPresent<{ pad_token?: string | { content?: string } }>(join(dir, 'special_tokens_map.json'));
  const padToken = tokenText(config?.pad_token) ?? tokenText(special?.pad_token) ?? END_OF_TEXT;
  const maxLength = config?.model_max_length && config.model_max_length <= 1024 ? config.model_max_length : 77;
  return { files, padToken, maxLength };
}

async function readTokenizerFiles(dir: string): Promise<{ vocab: Record<string, number>; merges: string }> {
  const vocabPath = join(dir, 'vocab.json');
  const mergesPath = join(dir, 'merges.txt');
  if (existsSync(vocabPath) && existsSync(mergesPath)) {
    return { vocab: parseBoundedJson(await readFile(vocabPath, 'utf8')) as Record<string, number>, merges: await readFile(mergesPath, 'utf8') };
  }
  const json = await readJsonIfPresent<TokenizerJson>(join(dir, 'tokenizer.json'));
  if (json?.model?.vocab && json.model.merges) {
    const lines = json.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m));
    return { vocab: json.model.vocab, merges: ['#version: 0.2', ...lines].join('\n') };
  }
  throw new ModelError('missing-part', `${dir} has neither vocab.json + merges.txt nor a tokenizer.json with a BPE model`);
}

async function readJsonIfPresent<T>(path: string): Promise<T | null> {
  if (!existsSync(path)) return null;
  return parseBoundedJson(await readFile(path, 'utf8')) as T;
}

function tokenText(token: string | { content?: string } | undefined): string | null {
  if (typeof token === 'string') return token;
  return token?.content ?? null;
}
