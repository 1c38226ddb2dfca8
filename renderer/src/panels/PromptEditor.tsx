import { useEffect, useRef, useState, type ReactNode } from 'react';
import { bindingIssues, promptHighlights } from '../../../app/document/bindings';
import { sceneGraphOf, type LayerId } from '../../../app/document/document';
import { promptWithGraph } from '../../../app/domain/scene-layout';
import { isPainted } from '../canvas/mask-pixels';
import { documentOf, setPrompt, setPromptSelection, setTool, useEditor } from '../document/editor-store';
import type { ModelTokenizer } from '../generation/use-tokenizer';
import { TokenView } from './TokenView';

/** Which word regions have paint, looked at once per mask (masks never change once stored). */
function usePaintedRegions(): (layer: LayerId) => boolean | undefined {
  const document = useEditor(documentOf);
  const assets = useEditor((s) => s.assets);
  const [painted, setPainted] = useState<Readonly<Record<string, boolean>>>({});
  useEffect(() => {
    for (const layer of document.layers) {
      const url = layer.kind === 'word-region' ? assets[layer.mask] : undefined;
      if (layer.kind !== 'word-region' || painted[layer.mask] !== undefined || !url) continue;
      void isPainted(layer.mask, url).then((has) => setPainted((p) => ({ ...p, [layer.mask]: has })));
    }
  }, [document, assets, painted]);
  return (id) => {
    const layer = document.layers.find((l) => l.id === id);
    return layer && 'mask' in layer ? painted[layer.mask] : undefined;
  };
}

/** The prompt with each bound phrase marked in its region's colour, drawn behind the (transparent) text field. */
function highlighted(prompt: string, marks: readonly { start: number; end: number; colour: string }[]): ReactNode[] {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const mark of marks) {
    if (mark.start < at) continue;
    parts.push(prompt.slice(at, mark.start));
    parts.push(
      <mark key={mark.start} style={{ backgroundColor: `${mark.colour}66`, boxShadow: `inset 0 -2px ${mark.colour}` }}>
        {prompt.slice(mark.start, mark.end)}
      </mark>,
    );
    at = mark.end;
  }
  // A trailing newline needs a character after it to take up its line.
  parts.push(`${prompt.slice(at)} `);
  return parts;
}

/**
 * The prompt: select words in it and paint on the canvas to bind them to a
 * region. Bound phrases show in their region's colour; what would make a
 * region paint nothing, or paint twice, is said under it before any run.
 */
export function PromptEditor({ tokenizer }: { readonly tokenizer: ModelTokenizer | null }) {
  const prompt = useEditor((s) => s.run.prompt);
  const document = useEditor(documentOf);
  const selection = useEditor((s) => s.promptSelection);
  const painted = usePaintedRegions();
  const backdrop = useRef<HTMLDivElement>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  // The browser's own select event (React's onSelect follows the focus and misses selections made by script or kept on blur).
  useEffect(() => {
    const element = field.current!;
    const onSelect = () => setPromptSelection(element.selectionEnd > element.selectionStart ? { start: element.selectionStart, end: element.selectionEnd } : null);
    element.addEventListener('select', onSelect);
    element.addEventListener('keyup', onSelect);
    element.addEventListener('mouseup', onSelect);
    return () => {
      element.removeEventListener('select', onSelect);
      element.removeEventListener('keyup', onSelect);
      element.removeEventListener('mouseup', onSelect);
    };
  }, []);
  const marks = promptHighlights(document, prompt);
  // Judged against the prompt the run will use: the user's, with the scene graph's sentence.
  const issues = bindingIssues(document, promptWithGraph(prompt, sceneGraphOf(document)), painted);
  const chosen = selection ? prompt.slice(selection.start, selection.end).trim() : '';

  return (
    <div className="prompt-editor">
      <label>
        <span>Prompt</span>
        <div className="highlight-field">
          <div ref={backdrop} className="highlight-backdrop" aria-hidden="true">
            {highlighted(prompt, marks)}
          </div>
          <textarea
            data-testid="prompt"
            rows={5}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            ref={field}
            onScroll={(e) => backdrop.current && (backdrop.current.scrollTop = e.currentTarget.scrollTop)}
            placeholder="a red star and a blue circle on a green background"
            spellCheck={false}
          />
        </div>
      </label>
      <TokenView prompt={prompt} model={tokenizer} marks={marks} />
      <p className="hint" data-testid="binding-hint">
        {chosen ? (
          <>
            Paint on the canvas to place “{chosen}”.{' '}
            <button type="button" className="link" onClick={() => setTool('brush')} title="Alt+B from the prompt; B on the canvas">
              Paint “{chosen}” (Alt+B)
            </button>
          </>
        ) : (
          'Select words of the prompt, then paint where they go.'
        )}
      </p>
      {issues.length > 0 && (
        <ul className="binding-issues" aria-label="Region problems">
          {issues.map((issue) => (
            <li key={`${issue.layer}:${issue.problem}`} data-problem={issue.problem}>
              {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
