// A tree view's rows as plain data, so that what a view shows is unit-tested without VS Code.

export interface Entry<T = unknown> {
    label: string;
    description?: string;
    icon: string; // a codicon id, optionally "id:themeColor"
    contextValue: string;
    tooltip?: string; // Markdown
    accessibility: string;
    expanded?: boolean; // has children, shown open
    data: T;
}
