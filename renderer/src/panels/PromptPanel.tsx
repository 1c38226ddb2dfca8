import { useState } from 'react';

/** The prompt and negative prompt; generation plugs in here once the engine lands. */
export function PromptPanel() {
  const [prompt, setPrompt] = useState('');
  const [negative, setNegative] = useState('');
  return (
    <section className="panel prompt-panel" aria-label="Prompt">
      <h2>Prompt</h2>
      <label>
        <span>Prompt</span>
        <textarea data-testid="prompt" rows={5} value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="a red fox in a snowy forest, golden hour" spellCheck={false} />
      </label>
      <label>
        <span>Negative prompt</span>
        <textarea rows={2} value={negative} onChange={(e) => setNegative(e.target.value)} placeholder="blurry, low quality" spellCheck={false} />
      </label>
    </section>
  );
}
