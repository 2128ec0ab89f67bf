// A plain tree Entry as a VS Code TreeItem.
import * as vscode from 'vscode';
import { Entry } from './tree';

export function toTreeItem(entry: Entry): vscode.TreeItem {
    const item = new vscode.TreeItem(entry.label,
        entry.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    const [icon, color] = entry.icon.split(':');
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.description = entry.description;
    item.contextValue = entry.contextValue;
    item.tooltip = entry.tooltip !== undefined ? new vscode.MarkdownString(entry.tooltip) : undefined;
    item.accessibilityInformation = { label: entry.accessibility };
    return item;
}
