// Which Python runs the language server: the amlDeploy.python setting, else the Python
// extension's interpreter (when that extension is installed), else python3.
import * as vscode from 'vscode';
import { chooseInterpreter, PythonChoice } from './interpreter';

interface PythonExtensionApi {
    environments?: {
        getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    };
}

async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
    if (!extension) {
        return undefined;
    }
    try {
        const api = extension.isActive ? extension.exports : await extension.activate();
        return api?.environments?.getActiveEnvironmentPath(resource)?.path || undefined;
    } catch {
        return undefined;
    }
}

export async function findPython(resource: vscode.Uri | undefined): Promise<PythonChoice> {
    const setting = vscode.workspace.getConfiguration('amlDeploy', resource).get<string>('python');
    const fromExtension = setting ? undefined : await pythonExtensionInterpreter(resource);
    return chooseInterpreter(setting, fromExtension, process.platform);
}
