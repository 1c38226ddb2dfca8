import { applyNodeChanges, Background, MarkerType, ReactFlow, type Connection, type Edge, type Node, type NodeChange } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useState } from 'react';
import { RELATIONS, type Relation } from '../../../app/contract/conditioning';
import type { Layer } from '../../../app/document/document';
import * as edits from '../../../app/document/edits';
import { uniqueId } from '../document/actions';
import { documentOf, edit, useEditor } from '../document/editor-store';
import { layoutThread, liveLayout } from '../document/live-layout';

type GraphLayer = Extract<Layer, { kind: 'scene-graph' }>;

const COLOURS = ['', 'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'white', 'black', 'brown', 'grey'];
const SIZES = ['', 'tiny', 'small', 'medium', 'large', 'huge'];
const objectWords = (o: { name: string; attributes: readonly string[] }) => [...o.attributes, o.name].join(' ');

/** A select named by its label, from [value, text] pairs. */
function Choice({ label, value, options, onChange, title }: { label: string; value: string; options: readonly (readonly [string, string])[]; onChange: (value: string) => void; title?: string }) {
  return (
    <select aria-label={label} value={value} title={title} onChange={(e) => onChange(e.target.value)}>
      {options.map(([v, text]) => (
        <option key={v} value={v}>
          {text}
        </option>
      ))}
    </select>
  );
}

/** Where each object's node sits in the graph view: around a circle until the person drags it (view state, not the document). */
function circlePosition(index: number, count: number) {
  const angle = (2 * Math.PI * index) / Math.max(1, count) - Math.PI / 2;
  return { x: 110 + 90 * Math.cos(angle), y: 90 + 70 * Math.sin(angle) };
}

/**
 * A scene graph: objects as nodes, relations as edges (drag from one node's
 * handle to another's to relate them with the relation chosen below), and
 * the same by forms for the keyboard. The layout is solved live, as the
 * engine will solve it; contradicting edges turn red and say why.
 */
export function GraphEditor({ layer }: { readonly layer: GraphLayer }) {
  const seed = useEditor((s) => s.run.seed);
  const canvas = useEditor((s) => documentOf(s).canvas);
  // Nodes are kept across renders with what React Flow measured of them (a node without its size is hidden):
  // only objects added, removed or renamed change them (synced as the graph changes); a drag moves them through onNodesChange.
  const [view, setView] = useState<{ objects: GraphLayer['objects'] | null; nodes: Node[] }>({ objects: null, nodes: [] });
  let nodes = view.nodes;
  if (view.objects !== layer.objects) {
    nodes = layer.objects.map((o, i) => {
      const label = objectWords(o);
      const kept = view.nodes.find((n) => n.id === o.id);
      if (kept?.data.label === label) return kept;
      return { ...(kept ?? { id: o.id, position: circlePosition(i, layer.objects.length) }), data: { label }, ariaLabel: `Object ${label}` };
    });
    setView({ objects: layer.objects, nodes });
  }
  const [predicate, setPredicate] = useState<Relation>('left of');
  const [draft, setDraft] = useState({ name: '', colour: '', size: '' });
  const [relation, setRelation] = useState({ subject: '', object: '' });
  // Re-read when a layout arrives from the worker.
  useEditor((s) => s.layoutsSolved);
  const { layout, pending } = liveLayout(layer, seed, canvas.width / canvas.height);
  const conflicts = layout && !layout.ok ? layout.conflicts : [];
  const conflicting = (r: { subject: string; predicate: string; object: string }) => conflicts.find((c) => c.relations.some((x) => x.subject === r.subject && x.object === r.object && x.predicate === r.predicate));
  const nameOf = (id: string) => layer.objects.find((o) => o.id === id)?.name ?? id;

  const edges: Edge[] = layer.relations.map((r, i) => {
    const conflict = conflicting(r);
    return {
      id: `r${i}`,
      source: r.subject,
      target: r.object,
      label: r.predicate,
      markerEnd: { type: MarkerType.ArrowClosed },
      ariaLabel: `${nameOf(r.subject)} ${r.predicate} ${nameOf(r.object)}${conflict ? `: ${conflict.reason}` : ''}`,
      style: conflict ? { stroke: '#e06c75', strokeWidth: 2 } : undefined,
      labelStyle: conflict ? { fill: '#e06c75' } : undefined,
      data: { conflict: conflict?.reason ?? null },
    };
  });
  const onNodesChange = (changes: NodeChange[]) => setView((v) => ({ ...v, nodes: applyNodeChanges(changes, v.nodes) }));
  const relate = (subject: string, object: string) => subject && object && edit((d) => edits.addRelation(d, layer.id, { subject, predicate, object }));
  const addObject = () => {
    const name = draft.name.trim();
    if (!name) return;
    const id = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40) || 'object'}-${uniqueId().slice(-4)}`;
    edit((d) => edits.addObject(d, layer.id, { id, name, attributes: [draft.size, draft.colour].filter(Boolean) }));
    setDraft({ name: '', colour: draft.colour, size: draft.size });
  };
  const solved = layout?.ok ? layout.boxes : [];
  const objectOptions = layer.objects.map((o): [string, string] => [o.id, objectWords(o)]);

  return (
    <div className="graph-editor" aria-label={`Scene graph ${layer.name}`} role="group">
      <div className="graph-view" data-testid="graph-view">
        <ReactFlow
          // Fitted anew as objects come and go.
          key={layer.objects.length}
          nodes={nodes}
          edges={edges}
          onNodesChange={onNodesChange}
          onConnect={(c: Connection) => relate(c.source, c.target)}
          onEdgesDelete={(gone) => {
            const indices = new Set(gone.map((e) => Number(e.id.slice(1))));
            edit((d) => [...indices].sort((a, b) => b - a).reduce((doc, i) => edits.removeRelation(doc, layer.id, i), d));
          }}
          fitView
          proOptions={{ hideAttribution: true }}
          colorMode="dark"
        >
          <Background />
        </ReactFlow>
      </div>
      <div className="inline-form" role="group" aria-label="Add an object">
        <input aria-label="Object name" placeholder="star" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} onKeyDown={(e) => e.key === 'Enter' && addObject()} />
        <Choice label="Object colour" value={draft.colour} options={COLOURS.map((c) => [c, c || 'any colour'])} onChange={(colour) => setDraft({ ...draft, colour })} />
        <Choice label="Object size" value={draft.size} options={SIZES.map((s) => [s, s || 'any size'])} onChange={(size) => setDraft({ ...draft, size })} />
        <button type="button" onClick={addObject}>
          Add object
        </button>
      </div>
      <div className="inline-form" role="group" aria-label="Relate two objects">
        <Choice label="Subject" value={relation.subject} options={[['', 'subject…'], ...objectOptions]} onChange={(subject) => setRelation({ ...relation, subject })} />
        <Choice label="Relation" value={predicate} options={RELATIONS.map((r) => [r, r])} onChange={(r) => setPredicate(r as Relation)} title="Also the relation an edge dragged in the graph gets" />
        <Choice label="Object" value={relation.object} options={[['', 'object…'], ...objectOptions]} onChange={(object) => setRelation({ ...relation, object })} />
        <button type="button" disabled={!relation.subject || !relation.object || relation.subject === relation.object} onClick={() => relate(relation.subject, relation.object)}>
          Relate
        </button>
      </div>
      <ul className="graph-items" aria-label="Objects and relations">
        {layer.objects.map((o) => (
          <li key={o.id}>
            {objectWords(o)}{' '}
            <button type="button" className="link" onClick={() => edit((d) => edits.removeObject(d, layer.id, o.id))} aria-label={`Remove object ${objectWords(o)}`}>
              Remove
            </button>
          </li>
        ))}
        {layer.relations.map((r, i) => (
          <li key={`${r.subject}-${r.predicate}-${r.object}`} data-conflict={conflicting(r) ? 'true' : undefined}>
            {nameOf(r.subject)} <em>{r.predicate}</em> {nameOf(r.object)}{' '}
            <button type="button" className="link" onClick={() => edit((d) => edits.removeRelation(d, layer.id, i))} aria-label={`Remove relation ${nameOf(r.subject)} ${r.predicate} ${nameOf(r.object)}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {conflicts.map((c) => (
        <p key={c.reason} className="field-error" role="alert">
          {c.reason}
        </p>
      ))}
      {solved.length > 0 && (
        <button type="button" disabled={pending} onClick={() => edit((d) => edits.graphToBoxes(d, layer.id, edits.newLayerId(uniqueId()), solved))} title="Turn the solved layout into layout boxes to move by hand; the graph is hidden">
          Turn into boxes
        </button>
      )}
      <p className="hint" data-testid="layout-seed" data-layout={JSON.stringify(solved)} data-pending={pending} data-solved-in={layoutThread()}>
        {pending ? 'Laying out…' : `Laid out for seed ${seed}, as the next run will lay it out.`}
      </p>
    </div>
  );
}
