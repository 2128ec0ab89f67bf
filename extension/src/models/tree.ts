// What the Models view shows: name -> versions, from the server's listModels answer.
import { Entry } from '../tree';

export interface ModelVersion {
    name: string;
    version: string;
    type: string;
    description: string;
    tags: Record<string, string>;
    size_text: string;
    file_count: number;
    created: string;
    archived: boolean;
    reference: string;
}

export interface ModelList {
    registry: string;
    namePattern: string;
    models: { name: string; versions: ModelVersion[] }[];
}

export type ModelNode = { kind: 'model'; name: string; versions: ModelVersion[] } | { kind: 'version'; model: ModelVersion };

export function modelNodes(list: ModelList): ModelNode[] {
    return list.models.map((m) => ({ kind: 'model', name: m.name, versions: m.versions }));
}

export function childNodes(node: ModelNode): ModelNode[] {
    return node.kind === 'model' ? node.versions.map((model) => ({ kind: 'version', model })) : [];
}

export function modelEntry(node: ModelNode): Entry<ModelNode> {
    if (node.kind === 'model') {
        const count = node.versions.length;
        return {
            label: node.name, description: `${count} version${count === 1 ? '' : 's'}`, icon: 'package',
            contextValue: 'model', accessibility: `model ${node.name}`, expanded: true, data: node,
        };
    }
    const model = node.model;
    const tags = Object.entries(model.tags).map(([k, v]) => `${k}=${v}`).join(' ');
    return {
        label: model.version,
        description: [tags, model.size_text, model.created.slice(0, 10), model.archived ? 'archived' : ''].filter(Boolean).join(' · '),
        icon: model.archived ? 'archive' : 'versions',
        contextValue: 'modelVersion',
        tooltip: `**${model.reference}**\n\n${model.description || ''}\n\n${model.type} · ${model.size_text} in ${model.file_count} file(s)` +
            `\n\nRegistered ${model.created}`,
        accessibility: `${model.name} version ${model.version}`,
        data: node,
    };
}
